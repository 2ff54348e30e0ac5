// Conversions between task rows (RECORD_COLUMNS in sql.ts) and the core types.
import type { TaskProgress } from '../../core/progress.js';
import type { BackoffOptions, TaskErrorInfo, TaskRecord, TaskState } from '../../core/types.js';
import { AT, type RecordField } from './sql.js';

/** A plain Uint8Array view (no copy): records compare equal to what was enqueued. */
function bytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** A row of RECORD_COLUMNS fetched as an array (Pool.queryArrays): pg then builds no keyed
 *  object per row, which for rows this wide was most of the client's decoding time. */
export type TaskValues = readonly unknown[];

function optional<T>(v: TaskValues, field: RecordField): T | undefined {
  const value = v[AT[field]];
  return value === null ? undefined : (value as T);
}

export function toRecord(v: TaskValues): TaskRecord {
  const record: TaskRecord = {
    id: v[AT.id] as string,
    queue: v[AT.queue] as string,
    name: v[AT.name] as string,
    payload: bytes(v[AT.payload] as Buffer),
    serializer: v[AT.serializer] as string,
    priority: v[AT.priority] as number,
    runAt: v[AT.run_at] as number,
    enqueuedAt: v[AT.enqueued_at] as number,
    maxAttempts: v[AT.max_attempts] as number,
    backoff: v[AT.backoff] as BackoffOptions,
    state: v[AT.state] as TaskState,
    attempts: v[AT.attempts] as number,
  };
  // Absent rather than null/undefined keys, so records compare equal across backends.
  const timeoutMs = optional<number>(v, 'timeout_ms');
  if (timeoutMs !== undefined) record.timeoutMs = timeoutMs;
  const idempotencyKey = optional<string>(v, 'idempotency_key');
  if (idempotencyKey !== undefined) record.idempotencyKey = idempotencyKey;
  const startedAt = optional<number>(v, 'started_at');
  if (startedAt !== undefined) record.startedAt = startedAt;
  const finishedAt = optional<number>(v, 'finished_at');
  if (finishedAt !== undefined) record.finishedAt = finishedAt;
  const result = optional<Buffer>(v, 'result');
  if (result !== undefined) record.result = bytes(result);
  const error = optional<TaskErrorInfo>(v, 'error');
  if (error !== undefined) record.error = error;
  const leaseOwner = optional<string>(v, 'lease_owner');
  if (leaseOwner !== undefined) record.leaseOwner = leaseOwner;
  const leaseExpiresAt = optional<number>(v, 'lease_expires_at');
  if (leaseExpiresAt !== undefined) record.leaseExpiresAt = leaseExpiresAt;
  const headers = optional<Record<string, string>>(v, 'headers');
  if (headers !== undefined) record.headers = headers;
  const progress = optional<TaskProgress>(v, 'progress');
  if (progress !== undefined) record.progress = progress;
  const log = optional<string[]>(v, 'log');
  if (log !== undefined) record.log = log;
  const dropped = optional<number>(v, 'log_dropped');
  if (dropped !== undefined && dropped > 0) record.logDropped = dropped;
  return record;
}

/** Error info as stored: the stack only when there is one. */
export function errorJson(error: TaskErrorInfo): TaskErrorInfo {
  const stored: TaskErrorInfo = { name: error.name, message: error.message };
  if (error.stack !== undefined) stored.stack = error.stack;
  return stored;
}
