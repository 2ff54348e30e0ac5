// waitForFinish: one poller per backend checks all waiting task ids in one query per tick, so
// completions need no NOTIFY on the hot path and a thousand waiters cost one query, not a
// thousand. A waiter is checked soon after it starts and then less often.
import { FINISHED_STATES, type TaskRecord } from '../../core/types.js';
import type { Context } from './claim.js';
import { toRecord } from './rows.js';
import { AT, RECORD_COLUMNS } from './sql.js';

const FIRST_CHECK_MS = 10;
const MAX_CHECK_MS = 250;

interface Waiter {
  taskId: string;
  deadline: number;
  dueAt: number;
  interval: number;
  resolve(record: TaskRecord | null): void;
}

export class FinishPoller {
  private readonly waiters = new Set<Waiter>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly ctx: Context,
    private readonly getTask: (taskId: string) => Promise<TaskRecord | null>,
  ) {}

  async wait(taskId: string, timeoutMs: number): Promise<TaskRecord | null> {
    const record = await this.getTask(taskId);
    if (record === null || FINISHED_STATES.includes(record.state)) return record;
    if (timeoutMs <= 0) return null;
    return new Promise((resolve) => {
      const now = Date.now();
      this.waiters.add({ taskId, deadline: now + timeoutMs, dueAt: now + FIRST_CHECK_MS, interval: FIRST_CHECK_MS, resolve });
      this.schedule();
    });
  }

  /** Answers every waiter with null (the backend is closing). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const waiter of this.waiters) waiter.resolve(null);
    this.waiters.clear();
  }

  private schedule(): void {
    if (this.polling || this.waiters.size === 0) return;
    let next = Infinity;
    for (const waiter of this.waiters) next = Math.min(next, waiter.dueAt, waiter.deadline);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), Math.max(0, next - Date.now()));
  }

  private async poll(): Promise<void> {
    this.timer = undefined;
    this.polling = true;
    try {
      const now = Date.now();
      for (const waiter of this.waiters) {
        if (waiter.deadline <= now) this.settle(waiter, null);
      }
      const due = [...this.waiters].filter((waiter) => waiter.dueAt <= now);
      if (due.length === 0) return;
      const finished = await this.finishedAmong([...new Set(due.map((waiter) => waiter.taskId))]).catch(
        () => new Map<string, TaskRecord>(),
      );
      const after = Date.now();
      for (const waiter of due) {
        const record = finished.get(waiter.taskId);
        if (record) this.settle(waiter, record);
        else {
          waiter.interval = Math.min(MAX_CHECK_MS, waiter.interval * 2);
          waiter.dueAt = after + waiter.interval;
        }
      }
    } finally {
      this.polling = false;
      this.schedule();
    }
  }

  private settle(waiter: Waiter, record: TaskRecord | null): void {
    this.waiters.delete(waiter);
    waiter.resolve(record);
  }

  private async finishedAmong(taskIds: string[]): Promise<Map<string, TaskRecord>> {
    const rows = await this.ctx.pool.queryArrays({
      name: 'sitq_finished_among',
      text: `SELECT ${RECORD_COLUMNS} FROM ${this.ctx.tables.tasks} t
        WHERE t.id = ANY($1::text[]) AND t.state IN ('succeeded', 'dead', 'cancelled')`,
      values: [taskIds],
    });
    return new Map(rows.map((row) => [row[AT.id] as string, toRecord(row)]));
  }
}
