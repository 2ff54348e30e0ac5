// The loop every Worker runs (unless told not to) that enqueues the due ticks of the schedules
// stored in its backend (schedules.ts). Any number of schedulers in any number of processes may
// run over one backend: each tick is enqueued exactly once, by two means together —
//  1. the decision to enqueue ticks is a compare-and-set of the schedule's record at the version
//     read (`lastTick` advanced, the ticks written to `pending`): one scheduler wins each decision;
//  2. each tick is enqueued with the idempotency key `schedule:<name>:<tickEpochMs>` and then
//     confirmed (`pending` emptied, `lastRun` set) by a second compare-and-set. Pending ticks left by
//     a scheduler that died between the two are enqueued again by the next one to read them, under
//     the same key, so they are neither lost nor doubled.
// No leader is elected: every scheduler looks at every schedule; losing a race costs one read.
import type { Backend, StateEntry } from './backend.js';
import { newTaskFrom, resolveEnqueueOptions } from './enqueue-options.js';
import { newTaskId } from './ids.js';
import type { Logger } from './logger.js';
import { planTicks, readSchedule, SCHEDULE_PREFIX, Ticks, writeScheduleValue, type StoredSchedule } from './schedules.js';

export interface SchedulerOptions {
  logger: Logger;
  /** The clock (epoch ms). Default Date.now; tests pass their own. */
  now?: () => number;
  /** How often the schedules are read when none is due sooner (ms). Default 1000. */
  intervalMs?: number;
  /** Failures this answers true for are not logged: its owner reports them (the worker a closed
   *  backend, once). */
  reportedByOwner?: (err: unknown) => boolean;
}

export interface SchedulerPass {
  /** Tasks this pass created (a tick another scheduler had already enqueued does not count). */
  created: number;
  /** Ticks this pass enqueued or confirmed, by schedule name (created or found by their key). */
  ticks: Map<string, number[]>;
  /** Epoch ms of the earliest next tick of an active schedule, or null when none is known. */
  nextDueAt: number | null;
}

/** The key each tick's task is enqueued under: the same for every scheduler in every process. */
export function tickIdempotencyKey(name: string, tick: number): string {
  return `schedule:${name}:${tick}`;
}

/** Stops waiting for a pass in progress after this long on stop (the pass itself goes on; what it
 *  leaves half done, the next scheduler finishes under the same keys). */
const STOP_WAIT_MS = 1_000;
/** After losing a race for a schedule, look at it again this soon: the winner normally confirms its
 *  ticks within milliseconds, and if it died, its pending ticks are enqueued by whoever looks next. */
const RECHECK_AFTER_LOST_RACE_MS = 250;
/** The longest wait between two tries while reading the schedules keeps failing. */
const MAX_BACKOFF_MS = 10_000;

export class Scheduler {
  private readonly backend: Backend;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly intervalMs: number;
  private readonly reportedByOwner: (err: unknown) => boolean;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  /** Schedules whose record could not be read are reported once each, not every pass. */
  private readonly reported = new Set<string>();

  constructor(backend: Backend, options: SchedulerOptions) {
    this.backend = backend;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.intervalMs = options.intervalMs ?? 1000;
    this.reportedByOwner = options.reportedByOwner ?? (() => false);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Ends the loop; waits for a pass in progress for at most STOP_WAIT_MS (1 s). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.wake?.();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.loop, new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)))]);
    clearTimeout(timer);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let waitMs = this.intervalMs;
      try {
        const pass = await this.runOnce();
        if (failures > 0) this.logger.info(`the scheduler reads the schedules again after ${failures} failed attempt(s)`);
        failures = 0;
        if (pass.nextDueAt !== null) waitMs = Math.min(this.intervalMs, Math.max(5, pass.nextDueAt - this.now()));
      } catch (err) {
        // A streak of failures (the server is down) is reported once, and retried less often.
        failures += 1;
        waitMs = Math.min(MAX_BACKOFF_MS, this.intervalMs * 2 ** Math.min(failures - 1, 5));
        if (failures === 1 && !this.reportedByOwner(err))
          this.logger.warn(
            `the scheduler could not read the schedules (it keeps trying, at most every ${MAX_BACKOFF_MS / 1000} s): ${(err as Error).message}`,
          );
      }
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.sleepTimer = setTimeout(resolve, waitMs);
      });
    }
  }

  /** One look at every schedule: enqueues what is due at `now`. A backend error on one schedule is
   *  logged and the others go on; listing the schedules failing throws. */
  async runOnce(now = this.now()): Promise<SchedulerPass> {
    const pass: SchedulerPass = { created: 0, ticks: new Map(), nextDueAt: null };
    const entries = await this.backend.listState(SCHEDULE_PREFIX);
    for (const entry of entries) {
      if (entry.key.indexOf('/', SCHEDULE_PREFIX.length) !== -1) continue; // not a schedule's own key
      let record: StoredSchedule;
      try {
        record = readSchedule(entry);
        this.reported.delete(entry.key);
      } catch (err) {
        if (!this.reported.has(entry.key)) this.logger.warn(`${(err as Error).message}; the scheduler skips it`);
        this.reported.add(entry.key);
        continue;
      }
      try {
        const next = await this.tick(entry, record, now, pass);
        if (next !== null && (pass.nextDueAt === null || next < pass.nextDueAt)) pass.nextDueAt = next;
      } catch (err) {
        if (!this.reportedByOwner(err))
          this.logger.warn(`the schedule ${record.name} could not be ticked (tried again on the next pass): ${(err as Error).message}`);
      }
    }
    return pass;
  }

  /** Handles one schedule; answers when it is next due (null: paused, or no more ticks). */
  private async tick(entry: StateEntry, record: StoredSchedule, now: number, pass: SchedulerPass): Promise<number | null> {
    let current = entry;
    let s = record;
    if (s.pending.length > 0) {
      // Decided earlier (maybe by a scheduler that died since): enqueue under the same keys, confirm.
      const confirmed = await this.enqueueAndConfirm(current, s, s.pending, now, pass);
      if (!confirmed) return now + RECHECK_AFTER_LOST_RACE_MS; // someone else moved it on
      ({ entry: current, record: s } = confirmed);
    }
    if (s.paused) return null;
    const plan = planTicks(s, now);
    if (plan) {
      if (plan.skipped > 0)
        this.logger.info(
          `schedule ${s.name}: ${plan.skipped}${plan.skipped > s.catchUpLimit ? '+' : ''} missed tick(s) skipped (catchUp: ${s.catchUp})`,
        );
      const decided: StoredSchedule = { ...s, lastTick: plan.lastTick, pending: plan.enqueue };
      const won = await this.backend.setState(current.key, writeScheduleValue(decided), current.version);
      if (!won) return now + RECHECK_AFTER_LOST_RACE_MS; // another scheduler decided this tick
      current = won;
      s = decided;
      if (plan.enqueue.length > 0) await this.enqueueAndConfirm(current, s, plan.enqueue, now, pass);
    }
    return new Ticks(s.spec, s.anchor).after(s.lastTick);
  }

  /** Enqueues `ticks` (each under its key), then clears `pending` and records the last run with a
   *  compare-and-set at `entry`'s version. Null when that write lost (the ticks are enqueued all
   *  the same; whoever won saw them pending and confirmed them under the same keys). */
  private async enqueueAndConfirm(
    entry: StateEntry,
    s: StoredSchedule,
    ticks: readonly number[],
    now: number,
    pass: SchedulerPass,
  ): Promise<{ entry: StateEntry; record: StoredSchedule } | null> {
    const payload = Buffer.from(s.payload, 'base64');
    let lastRun = s.lastRun;
    for (const tick of ticks) {
      const options = resolveEnqueueOptions(
        {
          queue: s.queue,
          runAt: tick,
          idempotencyKey: tickIdempotencyKey(s.name, tick),
          ...(s.priority !== undefined ? { priority: s.priority } : {}),
          ...(s.maxAttempts !== undefined ? { maxAttempts: s.maxAttempts } : {}),
          ...(s.backoff !== undefined ? { backoff: s.backoff } : {}),
          ...(s.timeout !== undefined ? { timeout: s.timeout } : {}),
        },
        now,
      );
      const [outcome] = await this.backend.enqueue([newTaskFrom(newTaskId(), s.task, payload, s.serializer, options, now)]);
      if (outcome.created) pass.created += 1;
      const list = pass.ticks.get(s.name) ?? [];
      list.push(tick);
      pass.ticks.set(s.name, list);
      lastRun = { tick, taskId: outcome.id, enqueuedAt: now };
    }
    const confirmed: StoredSchedule = { ...s, pending: [], ...(lastRun ? { lastRun } : {}) };
    const written = await this.backend.setState(entry.key, writeScheduleValue(confirmed), entry.version);
    return written ? { entry: written, record: confirmed } : null;
  }
}
