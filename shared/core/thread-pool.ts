// Runs CPU-bound handlers on worker threads so they never block the event loop that renews
// leases. One task per thread at a time; an aborted task's thread is replaced (a busy synchronous
// handler cannot see an abort message, so terminating the thread is the only way to stop it).
import { availableParallelism } from 'node:os';
import { Worker as Thread } from 'node:worker_threads';
import { ConfigurationError, SitqError, UnrecoverableError } from './errors.js';
import type { TaskProgress } from './progress.js';
import type { TaskContext } from './tasks.js';
import { activeTraceHeaders } from './tracing.js';
import type { TaskErrorInfo } from './types.js';

export interface ThreadPoolOptions {
  /** Path of a module exporting the task definitions to run on threads. */
  module: string;
  /** Number of threads. Default: available cores − 1 (at least 1). */
  size?: number;
}

/** The context's plain data (its functions stay here: a thread's ctx.progress and ctx.log come
 *  back as messages). */
export type ThreadContext = Pick<TaskContext, 'taskId' | 'name' | 'queue' | 'attempt' | 'maxAttempts' | 'headers'> & {
  /** The process span's context as W3C headers (tracing.ts), when tracing is on. */
  trace?: Record<string, string>;
};
type ToThread = { type: 'run'; id: number; name: string; payload: Uint8Array; serializer: string; context: ThreadContext };
export type FromThread =
  | { type: 'ready'; names: string[] }
  | { type: 'load-failed'; message: string }
  | { type: 'done'; id: number; result: Uint8Array }
  | { type: 'progress'; id: number; value: unknown }
  | { type: 'log'; id: number; line: string }
  | { type: 'error'; id: number; error: TaskErrorInfo; unrecoverable: boolean };

interface Job {
  id: number;
  message: ToThread;
  taskId: string;
  resolve: (bytes: Uint8Array) => void;
  reject: (err: unknown) => void;
  signal: AbortSignal;
  context: TaskContext;
}

interface Slot {
  thread: Thread;
  job: Job | undefined;
}

export class ThreadPool {
  private readonly size: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private names = new Set<string>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: ThreadPoolOptions) {
    const size = options.size ?? Math.max(1, availableParallelism() - 1);
    if (!Number.isInteger(size) || size < 1 || size > 256)
      throw new ConfigurationError({ option: 'worker.threads.size', expected: 'a whole number from 1 to 256', given: size });
    if (typeof options.module !== 'string' || !options.module)
      throw new ConfigurationError({ option: 'worker.threads.module', expected: 'a path to a task module', given: options.module });
    this.size = size;
  }

  get taskNames(): string[] {
    return [...this.names];
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  async start(): Promise<void> {
    for (let i = 0; i < this.size; i++) this.slots.push(await this.spawn());
  }

  run(name: string, payload: Uint8Array, serializer: string, context: TaskContext): Promise<Uint8Array> {
    const { signal, taskId, queue, attempt, maxAttempts, headers } = context;
    const plain: ThreadContext = headers
      ? { taskId, name: context.name, queue, attempt, maxAttempts, headers }
      : { taskId, name: context.name, queue, attempt, maxAttempts };
    // The worker runs this inside the task's process span: the thread continues that trace.
    const trace = activeTraceHeaders();
    if (trace) plain.trace = trace;
    return new Promise<Uint8Array>((resolve, reject) => {
      const id = this.nextId++;
      const job: Job = {
        id,
        taskId,
        message: { type: 'run', id, name, payload, serializer, context: plain },
        resolve,
        reject,
        signal,
        context,
      };
      signal.addEventListener('abort', () => void this.abort(job), { once: true });
      this.queue.push(job);
      this.dispatch();
    });
  }

  /** Removes jobs not yet handed to a thread; returns their task ids (the worker releases them). */
  takeQueued(): string[] {
    return this.queue.splice(0).map((j) => j.taskId);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.thread.terminate()));
    this.slots.length = 0;
  }

  private spawn(): Promise<Slot> {
    const thread = new Thread(new URL('./thread-entry.js', import.meta.url), { workerData: { module: this.options.module } });
    const slot: Slot = { thread, job: undefined };
    return new Promise<Slot>((resolve, reject) => {
      thread.once('error', reject);
      thread.on('message', (msg: FromThread) => {
        if (msg.type === 'ready') {
          this.names = new Set(msg.names);
          thread.off('error', reject);
          thread.on('error', (err) => this.finish(slot, (job) => job.reject(err)));
          thread.once('exit', (code) => {
            if (this.closed || !this.slots.includes(slot)) return;
            const job = slot.job;
            slot.job = undefined;
            job?.reject(new SitqError(`the worker thread running this task exited (code ${code})`));
            void this.replace(slot);
          });
          resolve(slot);
        } else if (msg.type === 'load-failed') {
          reject(
            new ConfigurationError({
              option: 'worker.threads.module',
              expected: `a module that loads in a worker thread (${msg.message})`,
              given: this.options.module,
            }),
          );
        } else if (msg.type === 'progress' || msg.type === 'log') {
          // The thread checked the value already; a task that has ended meanwhile is ignored.
          const job = slot.job;
          if (job?.id !== msg.id) return;
          if (msg.type === 'progress') job.context.progress(msg.value as TaskProgress);
          else job.context.log(msg.line);
        } else if (msg.type === 'done') {
          this.finish(slot, (job) => job.resolve(msg.result));
        } else {
          const err = msg.unrecoverable
            ? new UnrecoverableError(msg.error.message)
            : Object.assign(new Error(msg.error.message), { name: msg.error.name, stack: msg.error.stack });
          this.finish(slot, (job) => job.reject(err));
        }
      });
    });
  }

  private finish(slot: Slot, settle: (job: Job) => void): void {
    const job = slot.job;
    slot.job = undefined;
    if (job) settle(job);
    this.dispatch();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.job || this.queue.length === 0) continue;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.thread.postMessage(job.message);
    }
  }

  private async abort(job: Job): Promise<void> {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      job.reject(job.signal.reason);
      return;
    }
    const slot = this.slots.find((s) => s.job === job);
    if (!slot) return;
    slot.job = undefined;
    job.reject(job.signal.reason ?? new SitqError('aborted'));
    await this.replace(slot);
  }

  /** Takes a thread out of service (so nothing is dispatched to it) and starts a fresh one. */
  private async replace(slot: Slot): Promise<void> {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    await slot.thread.terminate();
    if (this.closed) return;
    this.slots.push(await this.spawn());
    this.dispatch();
  }
}
