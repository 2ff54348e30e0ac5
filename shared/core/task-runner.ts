// Runs one claimed task for a Worker: decodes its payload, calls its handler (inline or on the
// thread pool) within its timeout, and reports the outcome (succeeded, retry or dead) through the
// batched completions, after the task's last progress and log lines. The Worker keeps the claim
// loop, the leases and the lifecycle; it hands each task here and is told when its slot is free.
import type { Backend } from './backend.js';
import { backoffDelay } from './backoff.js';
import type { Batcher } from './batcher.js';
import { LeaseLostError, TaskCancelledError, TaskTimeoutError, UnknownTaskError, UnrecoverableError, toTaskError } from './errors.js';
import type { HistoryWriter } from './history-writer.js';
import type { Logger } from './logger.js';
import { ProgressReporter } from './progress-reporter.js';
import {
  HandlerContext,
  TaskReleasedError,
  WorkerStoppedError,
  type Running,
  type TaskEventName,
  type WorkerTaskEvent,
} from './running-task.js';
import { serializerNamed, type Serializer } from './serializers.js';
import { checkResultSize } from './task-size.js';
import type { TaskContext, TaskHandler } from './tasks.js';
import type { ThreadPool } from './thread-pool.js';
import type { Completion, TaskErrorInfo, TaskRecord } from './types.js';
import type { WorkerTrouble } from './worker-trouble.js';

export interface TaskRunnerOptions {
  backend: Backend;
  /** Inline handlers by name; a name not here may be on the pool. */
  handlers: Map<string, TaskHandler>;
  pool: ThreadPool | undefined;
  leaseMs: number;
  /** The worker's default timeout (a task's own wins). */
  taskTimeout: number | undefined;
  logger: Logger;
  trouble: WorkerTrouble;
  completer: Batcher<Completion, boolean>;
  history: HistoryWriter | undefined;
  /** The task no longer needs a slot: its report may still be on its way (see `reporting`). */
  freeSlot(r: Running): void;
  /** A report ended: the claim loop may have been waiting for fewer reports in flight. */
  reportEnded(): void;
  /** Whether anyone listens to `kind`: the hot path builds an event only then. */
  listening(kind: TaskEventName): boolean;
  emit(kind: TaskEventName, event: WorkerTaskEvent): void;
  /** A handler's synchronous stretch blocked the event loop for `blockedMs`. */
  warnBlocked(blockedMs: number, culprit: string): void;
}

export class TaskRunner {
  private readonly inReport = new Set<Running>();
  private readonly counts = { processed: 0, failed: 0 };
  /** ctx.progress / ctx.log: batched writes, each task's settled before its completion. */
  private readonly progressReporter: ProgressReporter;

  constructor(private readonly options: TaskRunnerOptions) {
    this.progressReporter = new ProgressReporter(options.backend, (err, what) => options.trouble.backendError(err, what));
  }

  /** Finished tasks whose completion is on its way to the backend: they no longer take a slot (so
   *  the next claim overlaps the completion's round trip), but the worker still renews their leases. */
  get reporting(): ReadonlySet<Running> {
    return this.inReport;
  }

  /** Outcomes the backend took, for the worker's live numbers. */
  get stats(): Readonly<{ processed: number; failed: number }> {
    return this.counts;
  }

  /** Task names this worker can run. */
  get taskNames(): string[] {
    return [...this.options.handlers.keys(), ...(this.options.pool?.taskNames ?? [])];
  }

  /** Runs the handler and reports its outcome (never rejects: a failure is reported as one). */
  async run(r: Running): Promise<void> {
    const { record, lease } = r.claimed;
    const { backend, pool } = this.options;
    const timeoutMs = record.timeoutMs ?? this.options.taskTimeout;
    const timer = timeoutMs ? setTimeout(() => r.abort(new TaskTimeoutError(record.name, timeoutMs)), timeoutMs) : undefined;
    try {
      // A record another version wrote (an unknown serializer) or corrupted bytes will never
      // decode: it is dead at once with the reason, and the worker carries on with the others.
      let serializer: Serializer;
      let payload: unknown;
      try {
        serializer = serializerNamed(record.serializer);
        payload = serializer.deserialize(record.payload);
      } catch (err) {
        throw new UnrecoverableError(
          `the stored payload of task ${record.id} (${record.name}) could not be decoded with serializer "${record.serializer}": ${(err as Error).message}`,
          { cause: err },
        );
      }
      const handler = this.options.handlers.get(record.name);
      const inPool = !handler && pool?.has(record.name);
      if (!handler && !inPool) throw new UnknownTaskError(record.name, this.taskNames);
      // A worker that was frozen (SIGSTOP, a blocked loop) between the claim and this line may hold
      // a lease that ran out meanwhile, and another worker may already run the task: starting the
      // handler would repeat its side effects for nothing. Such a claim goes back unstarted.
      if (performance.now() >= r.leaseUntil - leaseMargin(this.options.leaseMs)) {
        await this.giveBackLapsed(r);
        return;
      }
      if (this.options.listening('started')) this.options.emit('started', { ...r.event, at: Date.now() });
      const context = new HandlerContext(r, this.progressReporter);
      const inline = inPool ? undefined : handler;
      const value = await r.race(
        r.trace
          ? r.trace.run(() => this.startHandler(inline, record, payload, context))
          : this.startHandler(inline, record, payload, context),
      );
      let result: Uint8Array;
      try {
        result = inPool ? (value as Uint8Array) : serializer.serialize(value);
      } catch (err) {
        throw new UnrecoverableError(`the result could not be serialized: ${(err as Error).message}`);
      }
      // A result the backend cannot store would fail its report forever (and hold up stop()).
      checkResultSize(record.payload.length, result.length, backend.taskSizeLimit(), backend.kind);
      await this.report(r, { lease, outcome: 'succeeded', result, finishedAt: Date.now() }, 'succeeded');
    } catch (err) {
      await this.fail(r, err);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  /** Starts the task's handler: `handler` inline, or (undefined) the one on the thread pool. */
  private startHandler(handler: TaskHandler | undefined, record: TaskRecord, payload: unknown, context: TaskContext): Promise<unknown> {
    if (handler) return this.runInline(handler, payload, context);
    return this.options.pool!.run(record.name, record.payload, record.serializer, context);
  }

  /** Calls an inline handler; a synchronous stretch long enough to starve lease renewal is
   *  reported at once, naming the task (the loop watcher catches the async ones). */
  private async runInline(handler: TaskHandler, payload: unknown, context: TaskContext): Promise<unknown> {
    // eslint-disable-next-line @typescript-eslint/await-thenable -- on purpose: yields once, so the handler starts on a fresh microtask (see above)
    await undefined;
    const t0 = performance.now();
    const pending = handler(payload, context);
    const blocked = Math.round(performance.now() - t0);
    if (blocked > this.options.leaseMs / 3) this.options.warnBlocked(blocked, `${context.name} (${context.taskId})`);
    return pending;
  }

  private async fail(r: Running, err: unknown): Promise<void> {
    const { progressReporter } = this;
    if (err instanceof TaskReleasedError) {
      progressReporter.forget(r.event.taskId);
      return;
    }
    if (err instanceof TaskCancelledError) {
      // The backend already holds it `cancelled` with its lease fenced: nothing to report.
      progressReporter.forget(r.event.taskId);
      this.emitTask('cancelled', () => ({ ...r.event, at: Date.now(), durationMs: Date.now() - r.startedAt }));
      return;
    }
    const { record, lease } = r.claimed;
    const error = toTaskError(err);
    const finishedAt = Date.now();
    this.emitTask('failed', () => ({ ...r.event, at: finishedAt, durationMs: finishedAt - r.startedAt, error }));
    if (err instanceof LeaseLostError) {
      progressReporter.forget(record.id);
      return; // another attempt owns it; nothing to report
    }
    const final = err instanceof UnrecoverableError || err instanceof UnknownTaskError || record.attempts >= record.maxAttempts;
    if (final) {
      await this.report(r, { lease, outcome: 'dead', error, finishedAt }, 'dead', error);
      return;
    }
    // A task cut short by a stop did not fail on its own: it may run again at once.
    const delay = err instanceof WorkerStoppedError ? 0 : backoffDelay(record.backoff, record.attempts);
    await this.report(r, { lease, outcome: 'retry', error, runAt: finishedAt + delay, finishedAt }, 'retried', error, finishedAt + delay);
  }

  private async report(
    r: Running,
    completion: Completion,
    kind: 'succeeded' | 'dead' | 'retried',
    error?: TaskErrorInfo,
    nextRunAt?: number,
  ): Promise<void> {
    let accepted: boolean;
    this.inReport.add(r);
    this.options.freeSlot(r);
    const settled = r.trace?.settle(kind);
    try {
      // The handler's last progress and log lines go first: a completion ends the lease they need.
      // (Nothing to wait for, and no await, when the handler reported none.)
      const progress = this.progressReporter.settle(r.event.taskId);
      if (progress) await progress;
      accepted = await this.options.completer.add(completion);
      settled?.(accepted);
    } catch (err) {
      settled?.(err instanceof Error ? err : new Error(String(err)));
      return; // given up (never by default); the lease brings the task back
    } finally {
      this.inReport.delete(r);
      this.options.reportEnded();
    }
    const emitted = accepted ? kind : 'lease-lost';
    if (accepted) {
      if (kind === 'succeeded') this.counts.processed++;
      else this.counts.failed++;
      this.options.history?.record(r.event.queue, kind, completion.finishedAt, completion.finishedAt - r.startedAt);
    }
    if (!this.options.listening(emitted)) return;
    const e: WorkerTaskEvent = { ...r.event, at: completion.finishedAt, durationMs: completion.finishedAt - r.startedAt };
    if (error) e.error = error;
    if (nextRunAt !== undefined) e.nextRunAt = nextRunAt;
    this.options.emit(emitted, e);
  }

  /** A claim whose lease ran out before its handler started: handed back (a no-op on the server if
   *  another worker holds it now), reported as `lease-lost`, never run here. */
  private async giveBackLapsed(r: Running): Promise<void> {
    const lateMs = Math.round(performance.now() - r.leaseUntil);
    this.options.logger.warn(
      `task ${r.event.name} (${r.event.taskId}) was not started: its lease ran out ${lateMs >= 0 ? `${lateMs} ms ago` : 'about now'} before its handler could start (was this worker frozen?); it was handed back`,
    );
    r.abort(new TaskReleasedError());
    await this.options.backend
      .release([r.claimed.lease])
      .catch((err) => this.options.trouble.backendError(err, 'handing back a task whose lease ran out failed; it returns after its lease'));
    this.emitTask('lease-lost', () => ({ ...r.event, at: Date.now() }));
  }

  /** Emits an event off the hot path, building it only when someone listens. */
  private emitTask(kind: TaskEventName, make: () => WorkerTaskEvent): void {
    if (this.options.listening(kind)) this.options.emit(kind, make());
  }
}

/** How much lease a handler must still have to start: a tenth of it, at most 1 s (the next renewal
 *  is at most a third of the lease away, and a claim's round trip is normally far shorter). */
function leaseMargin(leaseMs: number): number {
  return Math.min(1000, leaseMs / 10);
}
