// waitForFinish: scripts that finish tasks PUBLISH their ids (a JSON array, one message per
// script) on one channel per prefix; a single
// subscriber connection (opened on first use) wakes the waiters of that id, who then read the
// record. A slow re-read every second covers notifications missed while reconnecting. Without a
// subscriber (maxConnections < 3) waiters poll, backing off from 25 to 250 ms.
import { isFinished, type TaskRecord } from '../../core/types.js';
import type { RedisConnections } from './connections.js';

const RECHECK_MS = 1000;

export class FinishWatcher {
  private readonly waiters = new Map<string, Set<() => void>>();
  private subscribed: Promise<boolean> | undefined;

  constructor(
    private readonly connections: RedisConnections,
    private readonly channel: string,
  ) {}

  async waitFor(id: string, timeoutMs: number, read: () => Promise<TaskRecord | null>): Promise<TaskRecord | null> {
    const deadline = Date.now() + timeoutMs;
    // Subscribe before the first read, so a finish in between is not missed.
    const live = timeoutMs > 0 && (await this.subscribe());
    let signalled = false;
    let wakeUp: (() => void) | undefined;
    const listener = () => {
      signalled = true;
      wakeUp?.();
    };
    if (live) this.add(id, listener);
    try {
      let poll = 25;
      for (;;) {
        signalled = false;
        const record = await read();
        if (!record) return null;
        if (isFinished(record.state)) return record;
        const remaining = deadline - Date.now();
        if (remaining <= 0) return null;
        if (signalled) continue;
        const pause = Math.min(remaining, live ? RECHECK_MS : poll);
        poll = Math.min(poll * 2, 250);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pause);
          wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wakeUp = undefined;
      }
    } finally {
      if (live) this.remove(id, listener);
    }
  }

  /** Forgets the subscription (the connection is closed with the others). */
  reset(): void {
    this.subscribed = undefined;
  }

  private subscribe(): Promise<boolean> {
    if (!this.subscribed) {
      const opening = this.connections.subscriber(() => this.reset());
      if (!opening) return Promise.resolve(false);
      this.subscribed = opening
        .then(async (conn) => {
          conn.on('message', (channel: string, message: string) => {
            if (channel !== this.channel || this.waiters.size === 0) return;
            for (const id of parseIds(message)) for (const wake of this.waiters.get(id) ?? []) wake();
          });
          await conn.subscribe(this.channel);
          return true;
        })
        .catch(() => {
          this.subscribed = undefined; // polling this time; the next wait tries again
          return false;
        });
    }
    return this.subscribed;
  }

  private add(id: string, listener: () => void): void {
    let set = this.waiters.get(id);
    if (!set) this.waiters.set(id, (set = new Set()));
    set.add(listener);
  }

  private remove(id: string, listener: () => void): void {
    const set = this.waiters.get(id);
    set?.delete(listener);
    if (set?.size === 0) this.waiters.delete(id);
  }
}

function parseIds(message: string): string[] {
  try {
    const ids: unknown = JSON.parse(message);
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}
