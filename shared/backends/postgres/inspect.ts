// Reading: single tasks, listings and per-queue counts. Counts and listing totals sum the count rows
// that the tasks table's triggers write (migration 007), and a page is read from the nearer end of
// its listing, so neither walks every task.
import { checkListQuery } from '../../core/rules.js';
import {
  emptyCounts,
  isFinished,
  type ListTasksQuery,
  type QueueCounts,
  type StateCounts,
  type TaskPage,
  type TaskRecord,
  type TaskState,
} from '../../core/types.js';
import { newestFirst, pageWindow, type PageWindow } from '../../core/paging.js';
import type { Row, Statement } from './pool.js';
import type { Context } from './claim.js';
import { toRecord } from './rows.js';
import { LISTING_COLUMNS, NOW, RECORD_COLUMNS, stateCondition } from './sql.js';
import { searchNeedle } from '../../core/task-search.js';

/** A query on the pool or on one transaction's connection. */
type Read = <R extends Row>(statement: Statement) => Promise<{ rows: R[] }>;

export async function getTask(ctx: Context, taskId: string): Promise<TaskRecord | null> {
  const rows = await ctx.pool.queryArrays({
    name: 'sitq_get_task',
    text: `SELECT ${RECORD_COLUMNS} FROM ${ctx.tables.tasks} t WHERE t.id = $1`,
    values: [taskId],
  });
  return rows.length > 0 ? toRecord(rows[0]) : null;
}

export async function listQueues(ctx: Context): Promise<string[]> {
  return [...(await storedCounts(ctx)).keys()].sort(byteOrder);
}

/**
 * Per queue with any task, its counts: the sums of the count rows (migration 007), with delayed
 * tasks due by now read as pending (as RECORD_COLUMNS reads them). O(count rows), a few per queue
 * and state, not O(tasks).
 */
async function storedCounts(ctx: Context, queue?: string, read: Read = (s) => ctx.pool.query(s)): Promise<Map<string, StateCounts>> {
  const { rows } = await read<{ queue: string; state: TaskState; n: number; due: number }>({
    text: `SELECT queue, state, sum(n)::bigint AS n, coalesce(sum(n) FILTER (WHERE state = 'delayed' AND run_at <= ${NOW}), 0)::bigint AS due
      FROM ${ctx.tables.counts} ${queue !== undefined ? 'WHERE queue = $1' : ''} GROUP BY queue, state`,
    values: queue !== undefined ? [queue] : [],
  });
  const byQueue = new Map<string, StateCounts>();
  for (const row of rows) {
    if (row.n === 0) continue;
    let counts = byQueue.get(row.queue);
    if (!counts) byQueue.set(row.queue, (counts = emptyCounts()));
    counts[row.state] += row.n - row.due;
    counts.pending += row.due;
  }
  for (const [name, counts] of byQueue) if (Object.values(counts).every((n) => n === 0)) byQueue.delete(name);
  return byQueue;
}

export async function counts(ctx: Context): Promise<QueueCounts[]> {
  const byQueue = await storedCounts(ctx);
  return Promise.all(
    [...byQueue.keys()].sort(byteOrder).map(async (queue) => {
      const counts = byQueue.get(queue) ?? emptyCounts();
      return { queue, counts, oldestPendingAgeMs: counts.pending > 0 ? await oldestPendingAge(ctx, queue) : 0 };
    }),
  );
}

/** The age of a queue's oldest task that reads as pending: per priority level (0-9) the first
 *  not running and due entry of tasks_unfinished in run_at order, as nextDueIn (claim.ts) reads it. */
async function oldestPendingAge(ctx: Context, queue: string): Promise<number> {
  const { rows } = await ctx.pool.query<{ age: number | null }>({
    name: 'sitq_oldest_pending',
    text: `SELECT ${NOW} - min(d.run_at) AS age FROM generate_series(0, 9) AS p(priority),
        LATERAL (SELECT t.run_at FROM ${ctx.tables.tasks} t
          WHERE t.queue = $1 AND t.priority = p.priority AND t.finished_at IS NULL AND t.state <> 'running' AND t.run_at <= ${NOW}
          ORDER BY t.run_at LIMIT 1) d`,
    values: [queue],
  });
  return Math.max(0, rows[0]?.age ?? 0);
}

export async function listTasks(ctx: Context, query: ListTasksQuery): Promise<TaskPage> {
  const { limit, offset } = checkListQuery(query);
  const values: unknown[] = [];
  const where: string[] = [];
  if (query.queue !== undefined) {
    values.push(query.queue);
    where.push(`t.queue = $${values.length}`);
  }
  if (query.state !== undefined) {
    if (query.state !== 'pending' && query.state !== 'delayed') values.push(query.state);
    where.push(stateCondition(query.state, `$${values.length}`));
    // Implied by the state; written out so that the planner walks tasks_unfinished_id or
    // tasks_finished_id (migration 007), which hold only the queue's tasks of that side.
    where.push(isFinished(query.state) ? 't.finished_at IS NOT NULL' : 't.finished_at IS NULL');
  }
  const needle = searchNeedle(query.search);
  if (needle !== undefined) {
    // A search reads every task of the filter (no index helps a substring), for the page and the count.
    values.push(needle);
    where.push(searchCondition(`$${values.length}`));
    const filter = `WHERE ${where.join(' AND ')}`;
    const [page, total] = await Promise.all([
      ctx.pool.queryArrays({
        text: `SELECT ${LISTING_COLUMNS} FROM ${ctx.tables.tasks} t ${filter} ${order(false)} LIMIT ${limit} OFFSET ${offset}`,
        values,
      }),
      ctx.pool.query<{ n: number }>({ text: `SELECT count(*) AS n FROM ${ctx.tables.tasks} t ${filter}`, values }),
    ]);
    return { tasks: page.map(toRecord), total: total.rows[0]?.n ?? 0 };
  }
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  // The total from the counts, then the page from the nearer end (core/paging.ts), in one
  // read-only snapshot so that the page is placed by the total it is shown with. The planner is
  // held to walking an index in id order: with statistics taken while the table was small (a
  // bulk load that autovacuum has not analysed yet) it would otherwise choose a bitmap scan of
  // every matching task and sort them all for one page (2.6 s for 1,000,000 pending tasks). The
  // penalties those settings add to the plans' costs would start JIT compilation (150-250 ms a
  // query), so JIT is off for it too.
  return ctx.pool.transaction(async (client) => {
    await client.query(
      'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off; SET LOCAL jit = off',
    );
    const read: Read = (statement) => client.query(statement);
    let total = 0;
    for (const counts of (await storedCounts(ctx, query.queue, read)).values()) {
      total += query.state !== undefined ? counts[query.state] : Object.values(counts).reduce((a, b) => a + b, 0);
    }
    const window = pageWindow(total, offset, limit);
    if (window.limit === 0) return { tasks: [], total };
    const { rows } = await client.query<unknown[]>({ text: pageSql(ctx, filter, window), values, rowMode: 'array' });
    return { tasks: newestFirst(window, rows).map(toRecord), total };
  });
}

/** One page of a listing in id order, from the end `window` says: off tasks_unfinished_id or
 *  tasks_finished_id for a queue and state, else off the primary key, skipping the tasks of other
 *  queues (a merge of the two partial indexes for all of a queue's tasks was planned as a sort of
 *  both by PostgreSQL 15, so it is not used). */
function pageSql(ctx: Context, filter: string, window: PageWindow): string {
  return `SELECT ${LISTING_COLUMNS} FROM ${ctx.tables.tasks} t ${filter} ${order(window.oldestFirst)} LIMIT ${window.limit} OFFSET ${window.offset}`;
}

function order(oldestFirst: boolean): string {
  return `ORDER BY t.id ${oldestFirst ? 'ASC' : 'DESC'}`;
}

/** COLLATE "C" order, as the queue column sorts. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** task-search.ts's rule in SQL: id, name, the error's name or message, or a JSON payload's text
 *  contains the (already folded) search. translate() folds A–Z only, as foldCase does (lower()
 *  would also fold other letters, and then the backends would disagree). */
function searchCondition(param: string): string {
  const fold = (sql: string) => `translate(${sql}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')`;
  const has = (sql: string) => `strpos(${fold(sql)}, ${param}) > 0`;
  return `(${has('t.id')} OR ${has('t.name')} OR ${has(`coalesce(t.error->>'name', '')`)} OR ${has(`coalesce(t.error->>'message', '')`)}
    OR (CASE WHEN t.serializer = 'json' THEN ${has(`convert_from(t.payload, 'UTF8')`)} ELSE false END))`;
}
