// Reports made under a lease: renew, complete, release. Each takes a whole batch in one statement
// (UPDATE ... FROM unnest(arrays)), and each checks state = running plus the lease's token and
// owner, so a report under a lost lease changes nothing.
import { wireLines } from '../../core/events.js';
import type { TaskReport } from '../../core/progress.js';
import type { Completion, Lease } from '../../core/types.js';
import type { Context } from './claim.js';
import { countDeltas, maybeFoldCounts } from './counts.js';
import { errorJson } from './rows.js';
import { eventNotify, NOW } from './sql.js';

/** Which of `leases` a statement touched, in request order (by id and token: two leases of one
 *  task in a batch are told apart). */
function held(leases: readonly Lease[], touched: readonly { id: string; token: number }[]): boolean[] {
  const keys = new Set(touched.map((row) => `${row.token}:${row.id}`));
  return leases.map((lease) => keys.has(`${lease.token}:${lease.taskId}`));
}

function leaseArrays(leases: readonly Lease[]): [string[], number[], string[]] {
  return [leases.map((l) => l.taskId), leases.map((l) => l.token), leases.map((l) => l.owner)];
}

/** Rows are locked in input order: every batch goes in task-id order, so two batches that touch
 *  the same tasks (a stale and a current lease) cannot deadlock. */
function inLockOrder<T>(items: readonly T[], idOf: (item: T) => string): T[] {
  return [...items].sort((a, b) => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0));
}

const LEASE_MATCH = `t.id = l.id AND t.token = l.token AND t.lease_owner = l.owner AND t.state = 'running'`;

export async function renew(ctx: Context, leases: readonly Lease[], leaseMs: number): Promise<boolean[]> {
  if (leases.length === 0) return [];
  const ordered = inLockOrder(leases, (l) => l.taskId);
  const { rows } = await ctx.pool.query<{ id: string; token: number }>({
    name: 'sitq_renew',
    text: `UPDATE ${ctx.tables.tasks} t SET lease_expires_at = ${NOW} + $4::bigint
      FROM unnest($1::text[], $2::bigint[], $3::text[]) AS l(id, token, owner)
      WHERE ${LEASE_MATCH}
      RETURNING t.id, t.token`,
    values: [...leaseArrays(ordered), leaseMs],
  });
  return held(leases, rows);
}

/** Stores handlers' progress and logs (replacing what each task held) while their leases hold. */
export async function report(ctx: Context, reports: readonly TaskReport[]): Promise<boolean[]> {
  if (reports.length === 0) return [];
  const ordered = inLockOrder(reports, (r) => r.lease.taskId);
  const { rows } = await ctx.pool.query<{ id: string; token: number }>({
    name: 'sitq_report',
    text: `UPDATE ${ctx.tables.tasks} t SET progress = l.progress, log = l.log, log_dropped = l.dropped
      FROM unnest($1::text[], $2::bigint[], $3::text[], $4::jsonb[], $5::jsonb[], $6::integer[], $7::boolean[], $8::text[])
        AS l(id, token, owner, progress, log, dropped, progress_changed, new_lines)
      WHERE ${LEASE_MATCH}
      RETURNING t.id, t.token,
        CASE WHEN l.progress_changed AND l.progress IS NOT NULL THEN ${eventNotify(ctx.tables, '$9', "'p'", 't', 't.attempts', 'l.progress::text')} END AS progress_event,
        CASE WHEN l.new_lines IS NOT NULL THEN ${eventNotify(ctx.tables, '$9', "'l'", 't', 't.attempts', 'l.new_lines')} END AS log_event`,
    values: [
      ...leaseArrays(ordered.map((r) => r.lease)),
      // As JSON text: pg would send a number or an array as something else than jsonb.
      ordered.map((r) => (r.progress === undefined ? null : JSON.stringify(r.progress))),
      ordered.map((r) => (r.log.lines.length === 0 ? null : JSON.stringify(r.log.lines))),
      ordered.map((r) => r.log.dropped),
      ordered.map((r) => r.progressChanged),
      ordered.map((r) => (r.newLines.length === 0 ? null : JSON.stringify(wireLines(r.newLines)))),
      ctx.tables.channel,
    ],
  });
  return held(
    reports.map((r) => r.lease),
    rows,
  );
}

export async function complete(ctx: Context, completions: readonly Completion[]): Promise<boolean[]> {
  if (completions.length === 0) return [];
  const leases = completions.map((c) => c.lease);
  const ordered = inLockOrder(completions, (c) => c.lease.taskId);
  const { tasks, channel } = ctx.tables;
  const { rows } = await ctx.pool.query<{ id: string; token: number }>({
    name: 'sitq_complete',
    text: `WITH l AS (
        SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::bytea[], $6::jsonb[], $7::bigint[], $8::bigint[])
          AS l(id, token, owner, outcome, result, error, run_at, finished_at)
      ), done AS (
        UPDATE ${tasks} t SET
          state = CASE WHEN l.outcome <> 'retry' THEN l.outcome WHEN l.run_at > ${NOW} THEN 'delayed' ELSE 'pending' END,
          result = l.result,
          -- A success keeps the last failure; the others record theirs.
          error = COALESCE(l.error, t.error),
          run_at = COALESCE(l.run_at, t.run_at),
          finished_at = CASE WHEN l.outcome = 'retry' THEN NULL ELSE l.finished_at END,
          lease_owner = NULL, lease_expires_at = NULL
        FROM l WHERE ${LEASE_MATCH}
        RETURNING t.id, t.token, t.queue, t.state, t.run_at,
          ${eventNotify(
            ctx.tables,
            '$9',
            "CASE l.outcome WHEN 'succeeded' THEN 'u' WHEN 'dead' THEN 'd' ELSE 'r' END",
            't',
            't.attempts',
            `CASE WHEN l.outcome = 'succeeded' THEN NULL ELSE (l.error || CASE WHEN l.outcome = 'retry' THEN jsonb_build_object('runAt', l.run_at) ELSE '{}'::jsonb END)::text END`,
          )} AS event
      ), counted AS (
        -- Every task completed left running (LEASE_MATCH) for the state it now has.
        ${countDeltas(
          ctx.tables.counts,
          `SELECT queue, 'running', NULL::bigint, -1 FROM done UNION ALL SELECT queue, state, run_at, 1 FROM done`,
        )}
      ), woke AS (
        -- Retries are work again (now or at their run_at): wake that queue's waiting claimers.
        -- Finished tasks notify nobody: waitForFinish polls (finish.ts), keeping NOTIFY off the
        -- hot path.
        SELECT pg_notify($9, 'q:' || queue) FROM (SELECT DISTINCT queue FROM done WHERE state IN ('pending', 'delayed')) q
      )
      SELECT done.id, done.token FROM done, (SELECT count(*) FROM woke) w`,
    values: [
      ...leaseArrays(ordered.map((c) => c.lease)),
      ordered.map((c) => c.outcome),
      ordered.map((c) => (c.outcome === 'succeeded' ? c.result : null)),
      ordered.map((c) => (c.outcome === 'succeeded' ? null : errorJson(c.error))),
      ordered.map((c) => (c.outcome === 'retry' ? c.runAt : null)),
      ordered.map((c) => c.finishedAt),
      channel,
    ],
  });
  await maybeFoldCounts(ctx);
  return held(leases, rows);
}

/** Gives claimed-but-unstarted tasks back: ready at once, in their old place (run_at and seq are
 *  untouched), and the claim does not count as an attempt. The token stays: it never repeats. */
export async function release(ctx: Context, leases: readonly Lease[]): Promise<void> {
  if (leases.length === 0) return;
  await ctx.pool.query({
    name: 'sitq_release',
    text: `WITH done AS (
        UPDATE ${ctx.tables.tasks} t SET state = 'pending', attempts = t.attempts - 1,
          started_at = CASE WHEN t.attempts = 1 THEN NULL ELSE t.started_at END,
          lease_owner = NULL, lease_expires_at = NULL
        FROM unnest($1::text[], $2::bigint[], $3::text[]) AS l(id, token, owner)
        WHERE ${LEASE_MATCH}
        RETURNING t.queue
      ), counted AS (
        ${countDeltas(ctx.tables.counts, `SELECT queue, 'running', NULL::bigint, -1 FROM done UNION ALL SELECT queue, 'pending', NULL::bigint, 1 FROM done`)}
      )
      SELECT pg_notify($4, 'q:' || queue) FROM (SELECT DISTINCT queue FROM done) q`,
    values: [...leaseArrays(inLockOrder(leases, (l) => l.taskId)), ctx.tables.channel],
  });
  await maybeFoldCounts(ctx);
}
