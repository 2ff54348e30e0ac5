// Task definitions: a name plus a handler. Passing a definition (not just its name) to
// TaskQueue.enqueue carries its payload and result types through to getResult.
import type { TaskProgress } from './progress.js';

export interface TaskContext {
  readonly taskId: string;
  readonly name: string;
  readonly queue: string;
  /** 1 on the first attempt. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Aborted on the task's timeout, when the worker is forced to stop, or when the lease is lost. */
  readonly signal: AbortSignal;
  /** The headers the task was enqueued with (the W3C `traceparent` among them); absent when none. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Reports progress: a number from 0 to 100 or a small JSON object (at most 1 KiB). Stored with
   *  the task (getTask's `progress`) within about 200 ms, in one write with every other change of
   *  this worker's tasks; a bad value throws a ConfigurationError naming `ctx.progress`. */
  progress(value: TaskProgress): void;
  /** Appends a line (each line break starts another) to the task's log, stored like progress and
   *  kept across attempts: the last 1,000 lines / 64 KiB, the oldest dropped (`logDropped`). */
  log(line: string): void;
}

export type TaskHandler<P = unknown, R = unknown> = (payload: P, context: TaskContext) => R | Promise<R>;

export interface TaskDefinition<P = unknown, R = unknown> {
  readonly name: string;
  readonly handler: TaskHandler<P, R>;
}

/** Declares a task. `defineTask('email.send', async (p: { to: string }) => ({ sent: true }))`. */
export function defineTask<P, R>(name: string, handler: TaskHandler<P, R>): TaskDefinition<P, Awaited<R>> {
  return { name, handler: handler as TaskHandler<P, Awaited<R>> };
}

export type TaskSet = readonly TaskDefinition<never, unknown>[] | Readonly<Record<string, TaskHandler<never, unknown>>>;

/** Normalises the forms a user may pass (`[defineTask(...)]` or `{ name: handler }`) to a map. */
export function toHandlerMap(tasks: TaskSet | undefined): Map<string, TaskHandler> {
  const map = new Map<string, TaskHandler>();
  if (!tasks) return map;
  if (Array.isArray(tasks)) {
    for (const def of tasks as readonly TaskDefinition<never, unknown>[]) map.set(def.name, def.handler as TaskHandler);
  } else {
    for (const [name, handler] of Object.entries(tasks as Record<string, TaskHandler<never, unknown>>))
      map.set(name, handler as TaskHandler);
  }
  return map;
}
