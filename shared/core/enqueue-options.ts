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
  headersIssue,
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
  queue: z
    .string()
    .refine((q) => queueNameIssue(q) === undefined, QUEUE_NAME_EXPECTED)
    .optional(),
  delay: wholeNumber(DELAY_MS).optional(),
  runAt: z.union([z.date(), z.number().int().min(0)], { error: 'a valid Date or epoch ms (a whole number >= 0)' }).optional(),
  maxAttempts: wholeNumber(MAX_ATTEMPTS).optional(),
  backoff: backoffSchema.optional(),
  priority: wholeNumber(PRIORITY).optional(),
  // PostgreSQL text cannot hold NUL, and a key must mean the same on every backend.
  idempotencyKey: z
    .string()
    .min(1)
    .max(256)
    .refine((k) => !k.includes('\0'), 'a key of 1-256 characters without NUL (\\0)')
    .optional(),
  timeout: wholeNumber(TIMEOUT_MS).optional(),
  headers: z
    .record(z.string(), z.string())
    .superRefine((h, ctx) => {
      const issue = headersIssue(h);
      // The issue's option is `headers` or `headers.<name>`: the name becomes the path.
      if (issue)
        ctx.addIssue({
          code: 'custom',
          message: issue.expected,
          input: issue.given,
          path: issue.option === 'headers' ? [] : [issue.option.slice('headers.'.length)],
        });
    })
    .optional(),
});

export type EnqueueOptions = z.input<typeof enqueueOptionsSchema>;

/** Enqueue options checked once, shared by every task of one call. */
export interface ResolvedEnqueueOptions {
  queue: string;
  priority: number;
  runAt: number;
  maxAttempts: number;
  backoff: BackoffOptions;
  timeoutMs: number | undefined;
  idempotencyKey: string | undefined;
  /** Absent when none were given (an empty object counts as none). */
  headers: Record<string, string> | undefined;
}

type ParsedEnqueueOptions = z.output<typeof enqueueOptionsSchema>;

/**
 * Options seen recently, by their content: most callers pass the same few small literals
 * (`{ queue: 'emails' }`) on every call, and the schema check costs more than the rest of an
 * enqueue's own work. Only options whose values are all strings, numbers or booleans are kept
 * (a key made of their text and types cannot mix up two inputs); only successful checks.
 */
const parsedCache = new Map<string, ParsedEnqueueOptions>();
const PARSED_CACHE_SIZE = 64;

function cacheKey(options: EnqueueOptions): string | undefined {
  let key = '';
  for (const name in options) {
    const value = (options as Record<string, unknown>)[name];
    const type = typeof value;
    if (type !== 'string' && type !== 'number' && type !== 'boolean' && type !== 'undefined') return undefined;
    key += `${name}\u0001${type[0]}${String(value)}\u0002`;
  }
  return key;
}

function parseEnqueueOptions(options: EnqueueOptions | undefined): ParsedEnqueueOptions {
  const input = options ?? {};
  const key = typeof input === 'object' && input !== null && !Array.isArray(input) ? cacheKey(input) : undefined;
  if (key !== undefined) {
    const hit = parsedCache.get(key);
    if (hit) return hit;
  }
  const parsed = parseOptions(enqueueOptionsSchema, input, 'enqueue options');
  if (key !== undefined) {
    if (parsedCache.size >= PARSED_CACHE_SIZE) parsedCache.delete(parsedCache.keys().next().value!);
    parsedCache.set(key, Object.freeze(parsed));
  }
  return parsed;
}

/** Checks enqueue options (once per call, however many tasks it stores) against `now`. */
export function resolveEnqueueOptions(options: EnqueueOptions | undefined, now: number): ResolvedEnqueueOptions {
  const o = parseEnqueueOptions(options);
  if (o.delay !== undefined && o.runAt !== undefined) {
    throw new ConfigurationError({ option: 'enqueue options.runAt', expected: 'either delay or runAt, not both', given: o.runAt });
  }
  const runAt = o.runAt !== undefined ? (o.runAt instanceof Date ? o.runAt.getTime() : o.runAt) : now + (o.delay ?? 0);
  if (!Number.isFinite(runAt))
    throw new ConfigurationError({ option: 'enqueue options.runAt', expected: 'a valid date', given: String(o.runAt) });
  return {
    queue: o.queue ?? DEFAULT_QUEUE,
    priority: o.priority ?? 0,
    runAt,
    maxAttempts: o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    backoff: o.backoff ? { ...DEFAULT_BACKOFF, ...o.backoff } : DEFAULT_BACKOFF,
    timeoutMs: o.timeout,
    idempotencyKey: o.idempotencyKey,
    headers: o.headers && Object.keys(o.headers).length > 0 ? { ...o.headers } : undefined,
  };
}

/** The last name assertTaskName passed: a producer names the same task call after call. */
let lastTaskName: string | undefined;

/** Throws unless `name` is a valid task name. */
export function assertTaskName(name: unknown): asserts name is string {
  if (name === lastTaskName) return;
  const issue = taskNameIssue(name);
  if (issue) throw new ConfigurationError(issue);
  lastTaskName = name as string;
}

/** The record a backend stores for one task (name checked, options resolved, payload already bytes). */
export function newTaskFrom(
  id: string,
  name: string,
  payload: Uint8Array,
  serializer: string,
  o: ResolvedEnqueueOptions,
  now: number,
): NewTask {
  const task: NewTask = {
    id,
    queue: o.queue,
    name,
    payload,
    serializer,
    priority: o.priority,
    runAt: o.runAt,
    enqueuedAt: now,
    maxAttempts: o.maxAttempts,
    backoff: o.backoff,
  };
  if (o.timeoutMs !== undefined) task.timeoutMs = o.timeoutMs;
  if (o.idempotencyKey !== undefined) task.idempotencyKey = o.idempotencyKey;
  if (o.headers !== undefined) task.headers = o.headers;
  return task;
}

/** Checks a task name and options and builds the record a backend stores (payload already bytes). */
export function buildNewTask(
  id: string,
  name: string,
  payload: Uint8Array,
  serializer: string,
  options: EnqueueOptions | undefined,
  now: number,
): NewTask {
  assertTaskName(name);
  return newTaskFrom(id, name, payload, serializer, resolveEnqueueOptions(options, now), now);
}
