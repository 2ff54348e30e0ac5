// The per-queue, per-state task counts in sitq_counts. Every statement that moves tasks between
// states adds its moves here, and they are written at the end of the same write transaction, so
// the counts are exact at every commit, for every process. (Triggers would do the same with no
// bookkeeping in code, but they fire once per row and cost about a fifth of a claim-and-complete.)
//
// Pending and running tasks share one stored bucket, `active`: claims, give-backs and reclaims of
// expired leases then write no count at all (a page less in every claim's commit). Readers split the
// bucket with a live count of running tasks, which the leases index bounds by workers' concurrency.
import type { Database, Statement } from './driver.js';
import type { TaskState } from '../../core/types.js';

export type StoredState = Exclude<TaskState, 'pending' | 'running'> | 'active';

export function storedState(state: TaskState): StoredState {
  return state === 'pending' || state === 'running' ? 'active' : state;
}

export class Counts {
  private readonly upsert: Statement<[queue: string, state: StoredState, delta: number]>;

  constructor(db: Database) {
    this.upsert = db.prepare(`
      INSERT INTO sitq_counts (queue, state, n) VALUES (?, ?, ?)
      ON CONFLICT (queue, state) DO UPDATE SET n = n + excluded.n`);
  }

  /** Collects the moves of one write transaction; call `write()` before it commits. */
  batch(): CountBatch {
    return new CountBatch(this.upsert);
  }
}

export class CountBatch {
  /** Deltas by queue, then stored state: no key string is built per move (a completion moves
   *  every task of its batch, and two concatenated keys per task were most of this class's cost). */
  private readonly deltas = new Map<string, Partial<Record<StoredState, number>>>();

  constructor(private readonly upsert: Statement<[queue: string, state: StoredState, delta: number]>) {}

  add(queue: string, state: TaskState, delta: number): void {
    if (delta === 0) return;
    const stored = storedState(state);
    let byState = this.deltas.get(queue);
    if (!byState) this.deltas.set(queue, (byState = {}));
    byState[stored] = (byState[stored] ?? 0) + delta;
  }

  moved(queue: string, from: TaskState, to: TaskState, n = 1): void {
    if (storedState(from) === storedState(to)) return;
    this.add(queue, from, -n);
    this.add(queue, to, n);
  }

  write(): void {
    for (const [queue, byState] of this.deltas) {
      for (const state in byState) {
        const delta = byState[state as StoredState]!;
        if (delta !== 0) this.upsert.run(queue, state as StoredState, delta);
      }
    }
    this.deltas.clear();
  }
}

/**
 * Which queue each task claimed through this connection is in, so that reporting a batch of
 * outcomes needs no look-up to count them. A task never changes queue, so an entry cannot go stale;
 * a task missing here (claimed elsewhere, or dropped by the size cap) is looked up in the table.
 */
export class ClaimedQueues {
  private readonly queues = new Map<string, string>();

  constructor(private readonly cap = 100_000) {}

  remember(taskId: string, queue: string): void {
    // Entries normally leave when the task is reported; the cap bounds those that never are.
    if (this.queues.size >= this.cap) this.queues.clear();
    this.queues.set(taskId, queue);
  }

  /** The task's queue if known; forgets it (the task is being reported). */
  take(taskId: string): string | undefined {
    const queue = this.queues.get(taskId);
    if (queue !== undefined) this.queues.delete(taskId);
    return queue;
  }
}
