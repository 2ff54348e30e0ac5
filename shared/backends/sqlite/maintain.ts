// Maintenance and the worker registry: requeue, purge, heartbeats.
import type { Database, Statement } from 'better-sqlite3';
import { writeTransaction } from './connection.js';
import type { WorkerInfo } from '../../core/types.js';

export class Maintainer {
  private readonly requeueTx: (taskId: string, now: number) => string | undefined;
  private readonly purgeTx: (cutoff: number, queue: string | undefined) => number;
  private readonly upsertWorker: Statement<[{ id: string; info: string; expires_at: number }]>;
  private readonly pruneWorkers: Statement<[number]>;
  private readonly liveWorkers: Statement<[number], { info: string }>;
  private readonly removeTx: (workerId: string) => void;
  private readonly heartbeatTx: (info: WorkerInfo, ttlMs: number, now: number) => void;

  constructor(db: Database) {
    // The error stays until the next attempt reports; the token is never reset (fencing).
    const requeue = db.prepare<[{ now: number; id: string }], { queue: string }>(`
      UPDATE sitq_tasks SET state = 'pending', attempts = 0, run_at = :now, started_at = NULL,
        finished_at = NULL, result = NULL, lease_owner = NULL, lease_expires_at = NULL
      WHERE id = :id AND state IN ('dead', 'cancelled')
      RETURNING queue`);
    const purge = (queueFilter: string) => `
      DELETE FROM sitq_tasks
      WHERE state IN ('succeeded', 'dead', 'cancelled') AND finished_at <= :cutoff ${queueFilter}`;
    const purgeAll = db.prepare<[{ cutoff: number }]>(purge(''));
    const purgeQueue = db.prepare<[{ cutoff: number; queue: string }]>(purge('AND queue = :queue'));
    this.upsertWorker = db.prepare(`
      INSERT INTO sitq_workers (id, info, expires_at) VALUES (:id, :info, :expires_at)
      ON CONFLICT (id) DO UPDATE SET info = excluded.info, expires_at = excluded.expires_at`);
    this.pruneWorkers = db.prepare(`DELETE FROM sitq_workers WHERE expires_at <= ?`);
    this.liveWorkers = db.prepare(`SELECT info FROM sitq_workers WHERE expires_at > ? ORDER BY id`);
    const deleteWorker = db.prepare<[string]>(`DELETE FROM sitq_workers WHERE id = ?`);
    this.requeueTx = writeTransaction(db, (id: string, now: number) => requeue.get({ now, id })?.queue);
    this.purgeTx = writeTransaction(db, (cutoff: number, queue: string | undefined) =>
      (queue === undefined ? purgeAll.run({ cutoff }) : purgeQueue.run({ cutoff, queue })).changes,
    );
    this.removeTx = writeTransaction(db, (id: string) => void deleteWorker.run(id));
    this.heartbeatTx = writeTransaction(db, (info: WorkerInfo, ttlMs: number, now: number) => {
      this.upsertWorker.run({ id: info.id, info: JSON.stringify(info), expires_at: info.seenAt + ttlMs });
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
