// Task records to script arguments and back. A record is a hash (layout in
// scripts/includes/common.lua): its fixed part travels as one JSON field `m` that only this file
// reads and writes, so a claim hands back six values per task instead of a whole hash.
import { isUtf8 } from 'node:buffer';
import { wireLines } from '../../core/events.js';
import type { TaskProgress, TaskReport } from '../../core/progress.js';
import type { BackoffOptions, Completion, Lease, NewTask, TaskErrorInfo, TaskRecord, TaskState } from '../../core/types.js';
import type { ScriptArg } from './scripts.js';

/** A Uint8Array as a Buffer without copying (ioredis sends only Buffers as raw bytes). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Most bytes sent as a string by bytesArg (beyond it the copy ioredis makes of a Buffer costs
 *  less than decoding and re-encoding the text). */
const TEXT_ARG_MAX_BYTES = 16 * 1024;

/**
 * Bytes as a script argument. ioredis writes a command that has any Buffer argument through a
 * slower path (each argument pushed to a list, then all copied into a new Buffer: about 10 µs more
 * per enqueue here than the same command all in strings, client CPU and round trip alike), and a
 * string argument as its UTF-8 bytes. So bytes that are valid UTF-8 — every JSON payload — travel
 * as the string they decode to, which encodes back to the same bytes; others (v8, binary) and
 * large ones as a Buffer. The server stores the same bytes either way.
 */
export function bytesArg(bytes: Uint8Array): ScriptArg {
  const buf = asBuffer(bytes);
  return buf.length <= TEXT_ARG_MAX_BYTES && isUtf8(buf) ? buf.toString('utf8') : buf;
}

/** What `m` holds: the fields of a record that never change after enqueue. */
interface FixedPart {
  id: string;
  queue: string;
  name: string;
  serializer: string;
  priority: number;
  enqueuedAt: number;
  maxAttempts: number;
  backoff: BackoffOptions;
  timeoutMs?: number;
  idempotencyKey?: string;
  headers?: Record<string, string>;
}

function fixedPart(t: NewTask): FixedPart {
  const m: FixedPart = {
    id: t.id,
    queue: t.queue,
    name: t.name,
    serializer: t.serializer,
    priority: t.priority,
    enqueuedAt: t.enqueuedAt,
    maxAttempts: t.maxAttempts,
    backoff: t.backoff,
  };
  if (t.timeoutMs !== undefined) m.timeoutMs = t.timeoutMs;
  if (t.idempotencyKey !== undefined) m.idempotencyKey = t.idempotencyKey;
  if (t.headers !== undefined) m.headers = t.headers;
  return m;
}

/** enqueue.lua's 8 arguments for one task. */
export function taskArgs(t: NewTask): ScriptArg[] {
  return [
    t.id,
    JSON.stringify(fixedPart(t)),
    bytesArg(t.payload),
    t.priority,
    t.runAt,
    t.maxAttempts,
    t.enqueuedAt,
    t.idempotencyKey ?? '',
  ];
}

export function leaseArgs(lease: Lease): ScriptArg[] {
  return [lease.taskId, lease.owner, String(lease.token)];
}

/** report.lua's 8 arguments for one report ('' stands for none). */
export function reportArgs(r: TaskReport): ScriptArg[] {
  const progress = r.progress === undefined ? '' : JSON.stringify(r.progress);
  const log = r.log.lines.length === 0 ? '' : JSON.stringify(r.log.lines);
  const newLines = r.newLines.length === 0 ? '' : JSON.stringify(wireLines(r.newLines));
  return [...leaseArgs(r.lease), progress, log, r.log.dropped, r.progressChanged ? 1 : 0, newLines];
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

function withOptional(rec: TaskRecord, optional: Partial<TaskRecord>): TaskRecord {
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) Object.assign(rec, { [key]: value });
  return rec;
}

/** A stored record (HGETALL), or null when the hash is empty (no such task). `now` (ms) shows a
 *  delayed task whose runAt has passed as pending, as the contract defines it, before a claim or
 *  a listing moves it. */
export function decodeStored(h: Record<string, Buffer>, now: number): TaskRecord | null {
  if (!h.m) return null;
  const str = (k: string) => h[k]?.toString('utf8');
  const num = (k: string) => (h[k] === undefined ? undefined : Number(h[k].toString('utf8')));
  const fixed = JSON.parse(str('m')!) as FixedPart;
  const stored = str('state') as TaskState;
  const runAt = num('runAt') ?? fixed.enqueuedAt;
  const running = stored === 'running';
  return withOptional(
    {
      ...fixed,
      payload: h.payload ?? Buffer.alloc(0),
      runAt,
      state: stored === 'delayed' && runAt <= now ? 'pending' : stored,
      attempts: num('attempts') ?? 0,
    },
    {
      startedAt: num('startedAt'),
      finishedAt: num('finishedAt'),
      result: h.result,
      error: h.error ? (JSON.parse(str('error')!) as TaskErrorInfo) : undefined,
      // The hash keeps the last lease's owner and expiry; they describe the task only while it runs.
      leaseOwner: running ? str('owner') : undefined,
      leaseExpiresAt: running ? num('leaseExp') : undefined,
      progress: h.progress?.length ? (JSON.parse(str('progress')!) as TaskProgress) : undefined,
      log: h.log?.length ? (JSON.parse(str('log')!) as string[]) : undefined,
      logDropped: num('logDropped') || undefined,
    },
  );
}

/** claim.lua's reply: now, nextAt, then per task six values (m, payload, runAt, attempts, token,
 *  error or ''), flat, so neither side builds a table or array per task. */
export const CLAIMED_WIDTH = 6;
export type ClaimReply = (Buffer | number)[];

/** The task starting at `at` in a claim reply. The parsed `m` becomes the record itself (no copy:
 *  this runs once per claimed task). */
export function decodeClaimed(
  reply: ClaimReply,
  at: number,
  lease: { owner: string; now: number; expiresAt: number },
): { record: TaskRecord; token: number } {
  const record = JSON.parse((reply[at] as Buffer).toString('utf8')) as TaskRecord;
  record.payload = reply[at + 1] as Buffer;
  record.runAt = reply[at + 2] as number;
  record.state = 'running';
  record.attempts = reply[at + 3] as number;
  record.startedAt = lease.now;
  record.leaseOwner = lease.owner;
  record.leaseExpiresAt = lease.expiresAt;
  const error = reply[at + 5] as Buffer;
  if (error.length > 0) record.error = JSON.parse(error.toString('utf8')) as TaskErrorInfo;
  return { record, token: reply[at + 4] as number };
}
