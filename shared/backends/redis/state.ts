// The coordination-state store (Backend.getState and the rest): one hash of entries, key ->
// '<version>:<value>', and a zset of the keys (score 0) that ZRANGEBYLEX lists by prefix in byte
// order. Both share the {state} hash tag, so on a Redis Cluster they sit in one slot and each Lua
// script (scripts/state_*.lua) over them is atomic there too. A read is one HGET: version and value
// travel together in one field, so they always agree.
import type { StateEntry } from '../../core/backend.js';
import type { RedisConnections } from './connections.js';
import type { RedisKeys } from './keys.js';
import { runScript } from './scripts.js';

/** The scripts' ARGV[1] is the finished channel in every queue script; these leave it unused. */
const NO_CHANNEL = '';

export class StateStore {
  constructor(
    private readonly connections: RedisConnections,
    private readonly keys: RedisKeys,
  ) {}

  private get stateKeys(): string[] {
    return [this.keys.stateEntries, this.keys.stateKeys];
  }

  async get(key: string): Promise<StateEntry | null> {
    const stored = await this.connections.command.hget(this.keys.stateEntries, key);
    return stored === null ? null : decode(key, stored);
  }

  async set(key: string, value: string, expectedVersion: number): Promise<StateEntry | null> {
    const version = Number(
      await runScript(this.connections.command, 'state_set', this.stateKeys, [NO_CHANNEL, key, value, expectedVersion]),
    );
    return version === 0 ? null : { key, value, version };
  }

  async delete(key: string, expectedVersion: number | undefined): Promise<boolean> {
    const reply = await runScript(this.connections.command, 'state_delete', this.stateKeys, [NO_CHANNEL, key, expectedVersion ?? '']);
    return reply === 1;
  }

  /** A prefix ends in "/" (or is empty): its keys are the lex range [prefix, prefix less "/" + "0"),
   *  as "0" follows "/" in byte order. */
  async list(prefix: string): Promise<StateEntry[]> {
    const [from, to] = prefix === '' ? ['-', '+'] : [`[${prefix}`, `(${prefix.slice(0, -1)}0`];
    const flat = (await runScript(this.connections.command, 'state_list', this.stateKeys, [NO_CHANNEL, from, to])) as string[];
    const entries: StateEntry[] = [];
    for (let i = 0; i < flat.length; i += 2) entries.push(decode(flat[i], flat[i + 1]));
    return entries;
  }
}

function decode(key: string, stored: string): StateEntry {
  const colon = stored.indexOf(':');
  return { key, value: stored.slice(colon + 1), version: Number(stored.slice(0, colon)) };
}
