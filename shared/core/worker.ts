// The consumer's side: claims what it has room for, runs handlers, renews leases, reports.
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { LEASE_EXPIRED_ERROR, type Backend } from './backend.js';
import { Batcher, RETRY_PAUSE_CAP_MS } from './batcher.js';
import { CancelWatch } from './cancel-watch.js';
import { LeaseLostError, SitqError, TaskCancelledError } from './errors.js';
import { RetentionKeeper } from './retention.js';
import { newWorkerId } from './ids.js';
import { HistoryWriter } from './history-writer.js';
import { Tracing } from './tracing.js';
import { QueueControls, type SettingsSnapshot } from './queue-controls.js';
import { consoleLogger, type Logger } from './logger.js';
import { Scheduler } from './scheduler.js';
import { toHandlerMap } from './tasks.js';
import { TaskRunner } from './task-runner.js';
import { TEST_TASKS } from './test-tasks.js';
import { ThreadPool } from './thread-pool.js';
import type { ClaimedTask, Completion, WorkerInfo } from './types.js';
import {
  Running,
  TaskReleasedError,
  WorkerStoppedError,
  type TaskEventName,
  type WorkerEvents,
  type WorkerTaskEvent,
} from './running-task.js';
import { abortableSleep, watchEventLoop, withinMs } from './timers.js';
import { Heartbeats } from './worker-heartbeats.js';
import { WorkerTrouble } from './worker-trouble.js';
import { validateWorkerOptions, type WorkerOptions } from './worker-options.js';

export type { WorkerEvents, WorkerTaskEvent } from './running-task.js';
export type { WorkerOptions } from './worker-options.js';

/** How long aborted tasks get to end after a stop's timeout. */
const ABORT_GRACE_MS = 5_000;
/** The least time a stop gives its final report of results, even when the timeout is used up. */
const FINAL_FLUSH_MIN_MS = 1_000;

export class Worker extends EventEmitter<WorkerEvents> {
  readonly id: string;
  private readonly backend: Backend;
  private readonly queues: string[];
  private readonly maxConcurrency: number;
  private readonly pollInterval: number;
  private readonly leaseMs: number;
  private readonly logger: Logger;
  private readonly pool: ThreadPool | undefined;
  private readonly scheduler: Scheduler | undefined;
  private readonly cancelWatch: CancelWatch;
  /** Backend failures: logged, emitted, or said once when the backend was closed under it. */
  private readonly trouble: WorkerTrouble;
  private readonly retention: RetentionKeeper | undefined;
  private readonly running = new Map<string, Running>();
  /** Runs each task begun here and reports its outcome (its `reporting` set: results on their way). */
  private readonly runner: TaskRunner;
  private readonly completer: Batcher<Completion, boolean>;
  private readonly history: HistoryWriter | undefined;
  private readonly tracing: Tracing;
  private claimAbort = new AbortController();
  private state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  /** The one stop in progress (a second stop() call waits for it). */
  private stopping: Promise<void> | undefined;
  /** Resolved when the last running task ends (waitForIdle). */
  private readonly idleWaiters = new Set<() => void>();
  private loopDone: Promise<void> = Promise.resolve();
  private slotWaiter: (() => void) | undefined;
  private timers: NodeJS.Timeout[] = [];
  /** The maintenance round in flight (lease renewals, then the heartbeat), if any. */
  private maintenance: Promise<void> | undefined;
  private readonly heartbeats: Heartbeats;
  /** Set while a task that came back from an expired lease runs alone, or while the worker waits
   *  for its running tasks to finish (their results recorded) so that such a task can run alone next. */
  private isolating = false;
  private startedAt = 0;
  /** Pause, rate limit and maxRunning of this worker's queues (queue-controls.ts). */
  private readonly controls: QueueControls;

  constructor(backend: Backend, options: WorkerOptions = {}) {
    super();
    this.backend = backend;
    this.id = options.id ?? newWorkerId();
    this.queues = [...(options.queues ?? ['default'])];
    this.maxConcurrency = options.maxConcurrency ?? 10;
    this.pollInterval = options.pollInterval ?? 1000;
    this.leaseMs = options.lease ?? 30_000;
    // Undefined with history off: it writes nothing, so its interval is not checked.
    const historyFlushMs = typeof options.history === 'object' ? options.history.flushInterval : undefined;
    // Every option is checked before any part below is built from it.
    validateWorkerOptions(this.queues, this.maxConcurrency, this.pollInterval, this.leaseMs, options.taskTimeout, historyFlushMs);
    this.logger = options.logger ?? consoleLogger;
    this.trouble = new WorkerTrouble({
      workerId: this.id,
      logger: this.logger,
      onBackendError: (error) => {
        if (this.listenerCount('backend-error') > 0) this.emit('backend-error', error);
      },
    });
    this.heartbeats = new Heartbeats({
      send: async () => {
        const info = this.info;
        await this.backend.heartbeat(info, this.leaseMs);
        return info.running;
      },
      running: () => this.running.size,
      onError: (err) => this.trouble.loopError(err, 'reporting the running count failed; it goes with the next heartbeat'),
    });
    const handlers = toHandlerMap(options.includeTestTasks === false ? undefined : TEST_TASKS);
    for (const [name, handler] of toHandlerMap(options.tasks)) handlers.set(name, handler);
    this.pool = options.threads ? new ThreadPool(options.threads) : undefined;
    this.tracing = new Tracing(options.tracing !== false);
    if (options.history !== false) this.history = new HistoryWriter(backend, { flushMs: historyFlushMs, logger: this.logger });
    this.scheduler =
      options.schedules === false
        ? undefined
        : new Scheduler(backend, { logger: this.logger, reportedByOwner: (err) => this.trouble.closedUnder(err) });
    this.cancelWatch = new CancelWatch(backend, {
      running: () => this.running,
      onCancel: (taskId) => this.cancelRunning(taskId),
      onError: (err) => this.trouble.loopError(err, 'looking for cancelled tasks failed; retrying'),
    });
    this.retention =
      options.retention === false
        ? undefined
        : new RetentionKeeper(
            backend,
            this.id,
            this.logger,
            (err) => this.trouble.loopError(err, 'retention failed; retrying at the next pass'),
            options.retention,
          );
    this.completer = new Batcher({
      flush: (items) => this.backend.complete(items),
      onError: (err, attempt) => this.trouble.backendError(err, `reporting results failed (try ${attempt}); retrying`),
      maxBatch: 500,
      // No retry brings a closed backend back: those tasks run again after their lease.
      shouldRetry: () => !this.trouble.backendClosed,
    });
    this.runner = new TaskRunner({
      backend,
      handlers,
      pool: this.pool,
      leaseMs: this.leaseMs,
      taskTimeout: options.taskTimeout,
      logger: this.logger,
      trouble: this.trouble,
      completer: this.completer,
      history: this.history,
      freeSlot: (r) => this.freeSlot(r),
      reportEnded: () => this.wakeClaimLoop(),
      listening: (kind) => this.listening(kind),
      emit: (kind, event) => this.emit(kind, event),
      warnBlocked: (blockedMs, culprit) => this.warnBlocked(blockedMs, culprit),
    });
    this.controls = new QueueControls({
      backend,
      workerId: this.id,
      queues: this.queues,
      leaseMs: this.leaseMs,
      pollInterval: this.pollInterval,
      runningIn: (queue) => this.runningIn(queue),
      interruptClaim: () => this.interruptClaim(),
      mayClaim: () => this.state === 'running' && !this.isolating,
      release: (tasks) =>
        this.backend
          .release(tasks.map((c) => c.lease))
          .catch((err) =>
            this.trouble.backendError(err, 'handing back tasks a pause or limit held back failed; they return after their lease'),
          ),
      warn: (message, cause) => {
        if (!this.trouble.closedUnder(cause)) this.logger.warn(message);
      },
    });
  }

  /** Task names this worker can run. */
  get taskNames(): string[] {
    return this.runner.taskNames;
  }

  /** Live numbers for the tools. */
  get info(): WorkerInfo {
    return {
      id: this.id,
      hostname: hostname(),
      pid: process.pid,
      queues: this.queues,
      concurrency: this.maxConcurrency,
      startedAt: this.startedAt,
      seenAt: Date.now(),
      running: this.running.size,
      processed: this.runner.stats.processed,
      failed: this.runner.stats.failed,
    };
  }

  /** Resolves once the worker is claiming. */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new SitqError(`worker ${this.id} was already started`);
    this.state = 'running';
    this.startedAt = Date.now();
    if (this.pool) await this.pool.start();
    await this.tracing.ready();
    await this.heartbeats.beat();
    await this.controls.start();
    const every = Math.max(20, Math.floor(this.leaseMs / 3));
    this.timers.push(setInterval(() => void this.maintain(), every));
    this.timers.push(watchEventLoop(this.leaseMs, (blockedMs) => this.warnBlocked(blockedMs)));
    this.loopDone = this.claimLoop();
    this.scheduler?.start();
    this.cancelWatch.start();
    this.retention?.start();
  }

  /**
   * Stops claiming, gives back claimed-but-unstarted tasks at once, waits up to `timeout` ms
   * (default 30 s) for running tasks, then aborts the rest (they are retried later). The final
   * report of results gets what is left of the timeout (at least FINAL_FLUSH_MIN_MS): results
   * still unrecorded then are given up, and those tasks run again after their lease (see
   * docs/semantics.md). So stop returns within about timeout + 5 s (the aborted tasks' grace) + 1 s,
   * even while the server is down.
   */
  stop(options: { timeout?: number } = {}): Promise<void> {
    if (this.state === 'idle' || this.state === 'stopped') {
      this.state = 'stopped';
      return Promise.resolve();
    }
    this.stopping ??= this.stopNow(options.timeout ?? 30_000);
    return this.stopping;
  }

  private async stopNow(timeout: number): Promise<void> {
    const deadline = Date.now() + timeout;
    this.state = 'stopping';
    this.controls.stop();
    this.claimAbort.abort();
    // A loop waiting for a free slot would otherwise wait for a running task to finish.
    this.wakeClaimLoop();
    await Promise.all([this.loopDone, this.scheduler?.stop()]);
    if (this.pool)
      await this.releaseLeases(
        this.pool
          .takeQueued()
          .map((id) => this.running.get(id))
          .filter(isDefined),
      );
    if (!(await this.waitForIdle(deadline - Date.now()))) {
      for (const r of this.running.values()) r.abort(new WorkerStoppedError());
      await this.waitForIdle(ABORT_GRACE_MS);
    }
    await this.cancelWatch.stop();
    if (this.retention)
      await withinMs(
        this.retention.stop().catch((err) => this.trouble.loopError(err, 'giving up the retention lock failed; it expires')),
        Math.max(FINAL_FLUSH_MIN_MS, deadline - Date.now()),
      );
    const flushBudget = Math.max(FINAL_FLUSH_MIN_MS, deadline - Date.now());
    const flushDeadline = Date.now() + flushBudget;
    const unflushed = await this.completer.drain(flushDeadline);
    if (unflushed > 0)
      this.emit(
        'warning',
        `worker ${this.id} stopped with ${unflushed} result(s) unrecorded after ${flushBudget} ms: the backend did not take them; those tasks run again after their lease`,
      );
    // The history's last counts share the results' budget (so stop's bound above holds).
    await this.history?.stop(flushDeadline);
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.pool) await this.pool.close();
    const lastBudget = Math.max(FINAL_FLUSH_MIN_MS, deadline - Date.now());
    const lastDeadline = Date.now() + lastBudget;
    // A heartbeat still on its way (a slow server, an election) would be stored after the removal
    // below and list this stopped worker again until it expired: the removal waits for it, within
    // the same budget as the removal (so stop's bound holds; past it, the beat expires by itself).
    // So would a running-count heartbeat (runningChanged): none starts from here on.
    await withinMs(Promise.all([this.maintenance, this.heartbeats.stop()]), lastBudget);
    const unregister = this.backend.removeWorker(this.id).catch((err) => this.trouble.backendError(err, 'unregistering the worker failed'));
    // Its maxRunning slots go back with it (queue-controls.ts).
    const giveBackSlots = this.controls
      .finish()
      .catch((err) => this.trouble.backendError(err, 'giving back running-task slots failed; they expire with the lease'));
    // Bounded like the flush: a worker left registered disappears when its heartbeat expires, its
    // slots when their entry does.
    await withinMs(Promise.all([unregister, giveBackSlots]), Math.max(0, lastDeadline - Date.now()));
    this.state = 'stopped';
    this.emit('warning', `worker ${this.id} stopped`);
  }

  private async claimLoop(): Promise<void> {
    let pause = 0;
    while (this.state === 'running') {
      if (this.isolating && this.quiet) this.isolating = false;
      const free = this.maxConcurrency - this.running.size;
      // The next claim goes out while the last batch's completions are being written (claim and
      // report overlap instead of taking turns: on a loaded machine each round trip costs tens of
      // ms), but only while at most maxConcurrency completions are in flight: a backend that takes
      // claims but not completions cannot make the worker hold more than 2 x maxConcurrency leases.
      if (free <= 0 || this.isolating || this.runner.reporting.size > this.maxConcurrency) {
        await new Promise<void>((resolve) => (this.slotWaiter = resolve));
        // Tasks reported in one batch finish in the same tick: let them all free their slots, so
        // the next claim asks for the whole batch instead of one task at a time.
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      try {
        const seen = this.controls.snapshot;
        if (this.controls.active)
          await this.controls.claim(free, (queues, max, waitMs, planned) => this.claimAndBegin(queues, max, waitMs, planned));
        else await this.claimAndBegin(this.queues, free, this.pollInterval, seen);
        pause = 0;
      } catch (err) {
        if (this.state !== 'running') break;
        if (this.trouble.closedUnder(err)) {
          // No retry brings a closed backend back: claim nothing until stop().
          await new Promise((resolve) => {
            if (this.claimAbort.signal.aborted) resolve(undefined);
            else this.claimAbort.signal.addEventListener('abort', resolve, { once: true });
          });
          break;
        }
        pause = Math.min(RETRY_PAUSE_CAP_MS, Math.max(100, pause * 2));
        this.trouble.backendError(err, `claiming failed; trying again in ${pause} ms`);
        await abortableSleep(pause, this.claimAbort.signal);
      }
    }
  }

  /** One claim, decided on the queue settings `seen`; starts what the settings now in force admit
   *  of what it got and answers the queue of each task started. */
  private async claimAndBegin(queues: readonly string[], max: number, waitMs: number, seen: SettingsSnapshot): Promise<string[]> {
    // A round of flow-controlled claims (queue-controls.ts) may call this several times: once a
    // suspect is isolating the worker, the rest of the round claims nothing.
    if (this.state !== 'running' || this.isolating) return [];
    const claimSentAt = performance.now();
    const claimed = await this.backend.claim({
      workerId: this.id,
      queues,
      max,
      leaseMs: this.leaseMs,
      waitMs,
      signal: this.claimAbort.signal,
    });
    if (this.state !== 'running') {
      // Stop came while the claim was in flight: these never started, so they go back now.
      await this.backend
        .release(claimed.map((c) => c.lease))
        .catch((err) => this.trouble.backendError(err, 'releasing unstarted tasks failed; they return after their lease'));
      return [];
    }
    // No queue settings, none stored since the claim was sent: nothing to hold back (admit's own
    // first check, without its promise and settle function per claim).
    if (!this.controls.active && this.controls.snapshot === seen) return this.beginClaimed(claimed, claimSentAt);
    // Settings may have changed while the claim was in flight (a pause, a new limit): they bind it.
    const admission = await this.controls.admit(claimed, seen);
    let started: string[] = [];
    try {
      started = await this.beginClaimed(admission.start, claimSentAt);
      return started;
    } finally {
      await admission.settle(started);
    }
  }

  /** Starts claimed tasks, one that came back from an expired lease alone; answers the queue of
   *  each task started. */
  private async beginClaimed(claimed: ClaimedTask[], claimSentAt: number): Promise<string[]> {
    // Asked once per claim, not per task: a tracer provider registered later is seen from the next claim.
    const traced = this.tracing.active();
    const suspect = claimed.find(cameBackFromExpiredLease);
    if (!suspect) {
      for (const c of claimed) this.begin(c, claimSentAt, traced);
      return claimed.map((c) => c.record.queue);
    }
    // A task whose last run ended without a report may have killed its process. It runs alone,
    // so that if it does so again it takes no other task's attempt with it; the rest of the
    // claim goes back unstarted (a release costs no attempt).
    // With other tasks still running, the suspects go back and the rest start; no claim follows
    // until the running tasks are done, so that the next claim can run a suspect alone.
    // "Done" includes their results being recorded: a suspect that kills the process before a
    // finished task's batched completion is written would cost that task an attempt too.
    this.isolating = true;
    const start = this.quiet ? [suspect] : claimed.filter((c) => !cameBackFromExpiredLease(c));
    const back = claimed.filter((c) => !start.includes(c));
    if (back.length > 0) {
      await this.backend
        .release(back.map((c) => c.lease))
        .catch((err) => this.trouble.backendError(err, 'handing back tasks failed; they return after their lease'));
    }
    for (const c of start) this.begin(c, claimSentAt, traced);
    return start.map((c) => c.record.queue);
  }

  /** Nothing runs and every finished task's result is recorded (or given up). */
  private get quiet(): boolean {
    return this.running.size === 0 && this.runner.reporting.size === 0;
  }

  /** Reads this worker's queue settings now instead of at the next poll (every 250 ms): once it
   *  resolves, no task starts here against settings stored before the call — the claim waiting is
   *  ended, a sleeping round woken, and tasks a claim sent earlier brings back are held to them.
   *  Tasks already running go on. The dashboard calls it on its own workers after it changes a
   *  queue's pause or limits. */
  async refreshQueueSettings(): Promise<void> {
    if (this.state !== 'running') return;
    await this.controls.refreshNow();
  }

  /** Queue settings changed: the claim now waiting ends (empty), so the next one obeys them. */
  private interruptClaim(): void {
    if (this.state !== 'running') return;
    const waiting = this.claimAbort;
    this.claimAbort = new AbortController();
    waiting.abort();
  }

  /** Tasks of `queue` begun here and not yet finished, their reports included. */
  private runningIn(queue: string): number {
    let n = 0;
    for (const r of this.running.values()) if (r.event.queue === queue) n++;
    for (const r of this.runner.reporting) if (r.event.queue === queue && this.running.get(r.event.taskId) !== r) n++;
    return n;
  }

  /** Starts one claimed task; `traced`: it gets spans (Tracing.active, asked once per claim). */
  private begin(claimed: ClaimedTask, claimSentAt: number, traced: boolean): void {
    const { record } = claimed;
    const running = new Running(claimed, Date.now(), claimSentAt + this.leaseMs);
    if (traced) {
      running.trace = this.tracing.task(record);
      running.trace.claimed(running.startedAt - (performance.now() - claimSentAt));
    }
    this.running.set(record.id, running);
    this.heartbeats.runningChanged();
    if (this.listening('claimed')) this.emit('claimed', running.event);
    // execute() frees the slot itself as it ends (no .finally() chain per task).
    void this.execute(running);
  }

  /** The task no longer runs: its slot is free for the next claim. Idempotent. */
  private freeSlot(r: Running): void {
    if (this.running.get(r.event.taskId) === r) {
      this.running.delete(r.event.taskId);
      this.heartbeats.runningChanged();
    }
    if (this.running.size === 0 && this.idleWaiters.size > 0) for (const wake of [...this.idleWaiters]) wake();
    this.wakeClaimLoop();
  }

  private wakeClaimLoop(): void {
    const wake = this.slotWaiter;
    this.slotWaiter = undefined;
    wake?.();
  }

  private async execute(r: Running): Promise<void> {
    try {
      await this.runner.run(r);
    } finally {
      this.freeSlot(r);
      if (this.controls.active) this.controls.taskEnded(r.event.queue);
    }
  }

  /** Renews every running task's lease and the worker's heartbeat in one go. */
  private maintain(): Promise<void> {
    if (this.maintenance || this.state === 'stopped') return this.maintenance ?? Promise.resolve();
    this.maintenance = this.maintainRound().finally(() => (this.maintenance = undefined));
    return this.maintenance;
  }

  private async maintainRound(): Promise<void> {
    try {
      const running = [...this.running.values(), ...this.runner.reporting];
      if (running.length > 0) {
        const sentAt = performance.now();
        const held = await this.backend.renew(
          running.map((r) => r.claimed.lease),
          this.leaseMs,
        );
        const lost: Running[] = [];
        held.forEach((ok, i) => {
          if (ok) running[i].leaseUntil = sentAt + this.leaseMs;
          else if (this.running.get(running[i].event.taskId) === running[i]) lost.push(running[i]);
        });
        for (const r of lost) await this.leaseRefused(r);
      }
      await this.heartbeats.beat();
    } catch (err) {
      this.trouble.backendError(err, 'renewing leases failed; retrying');
    }
  }

  /** A renewal was refused: the task was cancelled (its marker not seen yet), or its lease lost. */
  private async leaseRefused(r: Running): Promise<void> {
    const record = await this.backend.getTask(r.event.taskId).catch(() => null);
    if (record?.state === 'cancelled') {
      this.cancelRunning(r.event.taskId);
      return;
    }
    r.abort(new LeaseLostError(r.event.taskId));
    this.emitTask('lease-lost', () => ({ ...r.event, at: Date.now() }));
  }

  /** Aborts a running task that was cancelled (CancelWatch, or a refused renewal). */
  private cancelRunning(taskId: string): void {
    const r = this.running.get(taskId);
    r?.abort(new TaskCancelledError(taskId, r.event.name));
  }

  private async releaseLeases(list: Running[]): Promise<void> {
    if (list.length === 0) return;
    for (const r of list) r.abort(new TaskReleasedError());
    await this.backend
      .release(list.map((r) => r.claimed.lease))
      .catch((err) => this.trouble.backendError(err, 'releasing unstarted tasks failed; they return after their lease'));
  }

  /** True once no task runs (at once if none does), false after `timeoutMs`. */
  private async waitForIdle(timeoutMs: number): Promise<boolean> {
    if (this.running.size === 0) return true;
    let onIdle!: () => void;
    const idle = new Promise<boolean>((resolve) => {
      onIdle = () => resolve(true);
      this.idleWaiters.add(onIdle);
    });
    try {
      return (await withinMs(idle, Math.max(0, timeoutMs), false)) === true;
    } finally {
      this.idleWaiters.delete(onIdle);
    }
  }

  private warnBlocked(blockedMs: number, culprit?: string): void {
    const names = culprit ? [culprit] : [...this.running.values()].map((r) => `${r.event.name} (${r.event.taskId})`);
    const message =
      `the event loop was blocked for ${blockedMs} ms (lease ${this.leaseMs} ms) while running ${names.join(', ') || 'no task'}; ` +
      'a handler that blocks longer than the lease can be delivered twice — run CPU-bound handlers with the `threads` option';
    this.logger.warn(message);
    this.emit('warning', message);
  }

  /** Whether anyone listens to `kind`: the hot path builds an event only then. */
  private listening(kind: TaskEventName): boolean {
    return this.listenerCount(kind) > 0;
  }

  /** Emits a task event, building its object only when someone listens (the paths off the hot one;
   *  the hot ones ask listening() first, so as not to make the `make` closure per task either). */
  private emitTask(kind: TaskEventName, make: () => WorkerTaskEvent): void {
    if (this.listening(kind)) this.emit(kind, make());
  }
}

/** Claimed again after a run that never reported (its worker died or stalled past the lease):
 *  the reclaim records a LeaseExpiredError on the task, even when an earlier attempt had thrown. */
function cameBackFromExpiredLease(c: ClaimedTask): boolean {
  return c.record.attempts > 1 && c.record.error?.name === LEASE_EXPIRED_ERROR;
}

function isDefined<T>(v: T | undefined): v is T {
  return v !== undefined;
}
