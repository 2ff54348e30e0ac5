// How an idle claimer waits for work without spinning: BLPOP on the queues' wake lists (enqueue,
// retry, release and requeue leave a token there) on a blocking connection of its own, plus a
// private "nudge" list that an abort or the client-side timer pushes to, so the wait ends on time
// (Redis only checks blocking timeouts every server tick, ~100 ms) and at once on abort.
//
// On a cluster a BLPOP's keys must share a slot, and each queue has a slot of its own: a wait on
// several queues there is one BLPOP per queue, each on its own blocking connection, and the first
// to return ends the others. (When the pool has fewer free connections than queues, the queues
// left without one are seen at the next claim, within the wait's time.)
import type { RedisClient, RedisConnections } from './connections.js';
import type { RedisKeys } from './keys.js';

/** Without a blocking connection (maxConnections 1) a waiting claim re-checks this often. */
const POLL_MS = 50;
/** A nudge left behind (its wait ended some other way) expires instead of lingering. */
const NUDGE_TTL_MS = 60_000;

export class ClaimWaiter {
  constructor(
    private readonly connections: RedisConnections,
    private readonly keys: RedisKeys,
  ) {}

  /** Resolves after at most `waitMs`, earlier when a queue may have work or `signal` aborts. */
  async wait(queues: readonly string[], waitMs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted || waitMs <= 0) return;
    if (!this.connections.isCluster || queues.length === 1) return this.waitOn(queues, waitMs, signal);
    const first = new AbortController();
    const end = () => first.abort();
    signal?.addEventListener('abort', end, { once: true });
    try {
      await Promise.all(queues.map((q) => this.waitOn([q], waitMs, first.signal).finally(end)));
    } finally {
      signal?.removeEventListener('abort', end);
    }
  }

  /** One BLPOP over `queues` (which share a slot on a cluster). */
  private async waitOn(queues: readonly string[], waitMs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return;
    const conn = await this.connections.acquireBlocking(waitMs, signal);
    if (!conn) {
      if (this.connections.blockingCap === 0) await sleep(Math.min(waitMs, POLL_MS), signal);
      return;
    }
    let suspect = false;
    try {
      if (!signal?.aborted) suspect = !(await this.block(conn, queues, waitMs, signal));
    } catch {
      // A broken blocking connection re-opens by itself; the caller's next claim reports a real
      // outage. Pause briefly so a failing BLPOP cannot turn into a busy loop.
      if (!this.connections.isClosed) await sleep(Math.min(waitMs, 100), signal);
    } finally {
      this.connections.releaseBlocking(conn, suspect);
    }
  }

  /** False when the BLPOP came back empty: the nudge pushed at `waitMs` never reached it, so
   *  the connection (or the server) stalled and the client-side blocking timeout answered. */
  private async block(conn: RedisClient, queues: readonly string[], waitMs: number, signal?: AbortSignal): Promise<boolean> {
    const nudgeKey = this.keys.nudge(queues[0], this.connections.nudgeId(conn));
    const nudge = () => {
      if (this.connections.isClosed) return;
      this.connections.command
        .multi()
        .lpush(nudgeKey, '1')
        .pexpire(nudgeKey, NUDGE_TTL_MS)
        .exec()
        .catch(() => {}); // the server-side timeout below still ends the wait
    };
    const timer = setTimeout(nudge, waitMs);
    signal?.addEventListener('abort', nudge, { once: true });
    try {
      // The server timeout is only a backstop for a lost nudge.
      const seconds = (waitMs + 1000) / 1000;
      return (await conn.blpop(...queues.map((q) => this.keys.wake(q)), nudgeKey, seconds)) !== null;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', nudge);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
