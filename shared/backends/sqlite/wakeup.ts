// In-process wake-ups. SQLite has no server to push notifications, so other processes' writes are
// found by polling; but a write made in this process (by any backend instance on the same file)
// wakes this process's waiting claims and waitForFinish calls at once.

type Wake = () => void;

/** Why a wait ended: a local write may have made work ready, the time ran out, or it was aborted. */
export type WakeReason = 'woken' | 'timeout' | 'aborted';

export class WakeupHub {
  /** Grows with every event row this process writes to the file (events.ts). */
  eventsVersion = 0;

  eventsWritten(): void {
    this.eventsVersion++;
  }

  /** Waiting claims: the queues each one takes from. */
  private readonly claimers = new Map<Wake, ReadonlySet<string>>();
  /** waitForFinish calls by task id. */
  private readonly finishers = new Map<string, Set<Wake>>();

  /** Work may have become ready in these queues (`null`: any queue). */
  readyIn(queues: Iterable<string> | null): void {
    if (this.claimers.size === 0) return;
    const list = queues === null ? null : [...queues];
    if (list !== null && list.length === 0) return;
    for (const [wake, wanted] of this.claimers) {
      if (list === null || list.some((q) => wanted.has(q))) wake();
    }
  }

  finished(taskIds: Iterable<string>): void {
    if (this.finishers.size === 0) return;
    for (const id of taskIds) for (const wake of this.finishers.get(id) ?? []) wake();
  }

  /** Resolves after `ms`, or earlier on a wake-up for one of `queues` or when a signal aborts. */
  waitForReady(queues: ReadonlySet<string>, ms: number, signals: readonly AbortSignal[]): Promise<WakeReason> {
    return this.sleep(ms, signals, (wake) => {
      this.claimers.set(wake, queues);
      return () => this.claimers.delete(wake);
    });
  }

  /** Resolves after `ms`, or earlier when the task may have finished or a signal aborts. */
  waitForFinish(taskId: string, ms: number, signals: readonly AbortSignal[]): Promise<WakeReason> {
    return this.sleep(ms, signals, (wake) => {
      let set = this.finishers.get(taskId);
      if (!set) this.finishers.set(taskId, (set = new Set()));
      set.add(wake);
      return () => {
        set.delete(wake);
        if (set.size === 0) this.finishers.delete(taskId);
      };
    });
  }

  // Takes several signals rather than AbortSignal.any(), which would tie a new signal to the
  // backend's long-lived close signal on every call.
  private sleep(ms: number, signals: readonly AbortSignal[], register: (wake: Wake) => () => void): Promise<WakeReason> {
    if (signals.some((s) => s.aborted)) return Promise.resolve('aborted');
    return new Promise<WakeReason>((resolve) => {
      const end = (reason: WakeReason) => {
        clearTimeout(timer);
        unregister();
        for (const s of signals) s.removeEventListener('abort', onAbort);
        resolve(reason);
      };
      const onAbort = () => end('aborted');
      const timer = setTimeout(() => end('timeout'), Math.max(0, ms));
      const unregister = register(() => end('woken'));
      for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** One hub per database file in this process, shared by every backend instance on that file. */
const hubs = new Map<string, { hub: WakeupHub; users: number }>();

export function acquireHub(key: string): WakeupHub {
  let entry = hubs.get(key);
  if (!entry) hubs.set(key, (entry = { hub: new WakeupHub(), users: 0 }));
  entry.users++;
  return entry.hub;
}

export function releaseHub(key: string): void {
  const entry = hubs.get(key);
  if (entry && --entry.users === 0) hubs.delete(key);
}
