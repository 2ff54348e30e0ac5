// Producing: a batch of tasks goes in with one write transaction; idempotency keys are enforced by
// a unique index, so two processes enqueueing the same key at once still store it once.
import type { EventLog } from './events.js';
import type { WireEvent } from '../../core/events.js';
import type { Database, Statement } from './driver.js';
import type { CancelledFrom } from '../../core/backend.js';
import type { EnqueueOutcome, NewTask, TaskState } from '../../core/types.js';
import { writeTransaction } from './connection.js';
import type { Counts } from './counts.js';
import { INSERT_COLUMNS, INSERT_VALUES, insertValues, type InsertTuple } from './rows.js';

export interface EnqueueResult {
  outcomes: EnqueueOutcome[];
  /** Queues that got tasks (ready now or delayed): their waiting claimers should look again. */
  queues: Set<string>;
  /** The earliest runAt among the delayed tasks stored; Infinity if none. */
  dueAt: number;
}

export class Producer {
  private readonly insert: Statement<InsertTuple>;
  private readonly byKey: Statement<[queue: string, key: string], { id: string }>;
  private readonly waitingState: Statement<[id: string], { queue: string; state: TaskState }>;
  private readonly cancelStmt: Statement<[finishedAt: number, id: string, state: TaskState]>;
  private readonly cancelTx: (taskId: string, now: number) => CancelledFrom | null;
  private readonly enqueueTx: (tasks: readonly NewTask[], now: number) => EnqueueResult;

  constructor(
    db: Database,
    private readonly counts: Counts,
    private readonly events: EventLog,
  ) {
    // The enqueue order (seq) is computed by the INSERT itself (rows.ts).
    this.insert = db.prepare(`
      INSERT INTO sitq_tasks (${INSERT_COLUMNS}) VALUES (${INSERT_VALUES})
      ON CONFLICT (queue, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING`);
    this.byKey = db.prepare(`SELECT id FROM sitq_tasks WHERE queue = ? AND idempotency_key = ?`);
    this.waitingState = db.prepare(`SELECT queue, state FROM sitq_tasks WHERE id = ? AND state IN ('pending', 'delayed', 'running')`);
    // A running task's lease goes: its holder's reports no longer match (fenced).
    this.cancelStmt = db.prepare(
      `UPDATE sitq_tasks SET state = 'cancelled', finished_at = ?, lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND state = ?`,
    );
    // Read, then update with the state re-checked: safe here, as the write lock is held throughout.
    this.cancelTx = writeTransaction(db, (taskId: string, now: number) => {
      const row = this.waitingState.get(taskId);
      if (!row || this.cancelStmt.run(now, taskId, row.state).changes !== 1) return null;
      const counts = this.counts.batch();
      counts.moved(row.queue, row.state, 'cancelled');
      counts.write();
      if (this.events.wanted(now)) this.events.append([['c', taskId, row.queue, now, null, null]]);
      return row.state as CancelledFrom;
    });
    this.enqueueTx = writeTransaction(db, (tasks: readonly NewTask[], now: number) => this.enqueueNow(tasks, now));
  }

  enqueue(tasks: readonly NewTask[], now: number): EnqueueResult {
    if (tasks.length === 0) return { outcomes: [], queues: new Set(), dueAt: Infinity };
    return this.enqueueTx(tasks, now);
  }

  /** pending/delayed/running → cancelled; null if unknown or finished. */
  cancel(taskId: string, now: number): CancelledFrom | null {
    return this.cancelTx(taskId, now);
  }

  private enqueueNow(tasks: readonly NewTask[], now: number): EnqueueResult {
    const outcomes: EnqueueOutcome[] = [];
    const queues = new Set<string>();
    const counts = this.counts.batch();
    let dueAt = Infinity;
    for (const task of tasks) {
      const state: TaskState = task.runAt > now ? 'delayed' : 'pending';
      if (this.insert.run(...insertValues(task, state)).changes === 1) {
        outcomes.push({ id: task.id, created: true });
        queues.add(task.queue);
        counts.add(task.queue, state, 1);
        if (state === 'delayed' && task.runAt < dueAt) dueAt = task.runAt;
        continue;
      }
      // Only an idempotency key can make the insert a no-op (a duplicate id fails loudly instead).
      const existing = this.byKey.get(task.queue, task.idempotencyKey ?? '');
      outcomes.push({ id: existing?.id ?? task.id, created: false });
    }
    counts.write();
    if (this.events.wanted(now)) {
      const created = tasks.filter((t, i) => outcomes[i].created);
      this.events.append(created.map((t): WireEvent => ['e', t.id, t.queue, now, null, null]));
    }
    return { outcomes, queues, dueAt };
  }
}
