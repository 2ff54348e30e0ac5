// Loads the Lua scripts (one file per atomic step, read from next to this module: the build
// copies them into dist/) and runs them through ioredis's defineCommand, which sends EVALSHA and
// falls back to EVAL when the server has not seen a script yet (after a restart, say).
import { readFileSync } from 'node:fs';
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './connections.js';

export const SCRIPT_NAMES = [
  'enqueue',
  'claim',
  'complete',
  'renew',
  'report',
  'release',
  'cancel',
  'requeue',
  'purge',
  'prune',
  'promote',
  'counts',
  'heartbeat',
  'state_set',
  'state_delete',
  'state_list',
] as const;

export type ScriptName = (typeof SCRIPT_NAMES)[number];
// Bytes must be Buffers: ioredis would send a plain Uint8Array as text.
export type ScriptArg = string | number | Buffer;

let sources: Map<ScriptName, string> | undefined;

function readScript(path: string): string {
  return readFileSync(new URL(path, import.meta.url), 'utf8');
}

/** Each script is the shared helpers followed by the script's own file. */
function scriptSources(): Map<ScriptName, string> {
  if (!sources) {
    const common = readScript('./scripts/includes/common.lua');
    sources = new Map(SCRIPT_NAMES.map((name) => [name, `${common}\n${readScript(`./scripts/${name}.lua`)}`]));
  }
  return sources;
}

const commandName = (name: ScriptName) => `sitq_${name}`;

/** Each script's method names on a connection (text and Buffer replies), made once instead of
 *  per call. */
const METHOD_NAMES = new Map<ScriptName, readonly [string, string]>(
  SCRIPT_NAMES.map((name) => [name, [commandName(name), `${commandName(name)}Buffer`]]),
);

/** Makes every script callable on this connection (and on its pipelines). */
export function defineScripts(redis: RedisClient): void {
  for (const [name, lua] of scriptSources()) redis.defineCommand(commandName(name), { lua });
}

type ScriptFn = (this: RedisClient | ChainableCommander, numKeys: number, ...args: ScriptArg[]) => unknown;

function callScript(
  target: RedisClient | ChainableCommander,
  name: ScriptName,
  keys: readonly string[],
  args: readonly ScriptArg[],
  binary: boolean,
): unknown {
  const fn = (target as unknown as Record<string, ScriptFn | undefined>)[METHOD_NAMES.get(name)![binary ? 1 : 0]];
  if (!fn) throw new Error(`Lua script ${name} is not defined on this connection`);
  return fn.call(target, keys.length, ...keys, ...args);
}

/** Runs a script now. `binary` returns bulk strings as Buffers (for task records). */
export function runScript(
  redis: RedisClient,
  name: ScriptName,
  keys: readonly string[],
  args: readonly ScriptArg[],
  binary = false,
): Promise<unknown> {
  return callScript(redis, name, keys, args, binary) as Promise<unknown>;
}

/** Adds a script call to a pipeline (its reply comes back from `exec`). */
export function queueScript(
  pipeline: ChainableCommander,
  name: ScriptName,
  keys: readonly string[],
  args: readonly ScriptArg[],
  binary = false,
): void {
  callScript(pipeline, name, keys, args, binary);
}
