// One-at-a-time work across every worker of every process (retention; others may follow): a lock
// in the coordination state, `locks/<name>` = { owner, expiresAt }, taken and renewed by
// compare-and-set. A holder that dies leaves it to expire; expiresAt is the holder's clock, so
// clocks skewed by more than the TTL could let two hold it at once (the work done under it must
// stay safe if that happens: retention's deletes are).
import type { Backend } from './backend.js';

export interface LockRecord {
  owner: string;
  /** Epoch ms after which another may take it. */
  expiresAt: number;
}

export function lockKey(name: string): string {
  return `locks/${name}`;
}

function parseLock(value: string): LockRecord | null {
  try {
    const v = JSON.parse(value) as Partial<LockRecord>;
    return typeof v.owner === 'string' && typeof v.expiresAt === 'number' ? { owner: v.owner, expiresAt: v.expiresAt } : null;
  } catch {
    return null;
  }
}

export class StateLock {
  private readonly key: string;

  constructor(
    private readonly backend: Backend,
    name: string,
    private readonly owner: string,
    private readonly ttlMs: number,
  ) {
    this.key = lockKey(name);
  }

  /** Takes the lock, or renews it when this owner holds it; false when another holds it unexpired
   *  (or won the race for it). A malformed record counts as expired. */
  async acquire(now = Date.now()): Promise<boolean> {
    const entry = await this.backend.getState(this.key);
    const held = entry ? parseLock(entry.value) : null;
    if (held && held.owner !== this.owner && held.expiresAt > now) return false;
    const value = JSON.stringify({ owner: this.owner, expiresAt: now + this.ttlMs } satisfies LockRecord);
    return (await this.backend.setState(this.key, value, entry?.version ?? 0)) !== null;
  }

  /** Gives the lock up if this owner holds it. */
  async release(): Promise<void> {
    const entry = await this.backend.getState(this.key);
    if (entry && parseLock(entry.value)?.owner === this.owner) await this.backend.deleteState(this.key, entry.version);
  }

  /** Who holds it now (expired or not), for the tools and tests. */
  async holder(): Promise<LockRecord | null> {
    const entry = await this.backend.getState(this.key);
    return entry ? parseLock(entry.value) : null;
  }
}
