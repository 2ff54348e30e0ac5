// Claiming: one statement (SELECT ... FOR UPDATE SKIP LOCKED LIMIT n, then UPDATE ... RETURNING)
// takes up to `max` ready tasks (and expired leases of crashed workers) in one round trip. A
// blocking claim waits for a notification (see notify.ts) or the next due time, with polling as
// the fallback.
import { LEASE_EXPIRED_ERROR } from '../../core/backend.js';
import type { ClaimRequest, ClaimedTask } from '../../core/types.js';
import { countDeltas, maybeFoldCounts } from './counts.js';
import type { Notifier } from './notify.js';
import type { Pool } from './pool.js';
import { toRecord } from './rows.js';
import { AT, eventNotify, NOW, RECORD_COLUMNS, RECORD_NAMES, RECORD_WIDTH, type Tables } from './sql.js';

export interface Context {
  pool: Pool;
  tables: Tables;
}

/** Re-check at least this often while waiting, in case a notification was lost. */
const POLL_FALLBACK_MS = 1000;
/** ... and this often while the LISTEN connection is down. */
const POLL_DISCONNECTED_MS = 200;

/** The ready tasks (and expired leases) of one queue, in claim order, locked. */
function queueCandidates(tables: Tables, queue: string): string {
  return `SELECT t.id, t.queue, t.state, t.priority, t.run_at, t.seq, t.state = 'running' AND t.attempts >= t.max_attempts AS exhausted
    FROM ${tables.tasks} t
    WHERE t.queue = ${queue} AND t.finished_at IS NULL AND t.run_at <= ${NOW}
      AND (t.state <> 'running' OR t.lease_expires_at <= ${NOW})
    ORDER BY t.priority DESC, t.run_at, t.seq
    LIMIT $2 FOR UPDATE SKIP LOCKED`;
}

/** A claim commits without waiting for its WAL flush (synchronous_commit off for this statement's
 *  transaction only): the claim's fdatasync was half of every idle enqueue→start and of every
 *  claim+complete cycle. Safe for at-least-once: a claim lost in a server crash (at most about
 *  three wal_writer_delay of them) leaves its task claimable, so it is run again; nothing else
 *  is lost, because the enqueue before it and the completion after it commit durably, and a
 *  completion's flush covers the claim's WAL, which precedes it. Evaluated in RETURNING, once per
 *  claimed row, so it is certain to run before the commit whenever something was claimed. */
const COMMIT_ASYNC = `set_config('synchronous_commit', 'off', true) AS async_commit`;

/** The fencing token of a claim. +1 alone could repeat after a crash undid an asynchronous claim
 *  (the next claim would hand out the lost one's token again, and a stale report under it would
 *  count); the server clock in ms is past every token handed out before the restart, so the
 *  token still never repeats (assuming the server clock does not step back across a restart). */
const NEXT_TOKEN = `greatest(t.token + 1, ${NOW})`;

/** The error an expired lease leaves on its task (`t` is the row before the claim). */
const LEASE_EXPIRED = `jsonb_build_object('name', '${LEASE_EXPIRED_ERROR}', 'message',
  'the lease of attempt ' || t.attempts || ' of ' || t.max_attempts || ' expired: its worker stopped renewing it (crashed, killed or stalled)')`;

/** Where the claim's own columns follow the record's in its rows. */
const TOKEN = RECORD_WIDTH;
const SEQ = RECORD_WIDTH + 1;

function claimSql(tables: Tables, many: boolean): string {
  // One ordered walk of tasks_unfinished per queue finds both ready tasks and running ones whose
  // lease has expired (their worker crashed). Several queues: the first $2 of each, merged (a
  // single walk over all of them would have to sort every ready task). Nothing here changes an
  // indexed column, so the UPDATE is HOT.
  const candidates = many
    ? `SELECT c.id, c.queue, c.state, c.run_at, c.exhausted FROM unnest($1::text[]) AS q(queue), LATERAL (${queueCandidates(tables, 'q.queue')}) c
       ORDER BY c.priority DESC, c.run_at, c.seq LIMIT $2`
    : queueCandidates(tables, '$1');
  return `WITH candidates AS (${candidates}
  ), buried AS (
    -- An expired lease with no attempts left: dead, so a task that kills its worker cannot loop.
    UPDATE ${tables.tasks} t SET state = 'dead', finished_at = ${NOW}, lease_owner = NULL, lease_expires_at = NULL,
      error = ${LEASE_EXPIRED}
    FROM candidates c WHERE t.id = c.id AND c.exhausted
    RETURNING t.queue, ${eventNotify(tables, '$5', "'d'", 't', 't.attempts', 't.error::text')} AS event
  ), claimed AS (
    -- A reclaimed lease is recorded too: the next worker then knows this task may kill its process.
    UPDATE ${tables.tasks} t SET state = 'running', attempts = t.attempts + 1, token = ${NEXT_TOKEN},
      lease_owner = $3, lease_expires_at = ${NOW} + $4::bigint, started_at = ${NOW},
      error = CASE WHEN t.state = 'running' THEN ${LEASE_EXPIRED} ELSE t.error END
    FROM candidates c WHERE t.id = c.id AND NOT c.exhausted
    RETURNING ${RECORD_COLUMNS}, t.token, t.seq, ${COMMIT_ASYNC}, ${eventNotify(tables, '$5', "'s'", 't')} AS started_event,
      c.state AS old_state, c.run_at AS old_run_at
  ), counted AS (
    -- Each task leaves the state it was locked in (a reclaimed lease: running to running, no move).
    ${countDeltas(
      tables.counts,
      `SELECT queue, old_state, old_run_at, -1 FROM claimed UNION ALL SELECT queue, 'running', NULL::bigint, 1 FROM claimed
      UNION ALL SELECT queue, 'running', NULL::bigint, -1 FROM buried UNION ALL SELECT queue, 'dead', NULL::bigint, 1 FROM buried`,
    )}
  )
  -- Only what the client reads: the state each task left, its event and the commit setting are
  -- for the WITHs above (which run whole whether or not anything here reads them).
  SELECT ${RECORD_NAMES}, token, seq FROM claimed`;
}

/** Claims what is ready now, in one round trip. */
export async function claimNow(ctx: Context, request: ClaimRequest): Promise<ClaimedTask[]> {
  const many = request.queues.length > 1;
  const rows = await ctx.pool.queryArrays({
    name: many ? 'sitq_claim_many' : 'sitq_claim_one',
    text: claimSql(ctx.tables, many),
    values: [many ? request.queues : request.queues[0], request.max, request.workerId, request.leaseMs, ctx.tables.channel],
  });
  const claimed = rows.map((row) => ({
    lease: { taskId: row[AT.id] as string, owner: request.workerId, token: row[TOKEN] as number },
    record: toRecord(row),
    seq: row[SEQ] as number,
  }));
  if (rows.length > 0) await maybeFoldCounts(ctx);
  // UPDATE ... RETURNING does not keep the subquery's order.
  claimed.sort((a, b) => b.record.priority - a.record.priority || a.record.runAt - b.record.runAt || a.seq - b.seq);
  return claimed.map(({ lease, record }) => ({ lease, record }));
}

/** Milliseconds until a task of these queues may be claimable: the earliest waiting task's
 *  run_at (<= 0 when one is ready but was skipped: locked by another claimer, or behind a lease
 *  that was just buried) or the earliest lease expiry of a running one; null when neither exists.
 *  The waiting tasks are found by one short range scan of tasks_unfinished per queue and priority
 *  level (0-9), not by a walk over all of them. */
async function nextDueIn(ctx: Context, queues: readonly string[]): Promise<number | null> {
  const { tasks } = ctx.tables;
  const { rows } = await ctx.pool.query<{ due_in: number | null }>({
    name: 'sitq_next_due',
    text: `SELECT least(
        (SELECT min(d.run_at) FROM unnest($1::text[]) AS q(queue), generate_series(0, 9) AS p(priority),
          LATERAL (SELECT t.run_at FROM ${tasks} t
            WHERE t.queue = q.queue AND t.priority = p.priority AND t.finished_at IS NULL AND t.state <> 'running'
            ORDER BY t.run_at LIMIT 1) d),
        (SELECT min(t.lease_expires_at) FROM ${tasks} t
          WHERE t.queue = ANY($1::text[]) AND t.finished_at IS NULL AND t.run_at <= ${NOW} AND t.state = 'running')
      ) - ${NOW} AS due_in`,
    values: [queues],
  });
  return rows[0]?.due_in ?? null;
}

/** Claims, and when nothing is ready waits up to `waitMs` for work (a notification, a due time,
 *  or the fallback poll), returning empty when `signal` aborts or the notifier closes. */
export async function claim(
  ctx: Context,
  notifier: Notifier,
  request: ClaimRequest & { waitMs?: number; signal?: AbortSignal },
): Promise<ClaimedTask[]> {
  const deadline = Date.now() + (request.waitMs ?? 0);
  for (;;) {
    if (request.signal?.aborted || notifier.closed) return [];
    // Subscribe before claiming, so work that arrives between the claim and the wait is noticed.
    const wake = notifier.watchQueues(request.queues);
    try {
      const claimed = await claimNow(ctx, request);
      const remaining = deadline - Date.now();
      if (claimed.length > 0 || remaining <= 0) return claimed;
      const dueIn = await nextDueIn(ctx, request.queues);
      const poll = notifier.listening ? POLL_FALLBACK_MS : POLL_DISCONNECTED_MS;
      // +1: wake just after the due time, not just before it.
      await wake.wait(Math.min(remaining, poll, dueIn === null ? Infinity : Math.max(1, dueIn + 1)), request.signal);
    } finally {
      wake.stop();
    }
  }
}
