// SQL fragments shared by the statements: names, the server's clock, and the column list that
// becomes a TaskRecord.

/** `"name"`; schema names are validated to [a-z0-9_], so this only guards the quoting itself. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The server's clock in epoch ms, fixed for the whole statement. Leases, due times and ages are
 *  all measured on it, so workers on hosts with skewed clocks still agree. */
export const NOW = `(extract(epoch from statement_timestamp()) * 1000)::bigint`;

/** Notification channel of a schema: one channel; the payload `q:<queue>` says that queue got
 *  work (the prefix leaves room for other kinds of message). */
export function channelOf(schema: string): string {
  return `sitq:${schema}`;
}

/** Columns that make a TaskRecord (see rows.ts), with `t` as the tasks alias, in the order a
 *  row fetched as an array holds them. A delayed task whose run_at has passed is ready, so it
 *  reads as pending. */
const RECORD_FIELDS = [
  ['id', 't.id'],
  ['queue', 't.queue'],
  ['name', 't.name'],
  ['payload', 't.payload'],
  ['serializer', 't.serializer'],
  ['priority', 't.priority'],
  ['run_at', 't.run_at'],
  ['enqueued_at', 't.enqueued_at'],
  ['max_attempts', 't.max_attempts'],
  ['backoff', 't.backoff'],
  ['timeout_ms', 't.timeout_ms'],
  ['idempotency_key', 't.idempotency_key'],
  ['state', `CASE WHEN t.state = 'delayed' AND t.run_at <= ${NOW} THEN 'pending' ELSE t.state END`],
  ['attempts', 't.attempts'],
  ['started_at', 't.started_at'],
  ['finished_at', 't.finished_at'],
  ['result', 't.result'],
  ['error', 't.error'],
  ['lease_owner', 't.lease_owner'],
  ['lease_expires_at', 't.lease_expires_at'],
  ['headers', 't.headers'],
  ['progress', 't.progress'],
  ['log', 't.log'],
  ['log_dropped', 't.log_dropped'],
] as const;

export const RECORD_COLUMNS = RECORD_FIELDS.map(([name, expr]) => `${expr} AS ${name}`).join(', ');
/** The same columns by name, for a statement that selects them from a WITH that returned RECORD_COLUMNS. */
export const RECORD_NAMES = RECORD_FIELDS.map(([name]) => name).join(', ');
/** The same for listings, which leave the log out (Backend.listTasks): never read from the table. */
export const LISTING_COLUMNS = RECORD_FIELDS.map(
  ([name, expr]) => `${name === 'log' || name === 'log_dropped' ? 'NULL' : expr} AS ${name}`,
).join(', ');

export type RecordField = (typeof RECORD_FIELDS)[number][0];

/** Where each record column sits in a row fetched as an array (Pool.queryArrays); a statement's
 *  own extra columns follow from RECORD_WIDTH on. */
export const AT = Object.fromEntries(RECORD_FIELDS.map(([name], i) => [name, i])) as Record<RecordField, number>;
export const RECORD_WIDTH = RECORD_FIELDS.length;

/** The condition for "reads as `state`", consistent with RECORD_COLUMNS. */
export function stateCondition(state: string, param: string): string {
  if (state === 'pending') return `(t.state = 'pending' OR (t.state = 'delayed' AND t.run_at <= ${NOW}))`;
  if (state === 'delayed') return `(t.state = 'delayed' AND t.run_at > ${NOW})`;
  return `t.state = ${param}`;
}

/** Table names of one schema, quoted. */
export interface Tables {
  schema: string;
  tasks: string;
  workers: string;
  /** The coordination state (state.ts). */
  state: string;
  /** Per-queue, per-state count changes, summed by readers (migration 007, inspect.ts). */
  counts: string;
  /** Until when (server clock, ms) some process subscribes to task events (migration 009, events.ts). */
  eventsWanted: string;
  channel: string;
}

export function tablesOf(schema: string): Tables {
  const q = quoteIdent(schema);
  return {
    schema,
    tasks: `${q}.tasks`,
    workers: `${q}.workers`,
    state: `${q}.state`,
    counts: `${q}.counts`,
    eventsWanted: `${q}.events_wanted`,
    channel: channelOf(schema),
  };
}

/** A notification of one task event (core/events.ts's wire form) on the schema's channel, for a
 *  row aliased `row` with id, queue and attempts: `'e:' || [[kind, id, queue, at, attempt, extra]]`.
 *  `kind`, `attempt` and `extra` are SQL expressions.
 *  Evaluated per changed row inside the statement that changes it, so it commits (and is
 *  delivered) with that change and costs no round trip; and only while some process subscribes
 *  (migration 009: the flag is read once per statement, as an InitPlan), so without a subscriber
 *  the statement notifies nothing and its commit takes no notification lock. */
export function eventNotify(
  tables: Tables,
  channel: string,
  kind: string,
  row: string,
  attempt: string = `${row}.attempts`,
  extra = 'NULL',
): string {
  return `CASE WHEN (SELECT w.until > ${NOW} FROM ${tables.eventsWanted} w) THEN pg_notify(${channel}, 'e:' || json_build_array(json_build_array(${kind}, ${row}.id, ${row}.queue, ${NOW}, ${attempt}, ${extra}))::text) END`;
}
