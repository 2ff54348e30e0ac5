// Operator actions (cancel, requeue, purge), worker heartbeats, and dropping the whole schema.
import type { CancelledFrom, PruneOptions } from '../../core/backend.js';
import type { WorkerInfo } from '../../core/types.js';
import type { Context } from './claim.js';
import { countDeltas, maybeFoldCounts } from './counts.js';
import { eventNotify, NOW, quoteIdent } from './sql.js';

/** pending/delayed/running → cancelled in one statement; the row lock taken by the CTE makes a
 *  concurrent claim or report wait and then see `cancelled`. A running task's lease goes with it
 *  (its holder's reports no longer match: fenced). Answers the state it was cancelled from. */
export async function cancel(ctx: Context, taskId: string): Promise<CancelledFrom | null> {
  const { rows } = await ctx.pool.query<{ state: CancelledFrom }>({
    text: `WITH old AS (
        SELECT id, state, run_at FROM ${ctx.tables.tasks} WHERE id = $1 AND state IN ('pending', 'delayed', 'running') FOR UPDATE
      ), done AS (
        UPDATE ${ctx.tables.tasks} t SET state = 'cancelled', finished_at = ${NOW}, lease_owner = NULL, lease_expires_at = NULL
        FROM old WHERE t.id = old.id RETURNING t.queue, old.state, old.run_at, ${eventNotify(ctx.tables, '$2', "'c'", 't', 'NULL')} AS event
      ), counted AS (
        ${countDeltas(ctx.tables.counts, `SELECT queue, state, run_at, -1 FROM done UNION ALL SELECT queue, 'cancelled', NULL::bigint, 1 FROM done`)}
      )
      SELECT state FROM done`,
    values: [taskId, ctx.tables.channel],
  });
  await maybeFoldCounts(ctx);
  return rows[0]?.state ?? null;
}

/** Retention: the oldest finished tasks of one queue and state, walked on tasks_finished
 *  (queue, finished_at, id); the count for keepNewest is read off the same index. */
export async function prune(ctx: Context, { queue, state, finishedBefore, keepNewest, limit }: PruneOptions): Promise<number> {
  const t = ctx.tables.tasks;
  const FINISHED = `queue = $1 AND finished_at IS NOT NULL AND state = $2`;
  let deleted = 0;
  if (keepNewest !== undefined) {
    const { rowCount } = await ctx.pool.query({
      text: `DELETE FROM ${t} WHERE id IN (
          SELECT id FROM ${t} WHERE ${FINISHED} ORDER BY finished_at, id
          LIMIT GREATEST(0, LEAST($3::bigint, (SELECT count(*) FROM ${t} WHERE ${FINISHED}) - $4::bigint)))`,
      values: [queue, state, limit, keepNewest],
    });
    deleted += rowCount ?? 0;
  }
  if (finishedBefore !== undefined && deleted < limit) {
    const { rowCount } = await ctx.pool.query({
      text: `DELETE FROM ${t} WHERE id IN (
          SELECT id FROM ${t} WHERE ${FINISHED} AND finished_at < $3::bigint ORDER BY finished_at, id LIMIT $4::bigint)`,
      values: [queue, state, Math.floor(finishedBefore), limit - deleted],
    });
    deleted += rowCount ?? 0;
  }
  return deleted;
}

export async function requeue(ctx: Context, taskId: string): Promise<boolean> {
  const { rows } = await ctx.pool.query({
    text: `WITH old AS (
        SELECT id, state FROM ${ctx.tables.tasks} WHERE id = $1 AND state IN ('dead', 'cancelled') FOR UPDATE
      ), done AS (
        UPDATE ${ctx.tables.tasks} t SET state = 'pending', run_at = ${NOW}, attempts = 0, started_at = NULL,
          finished_at = NULL, result = NULL, lease_owner = NULL, lease_expires_at = NULL
        FROM old WHERE t.id = old.id RETURNING t.queue, old.state, ${eventNotify(ctx.tables, '$2', "'e'", 't', 'NULL')} AS event
      ), counted AS (
        ${countDeltas(ctx.tables.counts, `SELECT queue, state, NULL::bigint, -1 FROM done UNION ALL SELECT queue, 'pending', NULL::bigint, 1 FROM done`)}
      )
      SELECT pg_notify($2, 'q:' || queue) FROM done`,
    values: [taskId, ctx.tables.channel],
  });
  await maybeFoldCounts(ctx);
  return rows.length > 0;
}

export async function purge(ctx: Context, options: { olderThanMs: number; queue?: string }): Promise<number> {
  const values: unknown[] = [Math.max(0, options.olderThanMs)];
  if (options.queue !== undefined) values.push(options.queue);
  const { rowCount } = await ctx.pool.query({
    text: `DELETE FROM ${ctx.tables.tasks}
      WHERE state IN ('succeeded', 'dead', 'cancelled') AND finished_at <= ${NOW} - $1::bigint
      ${options.queue !== undefined ? 'AND queue = $2' : ''}`,
    values,
  });
  return rowCount ?? 0;
}

/** Workers whose heartbeat expired a day ago are forgotten by the next heartbeat. */
const FORGET_AFTER_MS = 24 * 3_600_000;

export async function heartbeat(ctx: Context, info: WorkerInfo, ttlMs: number): Promise<void> {
  await ctx.pool.query({
    name: 'sitq_heartbeat',
    text: `WITH forgotten AS (DELETE FROM ${ctx.tables.workers} WHERE expires_at < ${NOW} - ${FORGET_AFTER_MS})
      INSERT INTO ${ctx.tables.workers} (id, info, expires_at) VALUES ($1, $2, ${NOW} + $3::bigint)
      ON CONFLICT (id) DO UPDATE SET info = excluded.info, expires_at = excluded.expires_at`,
    values: [info.id, info, ttlMs],
  });
}

export async function listWorkers(ctx: Context): Promise<WorkerInfo[]> {
  const { rows } = await ctx.pool.query<{ info: WorkerInfo }>({
    text: `SELECT info FROM ${ctx.tables.workers} WHERE expires_at > ${NOW} ORDER BY id`,
  });
  return rows.map((row) => row.info);
}

export async function removeWorker(ctx: Context, workerId: string): Promise<void> {
  await ctx.pool.query({ text: `DELETE FROM ${ctx.tables.workers} WHERE id = $1`, values: [workerId] });
}

export async function dropSchema(ctx: Context): Promise<void> {
  await ctx.pool.query({ text: `DROP SCHEMA IF EXISTS ${quoteIdent(ctx.tables.schema)} CASCADE` });
}
