// The shape of a sitq_tasks row and its mapping to and from the core's TaskRecord.
import { backoffJson } from '../../core/backoff.js';
import type { TaskProgress } from '../../core/progress.js';
import type { BackoffOptions, ClaimedTask, NewTask, TaskErrorInfo, TaskRecord, TaskState } from '../../core/types.js';

export interface TaskRow {
  id: string;
  seq: number;
  queue: string;
  name: string;
  payload: Uint8Array;
  serializer: string;
  priority: number;
  run_at: number;
  enqueued_at: number;
  max_attempts: number;
  backoff: string;
  timeout_ms: number | null;
  idempotency_key: string | null;
  state: TaskState;
  attempts: number;
  token: number;
  started_at: number | null;
  finished_at: number | null;
  result: Uint8Array | null;
  error: string | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  headers: string | null;
  progress: string | null;
  log: string | null;
  log_dropped: number;
}

/** The INSERT in enqueue.ts binds these, in this order, all but `seq` (which the INSERT computes)
 *  (positional: binding by name is slower). */
export const INSERT_COLUMNS =
  'id, seq, queue, name, payload, serializer, priority, run_at, enqueued_at, max_attempts, backoff, timeout_ms, idempotency_key, state, headers';

/** The VALUES of that INSERT: `seq` (enqueue order) is one more than the seq of the table's last row
 *  by rowid. A new row always takes a rowid above every other (max + 1), so rowid order is
 *  insertion order among the rows that exist — VACUUM renumbers rowids but keeps their order — and
 *  the last row holds the highest seq. (It was a counter in sitq_meta: one more statement, and one
 *  more page written by every enqueue's commit, about a fifth of its time.) */
export const INSERT_VALUES = `?, coalesce((SELECT seq FROM sitq_tasks ORDER BY rowid DESC LIMIT 1), 0) + 1, ${Array(13).fill('?').join(', ')}`;

export type InsertTuple = [
  id: string,
  queue: string,
  name: string,
  payload: Uint8Array,
  serializer: string,
  priority: number,
  runAt: number,
  enqueuedAt: number,
  maxAttempts: number,
  backoff: string,
  timeoutMs: number | null,
  idempotencyKey: string | null,
  state: TaskState,
  headers: string | null,
];

export function insertValues(task: NewTask, state: TaskState): InsertTuple {
  return [
    task.id,
    task.queue,
    task.name,
    task.payload,
    task.serializer,
    task.priority,
    task.runAt,
    task.enqueuedAt,
    task.maxAttempts,
    backoffJson(task.backoff),
    task.timeoutMs ?? null,
    task.idempotencyKey ?? null,
    state,
    task.headers ? JSON.stringify(task.headers) : null,
  ];
}

export function toRecord(row: TaskRow): TaskRecord {
  const record: TaskRecord = {
    id: row.id,
    queue: row.queue,
    name: row.name,
    payload: plainBytes(row.payload),
    serializer: row.serializer,
    priority: row.priority,
    runAt: row.run_at,
    enqueuedAt: row.enqueued_at,
    maxAttempts: row.max_attempts,
    backoff: parseBackoff(row.backoff),
    state: row.state,
    attempts: row.attempts,
  };
  if (row.timeout_ms !== null) record.timeoutMs = row.timeout_ms;
  if (row.idempotency_key !== null) record.idempotencyKey = row.idempotency_key;
  if (row.started_at !== null) record.startedAt = row.started_at;
  if (row.finished_at !== null) record.finishedAt = row.finished_at;
  if (row.result !== null) record.result = plainBytes(row.result);
  if (row.error !== null) record.error = JSON.parse(row.error) as TaskErrorInfo;
  if (row.lease_owner !== null) record.leaseOwner = row.lease_owner;
  if (row.lease_expires_at !== null) record.leaseExpiresAt = row.lease_expires_at;
  if (row.headers !== null) record.headers = JSON.parse(row.headers) as Record<string, string>;
  if (row.progress !== null) record.progress = JSON.parse(row.progress) as TaskProgress;
  if (row.log !== null) record.log = JSON.parse(row.log) as string[];
  if (row.log_dropped > 0) record.logDropped = row.log_dropped;
  return record;
}

/** better-sqlite3 returns Buffers (node:sqlite Uint8Arrays); callers get the plain Uint8Array the types promise (no copy). */
function plainBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * What a claim returns, read as arrays (`raw` mode): better-sqlite3 builds an object per row by
 * setting every column by name, a measurable share of a claim at these speeds. Converting each
 * value to JS costs too, so the claim returns only what it cannot know: not the two columns that
 * are always NULL for a task just claimed (finished_at, result), nor the three it has just written
 * (lease_owner, lease_expires_at, started_at), and the queue only when it claimed from several.
 */
export const CLAIMED_COLUMNS =
  'id, seq, name, payload, serializer, priority, run_at, enqueued_at, max_attempts, backoff, timeout_ms, ' +
  'idempotency_key, attempts, token, error, headers';

export type ClaimedTuple = [
  id: string,
  seq: number,
  name: string,
  payload: Uint8Array,
  serializer: string,
  priority: number,
  runAt: number,
  enqueuedAt: number,
  maxAttempts: number,
  backoff: string,
  timeoutMs: number | null,
  idempotencyKey: string | null,
  attempts: number,
  token: number,
  error: string | null,
  headers: string | null,
  /** Present when the claim read from several queues (CLAIMED_COLUMNS + ', queue'). */
  queue?: string,
];

/** What the claim wrote into every task it returns. */
export interface ClaimWrites {
  owner: string;
  leaseExpiresAt: number;
  startedAt: number;
}

/** Claim order within a queue: priority high first, then runAt, then enqueue order. */
export function byClaimOrder(a: ClaimedTuple, b: ClaimedTuple): number {
  return b[5] - a[5] || a[6] - b[6] || a[1] - b[1];
}

export function toClaimedTask(values: ClaimedTuple, queue: string, writes: ClaimWrites): ClaimedTask {
  const [
    id,
    ,
    name,
    payload,
    serializer,
    priority,
    runAt,
    enqueuedAt,
    maxAttempts,
    backoff,
    timeoutMs,
    idempotencyKey,
    attempts,
    token,
    error,
    headers,
  ] = values;
  const record: TaskRecord = {
    id,
    queue,
    name,
    payload: plainBytes(payload),
    serializer,
    priority,
    runAt,
    enqueuedAt,
    maxAttempts,
    backoff: parseBackoff(backoff),
    state: 'running',
    attempts,
    startedAt: writes.startedAt,
    leaseOwner: writes.owner,
    leaseExpiresAt: writes.leaseExpiresAt,
  };
  if (timeoutMs !== null) record.timeoutMs = timeoutMs;
  if (idempotencyKey !== null) record.idempotencyKey = idempotencyKey;
  if (error !== null) record.error = JSON.parse(error) as TaskErrorInfo;
  if (headers !== null) record.headers = JSON.parse(headers) as Record<string, string>;
  return { lease: { taskId: id, owner: writes.owner, token }, record };
}

/** Most tasks share a handful of backoff settings: parse each distinct JSON text once. */
const backoffCache = new Map<string, BackoffOptions>();

function parseBackoff(json: string): BackoffOptions {
  const cached = backoffCache.get(json);
  if (cached) return { ...cached };
  const parsed = JSON.parse(json) as BackoffOptions;
  if (backoffCache.size >= 256) backoffCache.clear();
  backoffCache.set(json, parsed);
  return { ...parsed };
}

export function errorJson(error: TaskErrorInfo): string {
  const stored: TaskErrorInfo = { name: error.name, message: error.message };
  if (error.stack !== undefined) stored.stack = error.stack;
  return JSON.stringify(stored);
}
