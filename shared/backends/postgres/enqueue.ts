// Enqueue: a whole batch in one INSERT ... SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING,
// which also reads back the ids of tasks whose idempotency key was already taken and notifies the
// queues that got work. A single task (every `enqueue` call) takes a plain INSERT ... VALUES
// instead: no arrays to build and unpack, no joins, one notification.
// Both count the tasks they insert themselves (a `counts` row per queue, state and delayed run_at,
// in the same statement; migration 008 says why not a trigger), and about one enqueue in 256 then
// folds the count rows (counts.ts), as the statements that move tasks do.
import type { EnqueueOutcome, NewTask } from '../../core/types.js';
import type { Context } from './claim.js';
import { maybeFoldCounts } from './counts.js';
import { eventNotify, NOW } from './sql.js';

/** The count rows of the tasks a statement's `inserted` returned (queue, state, run_at). */
function countInserted(counts: string): string {
  return `INSERT INTO ${counts} (queue, state, run_at, n)
        SELECT queue, state, CASE WHEN state = 'delayed' THEN run_at END, count(*) FROM inserted GROUP BY 1, 2, 3`;
}

/** The same for a single-task INSERT (no row or one): its row as it is, without the aggregate,
 *  which cost the statement ~20 µs of its ~170-250 on the server (pgbench, interleaved). */
function countOneInserted(counts: string): string {
  return `INSERT INTO ${counts} (queue, state, run_at, n)
        SELECT queue, state, CASE WHEN state = 'delayed' THEN run_at END, 1 FROM inserted`;
}

export async function enqueue(ctx: Context, tasks: readonly NewTask[]): Promise<EnqueueOutcome[]> {
  if (tasks.length === 0) return [];
  const outcomes = tasks.length === 1 ? [await enqueueOne(ctx, tasks[0])] : await enqueueMany(ctx, tasks);
  await maybeFoldCounts(ctx);
  return outcomes;
}

async function enqueueMany(ctx: Context, tasks: readonly NewTask[]): Promise<EnqueueOutcome[]> {
  const { tasks: table, channel } = ctx.tables;
  const { rows } = await ctx.pool.query<{ id: string | null; created: boolean }>({
    name: 'sitq_enqueue',
    text: `WITH input AS (
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::text[], $6::smallint[], $7::bigint[],
                             $8::bigint[], $9::integer[], $10::jsonb[], $11::integer[], $12::text[], $14::jsonb[])
          WITH ORDINALITY AS i(id, queue, name, payload, serializer, priority, run_at, enqueued_at, max_attempts, backoff, timeout_ms, idempotency_key, headers, ord)
      ), inserted AS (
        INSERT INTO ${table} (id, queue, name, payload, serializer, priority, run_at, enqueued_at, max_attempts, backoff, timeout_ms, idempotency_key, headers, state)
        SELECT id, queue, name, payload, serializer, priority, run_at, enqueued_at, max_attempts, backoff, timeout_ms, idempotency_key, headers,
               CASE WHEN run_at > ${NOW} THEN 'delayed' ELSE 'pending' END
        FROM input ORDER BY ord
        ON CONFLICT (queue, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
        RETURNING id, queue, state, run_at, ${eventNotify(ctx.tables, '$13', "'e'", 'tasks', 'NULL')} AS event
      ), counted AS (
        ${countInserted(ctx.tables.counts)}
      ), woke AS (
        SELECT pg_notify($13, 'q:' || queue) FROM (SELECT DISTINCT queue FROM inserted) q
      )
      -- "existing" sees the table as it was when the statement started: a key taken by another
      -- batch committing meanwhile, or twice in this batch, comes back null and is looked up below.
      SELECT COALESCE(inserted.id, existing.id) AS id, inserted.id IS NOT NULL AS created
      FROM input
      LEFT JOIN inserted ON inserted.id = input.id
      LEFT JOIN ${table} existing ON inserted.id IS NULL AND existing.queue = input.queue AND existing.idempotency_key = input.idempotency_key
      CROSS JOIN (SELECT count(*) FROM woke) w
      ORDER BY input.ord`,
    values: [
      tasks.map((t) => t.id),
      tasks.map((t) => t.queue),
      tasks.map((t) => t.name),
      tasks.map((t) => t.payload),
      tasks.map((t) => t.serializer),
      tasks.map((t) => t.priority),
      tasks.map((t) => t.runAt),
      tasks.map((t) => t.enqueuedAt),
      tasks.map((t) => t.maxAttempts),
      tasks.map((t) => t.backoff),
      tasks.map((t) => t.timeoutMs ?? null),
      tasks.map((t) => t.idempotencyKey ?? null),
      channel,
      tasks.map((t) => t.headers ?? null),
    ],
  });
  const outcomes = rows.map((row, i) => ({ id: row.id ?? '', created: row.created, queue: tasks[i].queue, key: tasks[i].idempotencyKey }));
  await resolveTakenKeys(
    ctx,
    outcomes.filter((o) => o.id === '' && o.key !== undefined),
  );
  return outcomes.map(({ id, created }) => ({ id, created }));
}

async function enqueueOne(ctx: Context, t: NewTask): Promise<EnqueueOutcome> {
  const { tasks: table, channel } = ctx.tables;
  const rows = await ctx.pool.queryArrays({
    name: 'sitq_enqueue_one',
    text: `WITH inserted AS (
        INSERT INTO ${table} (id, queue, name, payload, serializer, priority, run_at, enqueued_at, max_attempts, backoff, timeout_ms, idempotency_key, headers, state)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $14, CASE WHEN $7::bigint > ${NOW} THEN 'delayed' ELSE 'pending' END)
        ON CONFLICT (queue, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
        RETURNING queue, state, run_at, ${eventNotify(ctx.tables, '$13', "'e'", 'tasks', 'NULL')} AS event
      ), counted AS (
        ${countOneInserted(ctx.tables.counts)}
      )
      SELECT pg_notify($13, 'q:' || queue) FROM inserted`,
    values: [
      t.id,
      t.queue,
      t.name,
      t.payload,
      t.serializer,
      t.priority,
      t.runAt,
      t.enqueuedAt,
      t.maxAttempts,
      t.backoff,
      t.timeoutMs ?? null,
      t.idempotencyKey ?? null,
      channel,
      t.headers ?? null,
    ],
  });
  if (rows.length === 1) return { id: t.id, created: true };
  // Only an idempotency key can make the insert a no-op (a duplicate id fails loudly instead).
  const outcome = { id: '', created: false, queue: t.queue, key: t.idempotencyKey };
  await resolveTakenKeys(ctx, [outcome]);
  return { id: outcome.id, created: false };
}

/** Fills in the ids of the tasks that hold keys these outcomes found taken. */
async function resolveTakenKeys(ctx: Context, unresolved: { id: string; queue: string; key: string | undefined }[]): Promise<void> {
  if (unresolved.length === 0) return;
  const found = await ctx.pool.query<{ id: string; queue: string; idempotency_key: string }>({
    text: `SELECT t.id, t.queue, t.idempotency_key FROM ${ctx.tables.tasks} t
           JOIN unnest($1::text[], $2::text[]) AS k(queue, key) ON t.queue = k.queue AND t.idempotency_key = k.key`,
    values: [unresolved.map((o) => o.queue), unresolved.map((o) => o.key as string)],
  });
  const byKey = new Map(found.rows.map((row) => [`${row.queue}\u0000${row.idempotency_key}`, row.id]));
  for (const outcome of unresolved) outcome.id = byKey.get(`${outcome.queue}\u0000${outcome.key}`) ?? '';
}
