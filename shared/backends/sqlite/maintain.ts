// Maintenance and the worker registry: requeue, purge, heartbeats.
import type { EventLog } from './events.js';
import type { Database, Statement } from './driver.js';
import type { PruneOptions } from '../../core/backend.js';
import type { TaskState, WorkerInfo } from '../../core/types.js';
import { writeTransaction } from './connection.js';
import type { Counts } from './counts.js';

const FINISHED = `state IN ('succeeded', 'dead', 'cancelled') AND finished_at <= ?`;

/** sitq_tasks_finished's condition, word for word as in migration 008 (so SQLite may use the index).
 *  ORs, not an IN list: see that migration. */
const FINISHED_CONDITION = `state = 'succeeded' OR state = 'dead' OR state = 'cancelled'`;

export class Maintainer {
  private readonly requeueTx: (taskId: string, now: number) => string | undefined;
  private readonly purgeTx: (cutoff: number, queue: string | undefined) => number;
  private readonly pruneTx: (options: PruneOptions) => number;
  private readonly upsertWorker: Statement<[id: string, info: string, expiresAt: number]>;
  private readonly pruneWorkers: Statement<[now: number]>;
  private readonly liveWorkers: Statement<[now: number], { info: string }>;
  private readonly removeTx: (workerId: string) => void;
  private readonly heartbeatTx: (info: WorkerInfo, ttlMs: number, now: number) => void;

  constructor(
    db: Database,
    private readonly counts: Counts,
    private readonly events: EventLog,
  ) {
    const finishedState = db.prepare<[id: string], { queue: string; state: TaskState }>(
      `SELECT queue, state FROM sitq_tasks WHERE id = ? AND state IN ('dead', 'cancelled')`,
    );
    // The error stays until the next attempt reports; the token is never reset (fencing).
    const requeue = db.prepare<[now: number, id: string, state: TaskState]>(`
      UPDATE sitq_tasks SET state = 'pending', attempts = 0, run_at = ?, started_at = NULL,
        finished_at = NULL, result = NULL, lease_owner = NULL, lease_expires_at = NULL
      WHERE id = ? AND state = ?`);
    // Read, then update with the state re-checked: safe here, as the write lock is held throughout.
    this.requeueTx = writeTransaction(db, (id: string, now: number) => {
      const row = finishedState.get(id);
      if (!row || requeue.run(now, id, row.state).changes !== 1) return undefined;
      const counts = this.counts.batch();
      counts.moved(row.queue, row.state, 'pending');
      counts.write();
      if (this.events.wanted(now)) this.events.append([['e', id, row.queue, now, null, null]]);
      return row.queue;
    });

    // Counted before deleting, in the same transaction, so the counts lose exactly what goes.
    const doomedAll = db.prepare<[cutoff: number], { queue: string; state: TaskState; n: number }>(
      `SELECT queue, state, count(*) AS n FROM sitq_tasks WHERE ${FINISHED} GROUP BY queue, state`,
    );
    const doomedQueue = db.prepare<[cutoff: number, queue: string], { queue: string; state: TaskState; n: number }>(
      `SELECT queue, state, count(*) AS n FROM sitq_tasks WHERE ${FINISHED} AND queue = ? GROUP BY queue, state`,
    );
    const purgeAll = db.prepare<[cutoff: number]>(`DELETE FROM sitq_tasks WHERE ${FINISHED}`);
    const purgeQueue = db.prepare<[cutoff: number, queue: string]>(`DELETE FROM sitq_tasks WHERE ${FINISHED} AND queue = ?`);
    this.purgeTx = writeTransaction(db, (cutoff: number, queue: string | undefined) => {
      const counts = this.counts.batch();
      const doomed = queue === undefined ? doomedAll.all(cutoff) : doomedQueue.all(cutoff, queue);
      for (const d of doomed) counts.add(d.queue, d.state, -d.n);
      const deleted = (queue === undefined ? purgeAll.run(cutoff) : purgeQueue.run(cutoff, queue)).changes;
      counts.write();
      return deleted;
    });

    // Retention: the oldest finished tasks of one queue and state, off sitq_tasks_finished; the
    // count comes from sitq_counts (exact at every commit), so nothing is counted by scanning.
    const finishedCount = db.prepare<[queue: string, state: string], { n: number }>(
      `SELECT n FROM sitq_counts WHERE queue = ? AND state = ?`,
    );
    const OLDEST = `SELECT id FROM sitq_tasks INDEXED BY sitq_tasks_finished WHERE queue = ? AND state = ? AND (${FINISHED_CONDITION})`;
    const pruneOldest = db.prepare<[queue: string, state: string, limit: number]>(
      `DELETE FROM sitq_tasks WHERE id IN (${OLDEST} ORDER BY finished_at, id LIMIT ?)`,
    );
    const pruneBefore = db.prepare<[queue: string, state: string, cutoff: number, limit: number]>(
      `DELETE FROM sitq_tasks WHERE id IN (${OLDEST} AND finished_at < ? ORDER BY finished_at, id LIMIT ?)`,
    );
    this.pruneTx = writeTransaction(db, ({ queue, state, finishedBefore, keepNewest, limit }: PruneOptions) => {
      let deleted = 0;
      if (keepNewest !== undefined) {
        const over = (finishedCount.get(queue, state)?.n ?? 0) - keepNewest;
        if (over > 0) deleted += pruneOldest.run(queue, state, Math.min(limit, over)).changes;
      }
      if (finishedBefore !== undefined && deleted < limit)
        deleted += pruneBefore.run(queue, state, finishedBefore, limit - deleted).changes;
      const counts = this.counts.batch();
      counts.add(queue, state, -deleted);
      counts.write();
      return deleted;
    });

    this.upsertWorker = db.prepare(`
      INSERT INTO sitq_workers (id, info, expires_at) VALUES (?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET info = excluded.info, expires_at = excluded.expires_at`);
    this.pruneWorkers = db.prepare(`DELETE FROM sitq_workers WHERE expires_at <= ?`);
    this.liveWorkers = db.prepare(`SELECT info FROM sitq_workers WHERE expires_at > ? ORDER BY id`);
    const deleteWorker = db.prepare<[id: string]>(`DELETE FROM sitq_workers WHERE id = ?`);
    this.removeTx = writeTransaction(db, (id: string) => void deleteWorker.run(id));
    this.heartbeatTx = writeTransaction(db, (info: WorkerInfo, ttlMs: number, now: number) => {
      this.upsertWorker.run(info.id, JSON.stringify(info), info.seenAt + ttlMs);
      this.pruneWorkers.run(now);
    });
  }

  /** dead/cancelled → pending now; answers the queue when it happened. */
  requeue(taskId: string, now: number): string | undefined {
    return this.requeueTx(taskId, now);
  }

  purge(olderThanMs: number, queue: string | undefined, now: number): number {
    return this.purgeTx(now - olderThanMs, queue);
  }

  prune(options: PruneOptions): number {
    return this.pruneTx(options);
  }

  heartbeat(info: WorkerInfo, ttlMs: number, now: number): void {
    this.heartbeatTx(info, ttlMs, now);
  }

  listWorkers(now: number): WorkerInfo[] {
    return this.liveWorkers.all(now).map((row) => JSON.parse(row.info) as WorkerInfo);
  }

  removeWorker(workerId: string): void {
    this.removeTx(workerId);
  }
}
