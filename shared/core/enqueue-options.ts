// What a caller may say about a task when enqueuing it, validated before anything is written.
import { z } from 'zod';
import { DEFAULT_BACKOFF } from './backoff.js';
import { ConfigurationError } from './errors.js';
import type { BackoffOptions, NewTask } from './types.js';
import {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_QUEUE,
  DELAY_MS,
  MAX_ATTEMPTS,
  PRIORITY,
  QUEUE_NAME_EXPECTED,
  TIMEOUT_MS,
  queueNameIssue,
  rangeExpected,
  rangeIssue,
  taskNameIssue,
  type WholeNumberRange,
} from './rules.js';
import { parseOptions } from './validate.js';

// The rules themselves live in rules.ts (zod-free, shared with the UIs and the extension); these
// re-exports keep the older import sites working.
export { DEFAULT_MAX_ATTEMPTS, MAX_PRIORITY, QUEUE_NAME, TASK_NAME } from './rules.js';

/** A whole number within one of the shared ranges, with the range's own "expected" text. */
const wholeNumber = (range: WholeNumberRange) => z.number().refine((n) => rangeIssue(range, n, '') === undefined, rangeExpected(range));

const backoffSchema = z.strictObject({
  type: z.enum(['exponential', 'fixed']).optional(),
  baseMs: wholeNumber(DELAY_MS).optional(),
  maxMs: wholeNumber(DELAY_MS).optional(),
  jitter: z.number().min(0).max(1).optional(),
});

export const enqueueOptionsSchema = z.strictObject({
  queue: z.string().refine((q) => queueNameIssue(q) === undefined, QUEUE_NAME_EXPECTED).optional(),
  delay: wholeNumber(DELAY_MS).optional(),
  runAt: z.union([z.date(), z.number().int().min(0)], { error: 'a valid Date or epoch ms (a whole number >= 0)' }).optional(),
  maxAttempts: wholeNumber(MAX_ATTEMPTS).optional(),
  backoff: backoffSchema.optional(),
  priority: wholeNumber(PRIORITY).optional(),
  // PostgreSQL text cannot hold NUL, and a key must mean the same on every backend.
  idempotencyKey: z.string().min(1).max(256).refine((k) => !k.includes('\0'), 'a key of 1-256 characters without NUL (\\0)').optional(),
  timeout: wholeNumber(TIMEOUT_MS).optional(),
});

export type EnqueueOptions = z.input<typeof enqueueOptionsSchema>;

/** Checks a task name and options and builds the record a backend stores (payload already bytes). */
export function buildNewTask(
  id: string,
  name: string,
  payload: Uint8Array,
  serializer: string,
  options: EnqueueOptions | undefined,
  now: number,
): NewTask {
  const nameIssue = taskNameIssue(name);
  if (nameIssue) throw new ConfigurationError(nameIssue);
  const o = parseOptions(enqueueOptionsSchema, options ?? {}, 'enqueue options');
  if (o.delay !== undefined && o.runAt !== undefined) {
    throw new ConfigurationError({ option: 'enqueue options.runAt', expected: 'either delay or runAt, not both', given: o.runAt });
  }
  const runAt = o.runAt !== undefined ? (o.runAt instanceof Date ? o.runAt.getTime() : o.runAt) : now + (o.delay ?? 0);
  if (!Number.isFinite(runAt)) throw new ConfigurationError({ option: 'enqueue options.runAt', expected: 'a valid date', given: String(o.runAt) });
  const backoff: BackoffOptions = { ...DEFAULT_BACKOFF, ...o.backoff };
  const task: NewTask = {
    id,
    queue: o.queue ?? DEFAULT_QUEUE,
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
