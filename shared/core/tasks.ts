// Task definitions: a name plus a handler. Passing a definition (not just its name) to
// TaskQueue.enqueue carries its payload and result types through to getResult.

export interface TaskContext {
  readonly taskId: string;
  readonly name: string;
  readonly queue: string;
  /** 1 on the first attempt. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Aborted on the task's timeout, when the worker is forced to stop, or when the lease is lost. */
  readonly signal: AbortSignal;
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
    for (const [name, handler] of Object.entries(tasks as Record<string, TaskHandler<never, unknown>>)) map.set(name, handler as TaskHandler);
  }
  return map;
}
