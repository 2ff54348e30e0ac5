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

/** Columns that make a TaskRecord (see rows.ts), with `t` as the tasks alias. A delayed task
 *  whose run_at has passed is ready, so it reads as pending. */
export const RECORD_COLUMNS = [
  't.id',
  't.queue',
  't.name',
  't.payload',
  't.serializer',
  't.priority',
  't.run_at',
  't.enqueued_at',
  't.max_attempts',
  't.backoff',
  't.timeout_ms',
  't.idempotency_key',
  `CASE WHEN t.state = 'delayed' AND t.run_at <= ${NOW} THEN 'pending' ELSE t.state END AS state`,
  't.attempts',
  't.started_at',
  't.finished_at',
  't.result',
  't.error',
  't.lease_owner',
  't.lease_expires_at',
].join(', ');

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
  channel: string;
}

export function tablesOf(schema: string): Tables {
  const q = quoteIdent(schema);
  return { schema, tasks: `${q}.tasks`, workers: `${q}.workers`, channel: channelOf(schema) };
}
