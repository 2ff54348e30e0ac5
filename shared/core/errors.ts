// Typed errors. Every message names what is wrong and, where it helps, what to do about it.

export class SitqError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem with one setting. */
export interface ConfigurationIssue {
  /** The option's path, e.g. `profiles.prod.poolSize`. */
  option: string;
  /** What was expected, e.g. `a whole number from 1 to 1000`. */
  expected: string;
  /** The value that was given (already redacted by the caller if secret); absent when missing. */
  given?: unknown;
}

/** One or more settings have values they cannot take, or a backend cannot honour an option. */
export class ConfigurationError extends SitqError {
  readonly issues: readonly ConfigurationIssue[];
  constructor(issues: ConfigurationIssue | readonly ConfigurationIssue[]) {
    const list = Array.isArray(issues) ? (issues as readonly ConfigurationIssue[]) : [issues as ConfigurationIssue];
    super(list.map(formatIssue).join('\n'));
    this.issues = list;
  }
  /** The first issue's option, for the common single-problem case. */
  get option(): string {
    return this.issues[0]?.option ?? '';
  }
}

function formatIssue(issue: ConfigurationIssue): string {
  const given = 'given' in issue ? `, got ${describeValue(issue.given)}` : '';
  return `${issue.option}: expected ${issue.expected}${given}`;
}

/** A backend's driver package is not installed (each is an optional peer dependency of sitq: a
 *  user installs only the ones they use). */
export class MissingDriverError extends SitqError {
  constructor(
    readonly backend: string,
    /** The npm package to install, e.g. `pg`. */
    readonly packageName: string,
    options?: { cause?: unknown },
  ) {
    super(`the ${backend} backend needs the npm package "${packageName}", which is not installed: run npm install ${packageName}`, options);
  }
}

/** A backend could not be reached, or lost its connection and could not get it back in time. */
export class ConnectionError extends SitqError {
  constructor(
    readonly backend: string,
    /** Redacted address (no password). */
    readonly address: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${backend} at ${address}: ${reason}`, options);
  }
}

/** A call on a backend that is not connected: connect() was never called, or close() was. Unlike
 *  other connection errors it does not pass by itself, so the worker stops claiming instead of
 *  retrying (and says once what to do) and stop() does not wait for it. */
export class BackendClosedError extends ConnectionError {
  constructor(backend: string, address: string) {
    super(backend, address, 'not connected: connect() was not called, or close() was (call connect() to use it again)');
  }
}

/** connect() found a store (file, schema, key prefix, stream) whose layout version is newer than
 *  this sitq knows: an older sitq could misread it, so it refuses (every backend, the same rule). */
export class LayoutTooNewError extends ConnectionError {
  constructor(
    backend: string,
    address: string,
    readonly found: number,
    readonly supported: number,
  ) {
    super(backend, address, `the store holds sitq layout version ${found}, newer than this sitq knows (${supported}); upgrade sitq`);
  }
}

/** A payload or result cannot be turned into bytes (or back) by the chosen serializer. */
export class SerializationError extends SitqError {}

/** A task ran longer than its timeout; its AbortSignal was aborted. */
export class TaskTimeoutError extends SitqError {
  constructor(
    readonly taskName: string,
    readonly timeoutMs: number,
  ) {
    super(`task ${taskName} did not finish within ${timeoutMs} ms`);
  }
}

/** A worker was handed a task for which it has no handler. */
export class UnknownTaskError extends SitqError {
  constructor(
    readonly taskName: string,
    readonly known: readonly string[],
  ) {
    super(
      `no handler is registered for task "${taskName}" on this worker` +
        ` (it knows: ${known.length ? known.join(', ') : 'nothing'}); requeue it once a worker that has it runs`,
    );
  }
}

/** Thrown by a handler to skip the remaining retries: the task is dead at once. */
export class UnrecoverableError extends SitqError {}

/** The task was cancelled while it ran (`TaskQueue.cancel`): the worker aborts the handler's
 *  `ctx.signal` with this error and reports nothing (the task is already `cancelled`). */
export class TaskCancelledError extends SitqError {
  constructor(
    readonly taskId: string,
    readonly taskName: string,
  ) {
    super(`task ${taskName} (${taskId}) was cancelled while it ran`);
  }
}

/** A completion was reported under a lease that has since been lost (fenced off). */
export class LeaseLostError extends SitqError {
  constructor(readonly taskId: string) {
    super(`the lease on task ${taskId} was lost; another attempt owns it now`);
  }
}

/**
 * Makes `instanceof cls` hold for an instance made by any copy of sitq, not only this one. A
 * handler's module imports sitq from its project's node_modules, and the worker running it may be
 * another copy (the desktop app's and the extension's core are bundles; a monorepo may install
 * two), so the errors a handler throws (UnrecoverableError) or finds as `ctx.signal.reason`
 * (TaskCancelledError, TaskTimeoutError, LeaseLostError) are recognised by a mark set on the class's
 * prototype under a `Symbol.for` key. A subclass keeps the ordinary check. Copies older than this
 * mark are not recognised. The name is given, not read from `cls.name`: a user's minifier may
 * rename the class in one copy and not in the other.
 */
function recogniseAcrossCopies(cls: abstract new (...args: never[]) => Error, name: string): void {
  const mark = Symbol.for(`sitq.${name}`);
  Object.defineProperty(cls.prototype, mark, { value: true });
  Object.defineProperty(cls, Symbol.hasInstance, {
    value(this: unknown, value: unknown): boolean {
      if (this !== cls) return Function.prototype[Symbol.hasInstance].call(this, value);
      return typeof value === 'object' && value !== null && (value as { [mark]?: unknown })[mark] === true;
    },
  });
}
recogniseAcrossCopies(UnrecoverableError, 'UnrecoverableError');
recogniseAcrossCopies(TaskCancelledError, 'TaskCancelledError');
recogniseAcrossCopies(TaskTimeoutError, 'TaskTimeoutError');
recogniseAcrossCopies(LeaseLostError, 'LeaseLostError');

export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid Date' : `the Date ${value.toISOString()}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Most characters of a thrown non-Error's JSON kept as the task's error message. */
const THROWN_VALUE_MAX_CHARS = 2000;

/** Longest error name, message and stack a task record keeps (characters): a record has a fixed
 *  room for its fields besides payload and result (TASK_RECORD_RESERVE_BYTES), and a huge message
 *  must not make the record too big to store. */
const ERROR_NAME_MAX_CHARS = 200;
const ERROR_MESSAGE_MAX_CHARS = 4000;
const ERROR_STACK_MAX_CHARS = 8000;

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Turns anything thrown into the `{ name, message, stack }` that a task record keeps. */
export function toTaskError(err: unknown): { name: string; message: string; stack?: string } {
  const e = describeThrown(err);
  const out: { name: string; message: string; stack?: string } = {
    name: cut(e.name, ERROR_NAME_MAX_CHARS),
    message: cut(e.message, ERROR_MESSAGE_MAX_CHARS),
  };
  if (e.stack !== undefined) out.stack = cut(e.stack, ERROR_STACK_MAX_CHARS);
  return out;
}

function describeThrown(err: unknown): { name: string; message: string; stack?: string } {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  if (typeof err === 'string') return { name: 'Error', message: err };
  // A thrown plain object (`throw { code: 42 }`) keeps its content: its JSON, cut to a readable size.
  let json: string | undefined;
  try {
    json = JSON.stringify(err);
  } catch {
    json = undefined; // a cycle, a BigInt, a throwing toJSON: fall back to its kind
  }
  const message = json === undefined ? describeValue(err) : cut(json, THROWN_VALUE_MAX_CHARS);
  const name =
    err && typeof err === 'object' && typeof (err as { name?: unknown }).name === 'string' ? (err as { name: string }).name : 'Error';
  return { name, message };
}
