// Conversions between task rows (RECORD_COLUMNS in sql.ts) and the core types.
import type { BackoffOptions, TaskErrorInfo, TaskRecord, TaskState } from '../../core/types.js';

export interface TaskRow {
  [column: string]: unknown;
  id: string;
  queue: string;
  name: string;
  payload: Buffer;
  serializer: string;
  priority: number;
  run_at: number;
  enqueued_at: number;
  max_attempts: number;
  backoff: BackoffOptions;
  timeout_ms: number | null;
  idempotency_key: string | null;
  state: TaskState;
  attempts: number;
  started_at: number | null;
  finished_at: number | null;
  result: Buffer | null;
  error: TaskErrorInfo | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
}

/** A plain Uint8Array view (no copy): records compare equal to what was enqueued. */
function bytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export function toRecord(row: TaskRow): TaskRecord {
  const record: TaskRecord = {
    id: row.id,
    queue: row.queue,
    name: row.name,
    payload: bytes(row.payload),
    serializer: row.serializer,
    priority: row.priority,
    runAt: row.run_at,
    enqueuedAt: row.enqueued_at,
    maxAttempts: row.max_attempts,
    backoff: row.backoff,
    state: row.state,
    attempts: row.attempts,
  };
  // Absent rather than null/undefined keys, so records compare equal across backends.
  if (row.timeout_ms !== null) record.timeoutMs = row.timeout_ms;
  if (row.idempotency_key !== null) record.idempotencyKey = row.idempotency_key;
  if (row.started_at !== null) record.startedAt = row.started_at;
  if (row.finished_at !== null) record.finishedAt = row.finished_at;
  if (row.result !== null) record.result = bytes(row.result);
  if (row.error !== null) record.error = row.error;
  if (row.lease_owner !== null) record.leaseOwner = row.lease_owner;
  if (row.lease_expires_at !== null) record.leaseExpiresAt = row.lease_expires_at;
  return record;
}

/** Error info as stored: the stack only when there is one. */
export function errorJson(error: TaskErrorInfo): TaskErrorInfo {
  const stored: TaskErrorInfo = { name: error.name, message: error.message };
  if (error.stack !== undefined) stored.stack = error.stack;
  return stored;
}
