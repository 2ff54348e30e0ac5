// Producing: a batch of tasks goes in with one write transaction; idempotency keys are enforced by
// a unique index, so two processes enqueueing the same key at once still store it once.
import type { Database, Statement } from 'better-sqlite3';
import { writeTransaction } from './connection.js';
import type { EnqueueOutcome, NewTask } from '../../core/types.js';
import { toInsertParams, type InsertParams } from './rows.js';

export interface EnqueueResult {
  outcomes: EnqueueOutcome[];
  /** Queues that got tasks (ready now or delayed): their waiting claimers should look again. */
  queues: Set<string>;
}

export class Producer {
  private readonly reserveSeq: Statement<[number], { next: number }>;
  private readonly insert: Statement<[InsertParams]>;
  private readonly byKey: Statement<[string], { id: string }>;
  private readonly cancelTx: (taskId: string, now: number) => boolean;
  private readonly enqueueTx: (tasks: readonly NewTask[], now: number) => EnqueueResult;

  constructor(db: Database) {
    // Enqueue order comes from a counter, not rowid: VACUUM may renumber rowids.
    this.reserveSeq = db.prepare(`UPDATE sitq_meta SET value = value + ? WHERE key = 'next_seq' RETURNING value AS next`);
    this.insert = db.prepare(`
      INSERT INTO sitq_tasks (id, seq, queue, name, payload, serializer, priority, run_at, enqueued_at,
                              max_attempts, backoff, timeout_ms, idempotency_key, state)
      VALUES (:id, :seq, :queue, :name, :payload, :serializer, :priority, :run_at, :enqueued_at,
              :max_attempts, :backoff, :timeout_ms, :idempotency_key, :state)
      ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING`);
    this.byKey = db.prepare(`SELECT id FROM sitq_tasks WHERE idempotency_key = ?`);
    const cancel = db.prepare<[number, string]>(`
      UPDATE sitq_tasks SET state = 'cancelled', finished_at = ? WHERE id = ? AND state IN ('pending', 'delayed')`);
    this.cancelTx = writeTransaction(db, (taskId: string, now: number) => cancel.run(now, taskId).changes === 1);
    this.enqueueTx = writeTransaction(db, (tasks: readonly NewTask[], now: number) => this.enqueueNow(tasks, now));
  }

  enqueue(tasks: readonly NewTask[], now: number): EnqueueResult {
    if (tasks.length === 0) return { outcomes: [], queues: new Set() };
    return this.enqueueTx(tasks, now);
  }

  /** pending/delayed → cancelled; false if unknown or no longer waiting. */
  cancel(taskId: string, now: number): boolean {
    return this.cancelTx(taskId, now);
  }

  private enqueueNow(tasks: readonly NewTask[], now: number): EnqueueResult {
    // The counter holds the next free number; this batch takes the `tasks.length` numbers from it.
    const next = this.reserveSeq.get(tasks.length)?.next ?? tasks.length + 1;
    let seq = next - tasks.length;
    const outcomes: EnqueueOutcome[] = [];
    const queues = new Set<string>();
    for (const task of tasks) {
      const params = toInsertParams(task, seq++, now);
      if (this.insert.run(params).changes === 1) {
        outcomes.push({ id: task.id, created: true });
        queues.add(task.queue);
        continue;
      }
      // Only an idempotency key can make the insert a no-op (a duplicate id fails loudly instead).
      const existing = this.byKey.get(task.idempotencyKey ?? '');
      outcomes.push({ id: existing?.id ?? task.id, created: false });
    }
    return { outcomes, queues };
  }
}
