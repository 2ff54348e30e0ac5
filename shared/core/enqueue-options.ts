// What a caller may say about a task when enqueuing it, validated before anything is written.
import { z } from 'zod';
import { DEFAULT_BACKOFF } from './backoff.js';
import { ConfigurationError } from './errors.js';
import type { BackoffOptions, NewTask } from './types.js';
import { parseOptions } from './validate.js';

/** Queue names travel in keys and subjects: letters, digits, `_` and `-` only. */
export const QUEUE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
export const TASK_NAME = /^[A-Za-z0-9_.:\-/]{1,200}$/;
export const MAX_PRIORITY = 9;
/** Ten years: anything later is a mistake (ms vs s), not a plan. */
const MAX_DELAY_MS = 10 * 365 * 24 * 3600 * 1000;

const backoffSchema = z.strictObject({
  type: z.enum(['exponential', 'fixed']).optional(),
  baseMs: z.number().int().min(0).max(MAX_DELAY_MS).optional(),
  maxMs: z.number().int().min(0).max(MAX_DELAY_MS).optional(),
  jitter: z.number().min(0).max(1).optional(),
});

export const enqueueOptionsSchema = z.strictObject({
  queue: z.string().regex(QUEUE_NAME, 'a queue name of 1-64 letters, digits, "_" or "-"').optional(),
  delay: z.number().int().min(0).max(MAX_DELAY_MS).optional(),
  runAt: z.union([z.date(), z.number().int().min(0)], { error: 'a valid Date or epoch ms (a whole number >= 0)' }).optional(),
  maxAttempts: z.number().int().min(1).max(1000).optional(),
  backoff: backoffSchema.optional(),
  priority: z.number().int().min(0).max(MAX_PRIORITY).optional(),
  // PostgreSQL text cannot hold NUL, and a key must mean the same on every backend.
  idempotencyKey: z.string().min(1).max(256).refine((k) => !k.includes('\0'), 'a key of 1-256 characters without NUL (\\0)').optional(),
  timeout: z.number().int().min(1).max(MAX_DELAY_MS).optional(),
});

export type EnqueueOptions = z.input<typeof enqueueOptionsSchema>;

export const DEFAULT_MAX_ATTEMPTS = 3;

/** Checks a task name and options and builds the record a backend stores (payload already bytes). */
export function buildNewTask(
  id: string,
  name: string,
  payload: Uint8Array,
  serializer: string,
  options: EnqueueOptions | undefined,
  now: number,
): NewTask {
  if (typeof name !== 'string' || !TASK_NAME.test(name)) {
    throw new ConfigurationError({ option: 'task name', expected: '1-200 letters, digits or . _ : - /', given: name });
  }
  const o = parseOptions(enqueueOptionsSchema, options ?? {}, 'enqueue options');
  if (o.delay !== undefined && o.runAt !== undefined) {
    throw new ConfigurationError({ option: 'enqueue options.runAt', expected: 'either delay or runAt, not both', given: o.runAt });
  }
  const runAt = o.runAt !== undefined ? (o.runAt instanceof Date ? o.runAt.getTime() : o.runAt) : now + (o.delay ?? 0);
  if (!Number.isFinite(runAt)) throw new ConfigurationError({ option: 'enqueue options.runAt', expected: 'a valid date', given: String(o.runAt) });
  const backoff: BackoffOptions = { ...DEFAULT_BACKOFF, ...o.backoff };
  const task: NewTask = {
    id,
    queue: o.queue ?? 'default',
    name,
    payload,
    serializer,
    priority: o.priority ?? 0,
    runAt,
    enqueuedAt: now,
    maxAttempts: o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    backoff,
  };
  if (o.timeout !== undefined) task.timeoutMs = o.timeout;
  if (o.idempotencyKey !== undefined) task.idempotencyKey = o.idempotencyKey;
  return task;
}
