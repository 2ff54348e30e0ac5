// One task a Worker has claimed, while it runs: its event fields, its lazily made abort signal,
// the lease deadline, and the errors a stop ends it with.
import { SitqError } from './errors.js';
import type { ProgressReporter } from './progress-reporter.js';
import type { TaskProgress } from './progress.js';
import type { TaskContext } from './tasks.js';
import type { TaskTrace } from './tracing.js';
import type { ClaimedTask, TaskErrorInfo } from './types.js';

export interface WorkerTaskEvent {
  taskId: string;
  name: string;
  queue: string;
  attempt: number;
  /** Epoch ms of the event. */
  at: number;
  enqueuedAt: number;
  /** Run time so far (finished events). */
  durationMs?: number;
  error?: TaskErrorInfo;
  /** For retried: when the next attempt may start. */
  nextRunAt?: number;
}

/** One claimed task. Its AbortController is made only if the handler reads `ctx.signal`: at
 *  thousands of tasks a second, creating one per task was the worker's largest cost. */
export class Running {
  private controller: AbortController | undefined;
  private abortedWith: unknown;
  private rejectRun: ((reason: unknown) => void) | undefined;
  readonly event: WorkerTaskEvent;
  /** Its OpenTelemetry spans (a no-op when tracing is off). */
  trace: TaskTrace | undefined;
  /** performance.now() by which the lease surely still holds: counted from when the claim (or the
   *  last renewal that kept it) was sent, so the server's own expiry is never earlier. */
  leaseUntil: number;

  constructor(
    readonly claimed: ClaimedTask,
    readonly startedAt: number,
    leaseUntil: number,
  ) {
    this.leaseUntil = leaseUntil;
    const { record } = claimed;
    this.event = {
      taskId: record.id,
      name: record.name,
      queue: record.queue,
      attempt: record.attempts,
      at: startedAt,
      enqueuedAt: record.enqueuedAt,
    };
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortedWith !== undefined) this.controller.abort(this.abortedWith);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.abortedWith !== undefined) return;
    this.abortedWith = reason;
    this.controller?.abort(reason);
    this.rejectRun?.(reason);
  }

  /** Settles with the work, or rejects as soon as the task is aborted. */
  race<T>(work: Promise<T>): Promise<T> {
    if (this.abortedWith !== undefined) return Promise.reject(this.abortedWith);
    return new Promise<T>((resolve, reject) => {
      this.rejectRun = reject;
      work.then(resolve, reject);
    });
  }
}

/** The `ctx` a handler gets. A class rather than an object literal: a literal with a getter (for
 *  the lazily made signal) took V8 microseconds to create, more than the rest of a task's start.
 *  `progress` and `log` stay own functions, so a handler may take them off `ctx`; the running task
 *  is a private field, so the context shows nothing else. */
export class HandlerContext implements TaskContext {
  readonly taskId: string;
  readonly name: string;
  readonly queue: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Set only when the task has headers (absent, not undefined, otherwise). */
  declare readonly headers?: Readonly<Record<string, string>>;
  readonly progress: (value: TaskProgress) => void;
  readonly log: (line: string) => void;
  readonly #running: Running;

  constructor(running: Running, reporter: ProgressReporter) {
    const { claimed } = running;
    const { record } = claimed;
    this.taskId = record.id;
    this.name = record.name;
    this.queue = record.queue;
    this.attempt = record.attempts;
    this.maxAttempts = record.maxAttempts;
    if (record.headers) (this as { headers?: Readonly<Record<string, string>> }).headers = record.headers;
    this.progress = (value) => reporter.progress(claimed, value);
    this.log = (line) => reporter.log(claimed, line);
    this.#running = running;
  }

  get signal(): AbortSignal {
    return this.#running.signal;
  }
}

export class WorkerStoppedError extends SitqError {
  constructor() {
    super('the worker was stopped before the task finished');
  }
}

/** A claimed task given back unstarted on stop: not a failure, nothing to report. */
export class TaskReleasedError extends SitqError {
  constructor() {
    super('the task was given back unstarted');
  }
}

/** The task events a Worker emits (its `on(...)` names). */
export type TaskEventName = 'claimed' | 'started' | 'succeeded' | 'failed' | 'retried' | 'dead' | 'lease-lost' | 'cancelled';

export interface WorkerEvents {
  claimed: [WorkerTaskEvent];
  started: [WorkerTaskEvent];
  succeeded: [WorkerTaskEvent];
  /** An attempt failed (it is then either retried or dead). */
  failed: [WorkerTaskEvent];
  retried: [WorkerTaskEvent];
  dead: [WorkerTaskEvent];
  /** A report was refused because the lease had been lost; another attempt owns the task. */
  'lease-lost': [WorkerTaskEvent];
  /** The task was cancelled while it ran: its handler's signal was aborted with
   *  TaskCancelledError and nothing is reported (the task is already `cancelled`). */
  cancelled: [WorkerTaskEvent];
  /** A backend call failed; the worker keeps going and retries. */
  'backend-error': [Error];
  warning: [string];
}
