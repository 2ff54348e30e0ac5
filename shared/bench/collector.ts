// Listens to a Worker's events and turns them into counts, latencies and error tallies.
// Warm-up tasks are excluded by id, so they can never leak into a measured figure.
import type { EventEmitter } from 'node:events';
import type { Worker, WorkerTaskEvent } from '../core/worker.js';
import { BenchmarkAbortedError } from './abort.js';
import { Samples } from './stats.js';
import type { ErrorTally } from './types.js';

/** Wall-clock epoch ms with sub-ms resolution (comparable with Date.now()). */
export const epochNow = (): number => performance.timeOrigin + performance.now();

type TaskEventName = 'started' | 'succeeded' | 'dead' | 'failed' | 'lease-lost';

export class ErrorLog {
  private readonly tallies = new Map<string, ErrorTally>();
  add(source: string, message: string): void {
    const key = `${source}\u0000${message}`;
    const t = this.tallies.get(key);
    if (t) t.count++;
    else this.tallies.set(key, { source, message, count: 1 });
  }
  get total(): number {
    let n = 0;
    for (const t of this.tallies.values()) n += t.count;
    return n;
  }
  list(): ErrorTally[] {
    return [...this.tallies.values()].sort((a, b) => b.count - a.count);
  }
}

export interface CollectorHooks {
  /** Called for every measured task start, with the epoch ms it was seen. */
  onStart?: (taskId: string, at: number) => void;
  /** Called for every measured task end (succeeded or dead). */
  onFinish?: (taskId: string, at: number, succeeded: boolean) => void;
}

export class TaskCollector {
  started = 0;
  succeeded = 0;
  dead = 0;
  /** Epoch ms of the first measured start and the last measured confirmed completion. */
  firstStartAt: number | undefined;
  lastFinishAt: number | undefined;
  /** Backlog latencies (enqueuedAt → event), recorded only while `recordLatency` is true. */
  readonly toStart = new Samples(16_384);
  readonly toFinish = new Samples(16_384);
  recordLatency = true;
  hooks: CollectorHooks = {};
  private lastProgressAt = performance.now();
  private wake: (() => void) | undefined;
  private waitTarget = Number.POSITIVE_INFINITY;
  private readonly detachers: (() => void)[] = [];

  constructor(
    private readonly excluded: ReadonlySet<string>,
    readonly errors: ErrorLog,
  ) {}

  get finished(): number {
    return this.succeeded + this.dead;
  }

  attach(worker: Worker): void {
    // Every task event carries one WorkerTaskEvent; the narrower emitter type says just that.
    const taskEvents = worker as unknown as EventEmitter<Record<TaskEventName, [WorkerTaskEvent]>>;
    const on = (name: TaskEventName, fn: (e: WorkerTaskEvent) => void) => {
      const listener = (e: WorkerTaskEvent) => {
        if (!this.excluded.has(e.taskId)) fn(e);
      };
      taskEvents.on(name, listener);
      this.detachers.push(() => taskEvents.off(name, listener));
    };
    on('started', (e) => {
      const at = epochNow();
      this.started++;
      this.firstStartAt ??= at;
      if (this.recordLatency) this.toStart.push(at - e.enqueuedAt);
      this.hooks.onStart?.(e.taskId, at);
    });
    on('succeeded', (e) => this.finish(e, true));
    on('dead', (e) => {
      this.errors.add('task dead', e.error ? `${e.error.name}: ${e.error.message}` : 'no error given');
      this.finish(e, false);
    });
    on('failed', (e) => this.errors.add('task attempt failed', e.error ? `${e.error.name}: ${e.error.message}` : 'no error given'));
    on('lease-lost', () => this.errors.add('lease lost', 'a completion was refused: the lease had been lost'));
    const onBackendError = (err: Error) => this.errors.add('worker backend call', err.message);
    worker.on('backend-error', onBackendError);
    this.detachers.push(() => worker.off('backend-error', onBackendError));
  }

  detach(): void {
    for (const d of this.detachers.splice(0)) d();
  }

  private finish(e: WorkerTaskEvent, ok: boolean): void {
    const at = epochNow();
    if (ok) this.succeeded++;
    else this.dead++;
    this.lastFinishAt = at;
    this.lastProgressAt = performance.now();
    if (this.recordLatency) this.toFinish.push(at - e.enqueuedAt);
    this.hooks.onFinish?.(e.taskId, at, ok);
    // Only the last task wakes the waiter: no timer or promise per task on the measured path.
    if (this.finished >= this.waitTarget) this.wake?.();
  }

  /**
   * Waits until `target` tasks have finished. Resolves true when they have, false when nothing
   * finished for `stallMs`; rejects with BenchmarkAbortedError when `signal` aborts. `tick` is
   * called every `tickMs` while waiting (for progress reports).
   */
  async waitFinished(target: number, stallMs: number, signal: AbortSignal | undefined, tick?: () => void, tickMs = 200): Promise<boolean> {
    this.lastProgressAt = performance.now();
    this.waitTarget = target;
    try {
      return await this.waitLoop(target, stallMs, signal, tick, tickMs);
    } finally {
      this.waitTarget = Number.POSITIVE_INFINITY;
      this.wake = undefined;
    }
  }

  private async waitLoop(
    target: number,
    stallMs: number,
    signal: AbortSignal | undefined,
    tick: (() => void) | undefined,
    tickMs: number,
  ): Promise<boolean> {
    while (this.finished < target) {
      if (signal?.aborted) throw new BenchmarkAbortedError('the benchmark');
      if (performance.now() - this.lastProgressAt > stallMs) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, tickMs);
        const onAbort = () => done();
        signal?.addEventListener('abort', onAbort, { once: true });
        this.wake = done;
        function done() {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }
      });
      tick?.();
    }
    return true;
  }
}
