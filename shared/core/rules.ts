// The one source of the rules a task's values must meet: queue and task names, priority, attempts,
// delay and timeout limits, the task states. The core's enqueue validation, the CLI, the dashboard
// forms and the VS Code input boxes all check with these, so a value one accepts the others accept.
// Zod-free and dependency-free on purpose: the UI bundle and the extension import it as it is.
import { ConfigurationError, describeValue } from './errors.js';

/**
 * Where a task is in its life.
 * - `pending`: ready to run now (its `runAt` has passed).
 * - `delayed`: waiting for its `runAt` (a delayed enqueue, or a retry's backoff).
 * - `running`: claimed by a worker under a lease.
 * - `succeeded`, `dead` (failed for good: attempts used up, unrecoverable, or unknown and
 *   left for a requeue), `cancelled`: finished.
 */
export type TaskState = 'pending' | 'delayed' | 'running' | 'succeeded' | 'dead' | 'cancelled';

/** Every state, in the order of a task's life (the order the UIs show them in). */
export const TASK_STATES: readonly TaskState[] = ['pending', 'delayed', 'running', 'succeeded', 'dead', 'cancelled'];

export const FINISHED_STATES: readonly TaskState[] = ['succeeded', 'dead', 'cancelled'];

export function isTaskState(value: unknown): value is TaskState {
  return typeof value === 'string' && (TASK_STATES as readonly string[]).includes(value);
}

/** Queue names travel in keys and subjects: letters, digits, `_` and `-` only. */
export const QUEUE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
export const QUEUE_NAME_EXPECTED = 'a queue name of 1-64 letters, digits, "_" or "-"';
export const DEFAULT_QUEUE = 'default';

/** A schedule name: one state-key word ("nightly-report", "sync_users"). */
export const SCHEDULE_NAME = /^[A-Za-z0-9_=-]{1,128}$/;
export const SCHEDULE_NAME_EXPECTED = '1-128 letters, digits, "_", "-" or "="';

/** A coordination-state key: "/"-separated words of letters, digits, "_", "-" and "=" (a form every
 *  backend stores as is, JetStream KV included), at most 255 characters. */
export const STATE_KEY = /^[A-Za-z0-9_=-]+(?:\/[A-Za-z0-9_=-]+)*$/;
export const STATE_KEY_MAX_LENGTH = 255;
/** The most bytes one coordination-state value may hold. */
export const STATE_VALUE_MAX_BYTES = 64 * 1024;

/** For every backend's state calls: a ConfigurationError naming the option unless the key, the
 *  prefix ("" or a key followed by "/"), the value or the version is well formed. */
export function checkStateArgs(args: { key?: unknown; prefix?: unknown; value?: unknown; version?: unknown }): void {
  const issues: { option: string; expected: string; given: unknown }[] = [];
  if ('key' in args && !(typeof args.key === 'string' && args.key.length <= STATE_KEY_MAX_LENGTH && STATE_KEY.test(args.key))) {
    issues.push({
      option: 'state.key',
      expected: `"/"-separated words of letters, digits, "_", "-" or "=", at most ${STATE_KEY_MAX_LENGTH} characters`,
      given: args.key,
    });
  }
  if (
    'prefix' in args &&
    !(typeof args.prefix === 'string' && (args.prefix === '' || (args.prefix.endsWith('/') && STATE_KEY.test(args.prefix.slice(0, -1)))))
  ) {
    issues.push({ option: 'state.prefix', expected: 'an empty string or a state key followed by "/"', given: args.prefix });
  }
  if ('value' in args && !(typeof args.value === 'string' && utf8Length(args.value) <= STATE_VALUE_MAX_BYTES)) {
    issues.push({
      option: 'state.value',
      expected: `a string of at most ${STATE_VALUE_MAX_BYTES} bytes`,
      given: typeof args.value === 'string' ? `${utf8Length(args.value)} bytes` : args.value,
    });
  }
  if ('version' in args && args.version !== undefined && !(Number.isInteger(args.version) && (args.version as number) >= 0)) {
    issues.push({ option: 'state.version', expected: 'a whole number >= 0', given: args.version });
  }
  if (issues.length > 0) throw new ConfigurationError(issues);
}

// TextEncoder, not Buffer: the UIs import these rules too.
const utf8Length = (text: string): number => new TextEncoder().encode(text).length;

export const TASK_NAME = /^[A-Za-z0-9_.:\-/]{1,200}$/;
export const TASK_NAME_EXPECTED = 'a task name of 1-200 letters, digits or . _ : - /';

/** Ten years: anything later is a mistake (ms vs s), not a plan. */
export const MAX_DELAY_MS = 10 * 365 * 24 * 3600 * 1000;

/** An inclusive range of whole numbers, and the noun the messages use for it. */
export interface WholeNumberRange {
  readonly min: number;
  readonly max: number;
  readonly what: string;
}

/** Higher runs first. */
export const PRIORITY: WholeNumberRange = { min: 0, max: 9, what: 'a priority' };
export const MAX_PRIORITY = PRIORITY.max;
export const MAX_ATTEMPTS: WholeNumberRange = { min: 1, max: 1000, what: 'a number of attempts' };
export const DEFAULT_MAX_ATTEMPTS = 3;
export const DELAY_MS: WholeNumberRange = { min: 0, max: MAX_DELAY_MS, what: 'a delay in ms' };
export const TIMEOUT_MS: WholeNumberRange = { min: 1, max: MAX_DELAY_MS, what: 'a timeout in ms' };
/** A schedule's `catchUpLimit` (catch-up policy 'all'): how many missed ticks it enqueues at most. */
export const CATCH_UP_LIMIT: WholeNumberRange = { min: 1, max: 1000, what: 'a number of ticks' };
export const DEFAULT_CATCH_UP_LIMIT = 100;
/** Task headers (`EnqueueOptions.headers`): small string pairs that travel with the task, such as
 *  the W3C trace context (`traceparent`, `tracestate`) an OpenTelemetry span continues from.
 *  Names are letters, digits, "_", "-" and "." (HTTP header names sitq can store anywhere); values
 *  are strings without NUL; at most HEADERS_MAX_COUNT pairs and HEADERS_MAX_BYTES of UTF-8 in all
 *  (names plus values), so a task record stays small on every backend. */
export const HEADER_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
export const HEADERS_MAX_COUNT = 32;
export const HEADERS_MAX_BYTES = 8 * 1024;

/** What is wrong with a headers object (undefined when it is fine). */
export function headersIssue(value: unknown, option = 'headers'): RuleIssue | undefined {
  const expected = `an object of at most ${HEADERS_MAX_COUNT} string values without NUL, names of 1-128 letters, digits, "_", "-" or ".", at most ${HEADERS_MAX_BYTES} bytes in all`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { option, expected, given: value };
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > HEADERS_MAX_COUNT) return { option, expected, given: `${entries.length} headers` };
  let bytes = 0;
  for (const [name, v] of entries) {
    if (!HEADER_NAME.test(name))
      return { option: `${option}.${name}`, expected: 'a header name of 1-128 letters, digits, "_", "-" or "."', given: name };
    if (typeof v !== 'string' || v.includes('\0')) return { option: `${option}.${name}`, expected: 'a string without NUL (\\0)', given: v };
    bytes += utf8Length(name) + utf8Length(v);
  }
  if (bytes > HEADERS_MAX_BYTES) return { option, expected, given: `${bytes} bytes` };
  return undefined;
}

/** How many tasks one enqueue request from a dashboard or the extension may create. */
export const ENQUEUE_COUNT: WholeNumberRange = { min: 1, max: 100_000, what: 'a count' };

/** What is wrong with one value: the option, what was expected, and the value given. */
export interface RuleIssue {
  option: string;
  expected: string;
  given?: unknown;
}

/** `queue: expected a queue name of 1-64 letters, digits, "_" or "-", got "a.b"` — the same text a
 *  ConfigurationError carries. */
export function issueMessage(issue: RuleIssue): string {
  const given = 'given' in issue ? `, got ${describeValue(issue.given)}` : '';
  return `${issue.option}: expected ${issue.expected}${given}`;
}

export function rangeExpected(range: WholeNumberRange): string {
  return `${range.what}: a whole number from ${withThousands(range.min)} to ${withThousands(range.max)}`;
}

/** 100000 → "100,000". Not toLocaleString: schemas call this when their module loads, and the
 *  first toLocaleString of a process starts ICU, which cost the core process's start ~10 ms. */
function withThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function queueNameIssue(value: unknown, option = 'queue'): RuleIssue | undefined {
  return typeof value === 'string' && QUEUE_NAME.test(value) ? undefined : { option, expected: QUEUE_NAME_EXPECTED, given: value };
}

/** For the backends' own checks: a ConfigurationError naming the option unless `queue` is a queue name. */
export function assertQueueName(queue: unknown, option = 'queue'): asserts queue is string {
  const issue = queueNameIssue(queue, option);
  if (issue) throw new ConfigurationError(issue);
}

export function taskNameIssue(value: unknown, option = 'task name'): RuleIssue | undefined {
  return typeof value === 'string' && TASK_NAME.test(value) ? undefined : { option, expected: TASK_NAME_EXPECTED, given: value };
}

export function rangeIssue(range: WholeNumberRange, value: unknown, option: string): RuleIssue | undefined {
  const ok = typeof value === 'number' && Number.isInteger(value) && value >= range.min && value <= range.max;
  return ok ? undefined : { option, expected: rangeExpected(range), given: value };
}

const message = (issue: RuleIssue | undefined): string | undefined => (issue ? issueMessage(issue) : undefined);

export const checkQueueName = (value: unknown, option = 'queue'): string | undefined => message(queueNameIssue(value, option));
export const checkScheduleName = (value: unknown, option = 'name'): string | undefined =>
  message(typeof value === 'string' && SCHEDULE_NAME.test(value) ? undefined : { option, expected: SCHEDULE_NAME_EXPECTED, given: value });
export const checkTaskName = (value: unknown, option = 'task name'): string | undefined => message(taskNameIssue(value, option));
export const checkPriority = (value: unknown, option = 'priority'): string | undefined => message(rangeIssue(PRIORITY, value, option));
export const checkMaxAttempts = (value: unknown, option = 'maxAttempts'): string | undefined =>
  message(rangeIssue(MAX_ATTEMPTS, value, option));
export const checkDelay = (value: unknown, option = 'delay'): string | undefined => message(rangeIssue(DELAY_MS, value, option));
export const checkTimeout = (value: unknown, option = 'timeout'): string | undefined => message(rangeIssue(TIMEOUT_MS, value, option));
export const checkEnqueueCount = (value: unknown, option = 'count'): string | undefined =>
  message(rangeIssue(ENQUEUE_COUNT, value, option));

/** A whole number as typed into a form field or input box: " 12 " and "1e3" are 12 and 1000;
 *  "", "1.5" and "abc" are not whole numbers. */
export function parseWholeNumber(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Checks a typed whole number against a range: undefined when it is fine, else the message. */
export function checkTypedWholeNumber(range: WholeNumberRange, text: string, option: string): string | undefined {
  const n = parseWholeNumber(text);
  return message(rangeIssue(range, n ?? text, option));
}

/** Checks a comma-separated list of queue names as typed ("a, b"); empty entries are mistakes. */
export function checkTypedQueueList(text: string, option = 'queues'): string | undefined {
  for (const q of text.split(',').map((s) => s.trim())) {
    const problem = checkQueueName(q, option);
    if (problem) return problem;
  }
  return undefined;
}

/** A payload typed as JSON text; empty text means `null` (as the dashboards and the extension send it). */
export function checkPayloadJson(text: string, option = 'payload'): string | undefined {
  if (text.trim() === '') return undefined;
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    return `${option}: expected JSON (${(err as Error).message})`;
  }
}

/** listTasks paging: the page size every backend accepts, and its default. */
export const LIST_LIMIT: WholeNumberRange = { min: 1, max: 1000, what: 'a page size' };
export const DEFAULT_LIST_LIMIT = 50;
export const LIST_OFFSET: WholeNumberRange = { min: 0, max: Number.MAX_SAFE_INTEGER, what: 'an offset' };

/** A listTasks query with its defaults applied, once checked. */
export interface CheckedListQuery {
  queue: string | undefined;
  state: TaskState | undefined;
  limit: number;
  offset: number;
}

/** What is wrong with a listTasks query (every backend applies this one check, so a query one
 *  backend refuses the others refuse too: the conformance suite checks it). */
export function listQueryIssues(query: { queue?: unknown; state?: unknown; limit?: unknown; offset?: unknown }): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const limit = query.limit ?? DEFAULT_LIST_LIMIT;
  const offset = query.offset ?? 0;
  const whole = (v: unknown, range: WholeNumberRange) => typeof v === 'number' && Number.isInteger(v) && v >= range.min && v <= range.max;
  if (!whole(limit, LIST_LIMIT))
    issues.push({ option: 'listTasks.limit', expected: `a whole number from ${LIST_LIMIT.min} to ${LIST_LIMIT.max}`, given: limit });
  if (!whole(offset, LIST_OFFSET)) issues.push({ option: 'listTasks.offset', expected: 'a whole number >= 0', given: offset });
  if (query.state !== undefined && !isTaskState(query.state))
    issues.push({ option: 'listTasks.state', expected: `one of ${TASK_STATES.join(', ')}`, given: query.state });
  if (query.queue !== undefined && typeof query.queue !== 'string')
    issues.push({ option: 'listTasks.queue', expected: 'a queue name', given: query.queue });
  return issues;
}

/** The query with its defaults, or a ConfigurationError naming every bad argument. */
export function checkListQuery(query: { queue?: string; state?: TaskState; limit?: number; offset?: number }): CheckedListQuery {
  const issues = listQueryIssues(query);
  if (issues.length > 0) throw new ConfigurationError(issues);
  return { queue: query.queue, state: query.state, limit: query.limit ?? DEFAULT_LIST_LIMIT, offset: query.offset ?? 0 };
}

/** Most tasks one Backend.prune call deletes. */
export const PRUNE_LIMIT_MAX = 10_000;

/** For every backend's prune: a ConfigurationError naming each bad argument. */
export function checkPruneOptions(options: {
  queue?: unknown;
  state?: unknown;
  finishedBefore?: unknown;
  keepNewest?: unknown;
  limit?: unknown;
}): void {
  const issues: { option: string; expected: string; given: unknown }[] = [];
  const whole = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
  if (typeof options.queue !== 'string' || !QUEUE_NAME.test(options.queue))
    issues.push({ option: 'prune.queue', expected: QUEUE_NAME_EXPECTED, given: options.queue });
  if (typeof options.state !== 'string' || !FINISHED_STATES.includes(options.state as TaskState))
    issues.push({ option: 'prune.state', expected: `one of ${FINISHED_STATES.join(', ')}`, given: options.state });
  if (options.finishedBefore !== undefined && !(typeof options.finishedBefore === 'number' && Number.isFinite(options.finishedBefore)))
    issues.push({ option: 'prune.finishedBefore', expected: 'an epoch time in ms', given: options.finishedBefore });
  if (options.keepNewest !== undefined && !whole(options.keepNewest, 0, Number.MAX_SAFE_INTEGER))
    issues.push({ option: 'prune.keepNewest', expected: 'a whole number >= 0', given: options.keepNewest });
  if (!whole(options.limit, 1, PRUNE_LIMIT_MAX))
    issues.push({ option: 'prune.limit', expected: `a whole number from 1 to ${PRUNE_LIMIT_MAX}`, given: options.limit });
  if (issues.length > 0) throw new ConfigurationError(issues);
}
