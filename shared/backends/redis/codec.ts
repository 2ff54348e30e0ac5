// Task records to script arguments and back. A record is a Redis hash; its field names are the
// ones the Lua scripts use (scripts/includes/common.lua).
import type { BackoffOptions, Completion, Lease, NewTask, TaskErrorInfo, TaskRecord, TaskState } from '../../core/types.js';
import type { ScriptArg } from './scripts.js';

/** A Uint8Array as a Buffer without copying (ioredis sends only Buffers as raw bytes). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** enqueue.lua's 11 arguments for one task. */
export function taskArgs(t: NewTask): ScriptArg[] {
  return [
    t.id,
    t.name,
    asBuffer(t.payload),
    t.serializer,
    t.priority,
    t.runAt,
    t.enqueuedAt,
    t.maxAttempts,
    JSON.stringify(t.backoff),
    t.timeoutMs ?? '',
    t.idempotencyKey ?? '',
  ];
}

export function leaseArgs(lease: Lease): ScriptArg[] {
  return [lease.taskId, lease.owner, String(lease.token)];
}

/** complete.lua's 7 arguments for one completion. */
export function completionArgs(c: Completion): ScriptArg[] {
  switch (c.outcome) {
    case 'succeeded':
      return [...leaseArgs(c.lease), 'succeeded', c.finishedAt, asBuffer(c.result), ''];
    case 'retry':
      return [...leaseArgs(c.lease), 'retry', c.finishedAt, encodeError(c.error), c.runAt];
    case 'dead':
      return [...leaseArgs(c.lease), 'dead', c.finishedAt, encodeError(c.error), ''];
  }
}

function encodeError(e: TaskErrorInfo): string {
  const out: TaskErrorInfo = { name: e.name, message: e.message };
  if (e.stack !== undefined) out.stack = e.stack;
  return JSON.stringify(out);
}

/** A hash as a field -> bytes map: from HGETALL (an object) or from a script (a flat array). */
export type RawHash = ReadonlyMap<string, Buffer>;

export function hashFromFlat(flat: readonly Buffer[]): RawHash {
  const map = new Map<string, Buffer>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(flat[i].toString('utf8'), flat[i + 1]);
  return map;
}

export function hashFromObject(obj: Record<string, Buffer>): RawHash {
  return new Map(Object.entries(obj));
}

/** The record, or null for an empty hash (the task does not exist). `now` (ms) shows a delayed
 *  task whose runAt has passed as pending, as the contract defines it, before a claim moves it. */
export function decodeRecord(h: RawHash, now: number): TaskRecord | null {
  if (!h.has('id')) return null;
  const str = (k: string) => h.get(k)?.toString('utf8');
  const num = (k: string) => {
    const v = str(k);
    return v === undefined || v === '' ? undefined : Number(v);
  };
  const stored = str('state') as TaskState;
  const runAt = num('runAt') ?? 0;
  const rec: TaskRecord = {
    id: str('id')!,
    queue: str('queue')!,
    name: str('name')!,
    payload: h.get('payload') ?? Buffer.alloc(0),
    serializer: str('serializer')!,
    priority: num('priority') ?? 0,
    runAt,
    enqueuedAt: num('enqueuedAt') ?? 0,
    maxAttempts: num('maxAttempts') ?? 1,
    backoff: JSON.parse(str('backoff') ?? '{}') as BackoffOptions,
    state: stored === 'delayed' && runAt <= now ? 'pending' : stored,
    attempts: num('attempts') ?? 0,
  };
  const optional = {
    timeoutMs: num('timeoutMs'),
    idempotencyKey: str('idem'),
    startedAt: num('startedAt'),
    finishedAt: num('finishedAt'),
    result: h.get('result'),
    error: h.has('error') ? (JSON.parse(str('error')!) as TaskErrorInfo) : undefined,
    // The hash keeps the last lease's owner and expiry; they describe the task only while it runs.
    leaseOwner: stored === 'running' ? str('owner') : undefined,
    leaseExpiresAt: stored === 'running' ? num('leaseExp') : undefined,
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) Object.assign(rec, { [key]: value });
  return rec;
}

/** The fencing token a claim gave the task (stored next to the record). */
export function tokenOf(h: RawHash): number {
  return Number(h.get('token')?.toString('utf8') ?? '0');
}
