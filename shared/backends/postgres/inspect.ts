// Reading: single tasks, listings and per-queue counts.
import { checkListQuery } from '../../core/rules.js';
import { emptyCounts, type ListTasksQuery, type QueueCounts, type TaskPage, type TaskRecord, type TaskState } from '../../core/types.js';
import type { Context } from './claim.js';
import { toRecord } from './rows.js';
import { LISTING_COLUMNS, NOW, RECORD_COLUMNS, stateCondition } from './sql.js';
import { searchNeedle } from '../../core/task-search.js';

export async function getTask(ctx: Context, taskId: string): Promise<TaskRecord | null> {
  const rows = await ctx.pool.queryArrays({
    name: 'sitq_get_task',
    text: `SELECT ${RECORD_COLUMNS} FROM ${ctx.tables.tasks} t WHERE t.id = $1`,
    values: [taskId],
  });
  return rows.length > 0 ? toRecord(rows[0]) : null;
}

export async function listQueues(ctx: Context): Promise<string[]> {
  const { rows } = await ctx.pool.query<{ queue: string }>({ text: `SELECT DISTINCT queue FROM ${ctx.tables.tasks} ORDER BY queue` });
  return rows.map((row) => row.queue);
}

export async function counts(ctx: Context): Promise<QueueCounts[]> {
  const { rows } = await ctx.pool.query<{ queue: string; state: TaskState; n: number; oldest_age: number | null }>({
    text: `SELECT t.queue, s.state, count(*) AS n,
        ${NOW} - min(t.run_at) FILTER (WHERE s.state = 'pending') AS oldest_age
      FROM ${ctx.tables.tasks} t,
        LATERAL (SELECT CASE WHEN t.state = 'delayed' AND t.run_at <= ${NOW} THEN 'pending' ELSE t.state END AS state) s
      GROUP BY t.queue, s.state ORDER BY t.queue`,
  });
  const byQueue = new Map<string, QueueCounts>();
  for (const row of rows) {
    let entry = byQueue.get(row.queue);
    if (!entry) byQueue.set(row.queue, (entry = { queue: row.queue, counts: emptyCounts(), oldestPendingAgeMs: 0 }));
    entry.counts[row.state] = row.n;
    if (row.oldest_age !== null) entry.oldestPendingAgeMs = Math.max(0, row.oldest_age);
  }
  return [...byQueue.values()];
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
  }
  const needle = searchNeedle(query.search);
  if (needle !== undefined) {
    values.push(needle);
    where.push(searchCondition(`$${values.length}`));
  }
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const [page, total] = await Promise.all([
    ctx.pool.queryArrays({
      text: `SELECT ${LISTING_COLUMNS} FROM ${ctx.tables.tasks} t ${filter} ORDER BY t.id DESC LIMIT ${limit} OFFSET ${offset}`,
      values,
    }),
    ctx.pool.query<{ n: number }>({ text: `SELECT count(*) AS n FROM ${ctx.tables.tasks} t ${filter}`, values }),
  ]);
  return { tasks: page.map(toRecord), total: total.rows[0]?.n ?? 0 };
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
