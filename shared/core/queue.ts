// The producer's side: connect, enqueue, wait for results, cancel, inspect.
import type { Backend } from './backend.js';
import { announceCancel } from './cancel-watch.js';
import { ConfigurationError } from './errors.js';
import { TaskEventStream, type EventFilter } from './events.js';
import { assertQueueName } from './rules.js';
import { assertTaskName, newTaskFrom, resolveEnqueueOptions, type EnqueueOptions } from './enqueue-options.js';
import { readHistory, type HistoryQuery, type HistoryReport } from './history.js';
import { HistoryWriter } from './history-writer.js';
import { Tracing } from './tracing.js';
import { newTaskId } from './ids.js';
import { consoleLogger, type Logger } from './logger.js';
import { Result } from './result.js';
import {
  checkRuns,
  readSchedule,
  removeSchedule,
  ScheduleRecordError,
  scheduleKey,
  SCHEDULE_PREFIX,
  setSchedulePaused,
  toScheduleInfo,
  upsertSchedule,
  assertScheduleName,
  type ScheduleInfo,
  type ScheduleOptions,
  type ScheduleSpec,
} from './schedules.js';
import { jsonSerializer, serializerNamed, type Serializer } from './serializers.js';
import { checkPayloadSizes } from './task-size.js';
import {
  applyLimitsChange,
  assertLimitsChange,
  checkKeep,
  rateStateKey,
  readQueueSettings,
  runningStateKey,
  updateQueueSettings,
  type KeepSettings,
  type QueueLimitsChange,
  type QueueSettings,
} from './queue-settings.js';
import type { TaskDefinition } from './tasks.js';
import { toTaskView, type TaskView } from './task-view.js';
import { listQueueCounts, listQueueNames, listQueueStatuses, type QueueCountsWithPause, type QueueStatus } from './queue-status.js';
import type { EnqueueOutcome, ListTasksQuery, WorkerInfo } from './types.js';

export type { QueueCountsWithPause, QueueStatus } from './queue-status.js';

/** What snapshot() read: the state a consumer of events() resumes from after a gap. */
export interface EventSnapshot {
  /** When the reads started: events from before this are already reflected. */
  at: number;
  /** With `taskId`: the task (null if unknown). */
  task?: TaskView | null;
  /** Running tasks (up to 1,000) with their progress and logs. */
  running: TaskView[];
  /** Each queue's counts and whether it is paused, as counts() answers them. */
  counts: QueueCountsWithPause[];
}

/** A task id that remembers its task's result type, so `getResult` is typed. */
export type TaskId<R = unknown> = string & { readonly __result?: R };

export interface TaskQueueOptions {
  /** Serializer for payloads and results: `json` (default), `v8`, or your own. */
  serializer?: Serializer | 'json' | 'v8';
  /** Options applied to every enqueue unless the call says otherwise. */
  defaults?: EnqueueOptions;
  /** Count enqueued tasks in the throughput history (see `stats`): batched in memory, merged into
   *  the backend every `flushInterval` ms (default 2000) and by `close()`. Default on. */
  history?: boolean | { flushInterval?: number };
  /** OpenTelemetry: a `send` span per enqueue call whose context each task carries in its headers
   *  (`traceparent`), so the worker's spans continue the caller's trace; when `@opentelemetry/api`
   *  is installed (a no-op without it). Default on; `false` makes none. */
  tracing?: boolean;
  /** Where history write failures are reported. Default: stderr. */
  logger?: Logger;
}

type TaskRef<P, R> = string | TaskDefinition<P, R>;

export class TaskQueue {
  readonly backend: Backend;
  private readonly serializer: Serializer;
  private readonly defaults: EnqueueOptions;
  private readonly history: HistoryWriter | undefined;
  private readonly tracing: Tracing;

  constructor(backend: Backend, options: TaskQueueOptions = {}) {
    this.backend = backend;
    const s = options.serializer ?? jsonSerializer;
    this.serializer = typeof s === 'string' ? serializerNamed(s) : s;
    this.defaults = options.defaults ?? {};
    this.tracing = new Tracing(options.tracing !== false);
    if (options.history !== false) {
      const flushMs = typeof options.history === 'object' ? options.history.flushInterval : undefined;
      if (flushMs !== undefined && !(Number.isFinite(flushMs) && flushMs >= 10))
        throw new ConfigurationError({ option: 'TaskQueue history.flushInterval', expected: 'a number of ms >= 10', given: flushMs });
      this.history = new HistoryWriter(backend, { flushMs, logger: options.logger ?? consoleLogger });
    }
  }

  connect(): Promise<void> {
    return this.backend.connect();
  }

  /** Writes the enqueue counts not yet in the history (within 5 s), then closes the backend. */
  async close(): Promise<void> {
    await this.history?.stop();
    return this.backend.close();
  }

  /** Writes the enqueue counts not yet in the history now (they are otherwise written every
   *  flushInterval and by close()). */
  flushHistory(): Promise<void> {
    return this.history?.flush() ?? Promise.resolve();
  }

  /** Throughput history from the backend, as every process wrote it: per queue and per minute
   *  (kept 24 h) or hour (kept 14 days), counts of enqueued, succeeded, failed attempts, retried
   *  and dead, and processing-time percentiles. See HistoryQuery for the defaults. */
  stats(query: HistoryQuery = {}): Promise<HistoryReport> {
    return readHistory(this.backend, query);
  }

  /** Stores one task and returns its id. Nothing is written if the payload or options are bad. */
  async enqueue<P, R>(task: TaskRef<P, R>, payload: P, options?: EnqueueOptions): Promise<TaskId<R>> {
    const [outcome] = await this.enqueueWithOutcomes(task, [payload], options);
    return outcome.id as TaskId<R>;
  }

  /** Stores many tasks of one kind in one round trip; ids come back in payload order. */
  async enqueueMany<P, R>(task: TaskRef<P, R>, payloads: readonly P[], options?: EnqueueOptions): Promise<TaskId<R>[]> {
    const outcomes = await this.enqueueWithOutcomes(task, payloads, options);
    return outcomes.map((o) => o.id as TaskId<R>);
  }

  /** As enqueueMany, with each task's outcome: `created: false` when its idempotency key named a
   *  task that already existed (the id is then that task's). */
  async enqueueWithOutcomes<P, R>(task: TaskRef<P, R>, payloads: readonly P[], options?: EnqueueOptions): Promise<EnqueueOutcome[]> {
    if (!Array.isArray(payloads)) throw new ConfigurationError({ option: 'payloads', expected: 'an array of payloads', given: payloads });
    const name = typeof task === 'string' ? task : task?.name;
    assertTaskName(name);
    const now = Date.now();
    // Options are checked once per call; then serialize everything before the first write: a bad
    // item writes nothing.
    const resolved = resolveEnqueueOptions(options === undefined ? this.defaults : { ...this.defaults, ...options }, now);
    if (resolved.idempotencyKey !== undefined && payloads.length > 1) {
      throw new ConfigurationError({
        option: 'enqueue options.idempotencyKey',
        expected: 'one task per key (enqueue tasks with keys one at a time)',
        given: resolved.idempotencyKey,
      });
    }
    const tasks = payloads.map((payload) =>
      newTaskFrom(newTaskId(), name, this.serializer.serialize(payload), this.serializer.name, resolved, now),
    );
    if (tasks.length === 0) return [];
    checkPayloadSizes(tasks, this.backend.taskSizeLimit(), this.backend.kind);
    const outcomes = await this.tracing.enqueue(tasks[0].queue, tasks, () => this.backend.enqueue(tasks));
    if (this.history) {
      const created = outcomes.reduce((n, o) => n + (o.created ? 1 : 0), 0);
      if (created > 0) this.history.record(tasks[0].queue, 'enqueued', Date.now(), undefined, created);
    }
    return outcomes;
  }

  /**
   * Waits up to `timeout` ms (default 30 s; 0 = look once) for the task to finish. Resolves to its
   * Result, or null on timeout or an unknown id.
   */
  async getResult<R>(id: TaskId<R>, options: { timeout?: number } = {}): Promise<Result<R> | null> {
    const timeout = options.timeout ?? 30_000;
    if (!Number.isFinite(timeout) || timeout < 0)
      throw new ConfigurationError({ option: 'getResult timeout', expected: 'a number of ms >= 0', given: timeout });
    const record = await this.backend.waitForFinish(id, timeout);
    return record ? new Result<R>(record) : null;
  }

  /** Cancels a waiting or running task: it ends `cancelled` at once. A running task's lease is
   *  fenced (its worker's later report is refused) and the worker holding it aborts the handler's
   *  `ctx.signal` with TaskCancelledError within about a second (core/cancel-watch.ts). False if
   *  the task is unknown or already finished. */
  async cancel(id: string): Promise<boolean> {
    const from = await this.backend.cancel(id);
    // The task is cancelled now whatever happens to the marker: without it (the state store failed)
    // its worker still learns at its next renewal, which the fenced lease refuses.
    if (from === 'running') await announceCancel(this.backend, id).catch(() => undefined);
    return from !== null;
  }

  // --- queue settings -----------------------------------------------------------------------
  /** A queue's stored settings (pause, limits, retention); {} when none. */
  async getQueueSettings(queue: string): Promise<QueueSettings> {
    return readQueueSettings(this.backend, queue);
  }

  /** Sets a queue's retention: per finished state, the longest age (`maxAgeMs`) and/or the most
   *  tasks (`maxCount`, the newest by finish time) to keep; a state left out keeps everything.
   *  Replaces the previous `keep` as a whole (`{}` removes it); the queue's other settings stay.
   *  The workers enforce it continuously (core/retention.ts). Answers the settings written. */
  async setRetention(queue: string, keep: KeepSettings): Promise<QueueSettings> {
    const checked = checkKeep(keep);
    return updateQueueSettings(this.backend, queue, (current) => {
      const next = { ...current };
      if (Object.keys(checked).length > 0) next.keep = checked;
      else delete next.keep;
      return next;
    });
  }

  // --- schedules (stored in the backend; every Worker runs them: see schedules.ts) -------------
  /**
   * Creates or replaces the schedule `name`: each tick of `spec` (`{ cron, tz? }` or `{ every: ms }`)
   * enqueues one `task` with `payload` (serialized now, with this queue's serializer) and
   * `options`. Exactly one task per tick however many workers run; see docs/semantics.md.
   */
  async schedule<P, R>(
    name: string,
    spec: ScheduleSpec,
    task: TaskRef<P, R>,
    payload: P,
    options?: ScheduleOptions,
  ): Promise<ScheduleInfo> {
    assertScheduleName(name);
    const taskName = typeof task === 'string' ? task : task?.name;
    assertTaskName(taskName);
    const now = Date.now();
    const { entry, record } = await upsertSchedule(
      this.backend,
      {
        name,
        spec,
        task: taskName,
        payload: this.serializer.serialize(payload),
        serializer: this.serializer.name,
        ...(options ? { options } : {}),
      },
      now,
    );
    return toScheduleInfo(entry, record, now, checkRuns(undefined), decodePayload);
  }

  /** Every schedule, by name, each with its next `runs` tick times (default 5). A record that
   *  cannot be read (damaged, or written by a newer sitq) is left out, so the others are still
   *  listed, and handed to `onDamaged` as a ScheduleRecordError naming its state key. */
  async listSchedules(options: { runs?: number; onDamaged?: (err: ScheduleRecordError) => void } = {}): Promise<ScheduleInfo[]> {
    const runs = checkRuns(options.runs);
    const now = Date.now();
    const entries = await this.backend.listState(SCHEDULE_PREFIX);
    const out: ScheduleInfo[] = [];
    for (const e of entries) {
      if (e.key.slice(SCHEDULE_PREFIX.length).includes('/')) continue;
      try {
        out.push(toScheduleInfo(e, readSchedule(e), now, runs, decodePayload));
      } catch (err) {
        options.onDamaged?.(err instanceof ScheduleRecordError ? err : new ScheduleRecordError(e.key, (err as Error).message));
      }
    }
    return out;
  }

  /** One schedule with its next `runs` tick times (default 5), or null when there is none. */
  async getSchedule(name: string, options: { runs?: number } = {}): Promise<ScheduleInfo | null> {
    assertScheduleName(name);
    const runs = checkRuns(options.runs);
    const entry = await this.backend.getState(scheduleKey(name));
    return entry ? toScheduleInfo(entry, readSchedule(entry), Date.now(), runs, decodePayload) : null;
  }

  /** Stops enqueuing the schedule's ticks (a paused one stays paused). False when there is no such schedule. */
  pauseSchedule(name: string): Promise<boolean> {
    return setSchedulePaused(this.backend, name, true, Date.now());
  }

  /** Enqueues its ticks again, from the first one after now (ticks while paused are skipped; a
   *  running one is left as it is). False when there is no such schedule. */
  resumeSchedule(name: string): Promise<boolean> {
    return setSchedulePaused(this.backend, name, false, Date.now());
  }

  /** Deletes the schedule; tasks it enqueued stay. False when there was none. */
  removeSchedule(name: string): Promise<boolean> {
    return removeSchedule(this.backend, name);
  }

  // --- live events -------------------------------------------------------------------------
  /**
   * The live stream of task transitions (enqueued, started, progress, log, failed, retried,
   * succeeded, dead, cancelled) of every process using this backend, optionally of one queue or
   * one task: `for await (const e of queue.events({ queue: 'emails' }))`, or `.on('event', fn)`.
   * Await `ready` before relying on delivery; `close()` ends it. At most once: after a `gap` item
   * (events were lost), read the state afresh with `snapshot()`.
   */
  events(filter: EventFilter = {}): TaskEventStream {
    if (filter.queue !== undefined) assertQueueName(filter.queue, 'events.queue');
    return new TaskEventStream((sink) => this.backend.subscribe(sink), filter);
  }

  /** The state to resume from after a gap in events(): the task (with `taskId`), or the queue's
   *  running tasks and counts (with `queue`, or every queue). */
  async snapshot(filter: { queue?: string; taskId?: string } = {}): Promise<EventSnapshot> {
    const at = Date.now();
    if (filter.taskId !== undefined) return { at, task: await this.getTask(filter.taskId), running: [], counts: [] };
    const [running, counts] = await Promise.all([this.listTasks({ queue: filter.queue, state: 'running', limit: 1000 }), this.counts()]);
    return { at, running: running.tasks, counts: filter.queue === undefined ? counts : counts.filter((c) => c.queue === filter.queue) };
  }

  // --- inspection (the tools use these) -----------------------------------------------------
  async getTask(id: string): Promise<TaskView | null> {
    const record = await this.backend.getTask(id);
    return record ? toTaskView(record) : null;
  }

  async listTasks(query: ListTasksQuery = {}): Promise<{ tasks: TaskView[]; total: number }> {
    const page = await this.backend.listTasks(query);
    return { tasks: page.tasks.map(toTaskView), total: page.total };
  }

  /** The queues queues() lists (every queue that has tasks or settings, sorted by name): each one's
   *  counts and whether it is paused, read from the settings stored on the backend. */
  counts(): Promise<QueueCountsWithPause[]> {
    return listQueueCounts(this.backend);
  }

  /** The names of the queues queues() lists (every queue that has tasks or settings), sorted; with
   *  `{ paused: true }` only the paused ones, with `{ paused: false }` only the others. Names
   *  stay plain strings, so a caller of the unfiltered form is unchanged. */
  listQueues(filter: { paused?: boolean } = {}): Promise<string[]> {
    return listQueueNames(this.backend, filter);
  }

  /** Every queue that has tasks or settings, sorted by name: its counts, whether it is paused, and
   *  its limits and retention. A failed read of the settings fails the listing (it would otherwise
   *  say a paused queue is not). */
  queues(): Promise<QueueStatus[]> {
    return listQueueStatuses(this.backend);
  }

  // --- flow control (stored on the backend; every worker of every process obeys it) -----------
  /** Stops every worker claiming from `queue`: each sees it within a second (tasks already running
   *  finish); enqueueing still works. Answers the queue's settings. */
  pauseQueue(queue: string): Promise<QueueSettings> {
    return updateQueueSettings(this.backend, queue, (s) => ({ ...s, paused: true }));
  }

  /** Lets workers claim from `queue` again; a worker waiting on it is woken when it sees this. */
  resumeQueue(queue: string): Promise<QueueSettings> {
    return updateQueueSettings(this.backend, queue, (s) => {
      delete s.paused;
      return s;
    });
  }

  /** Sets (a value) or removes (`null`) the queue's rate limit `{ max, perMs }` and its global
   *  concurrency `maxRunning`; absent fields are left as they are. A new or removed rate starts
   *  with an empty token bucket. Answers the queue's settings. */
  async setQueueLimits(queue: string, change: QueueLimitsChange): Promise<QueueSettings> {
    assertLimitsChange(change);
    const settings = await updateQueueSettings(this.backend, queue, (s) => applyLimitsChange(s, change));
    if (change.rate !== undefined) await this.backend.deleteState(rateStateKey(queue));
    if (change.maxRunning === null) await this.backend.deleteState(runningStateKey(queue));
    return settings;
  }

  listWorkers(): Promise<WorkerInfo[]> {
    return this.backend.listWorkers();
  }

  requeue(id: string): Promise<boolean> {
    return this.backend.requeue(id);
  }

  purge(options: { olderThanMs: number; queue?: string }): Promise<number> {
    if (!Number.isFinite(options?.olderThanMs) || options.olderThanMs < 0) {
      throw new ConfigurationError({ option: 'purge olderThanMs', expected: 'a number of ms >= 0', given: options?.olderThanMs });
    }
    return this.backend.purge(options);
  }
}

/** A stored payload decoded with its serializer, when that serializer is known in this process. */
function decodePayload(bytes: Uint8Array, serializer: string): { value: unknown } | undefined {
  try {
    return { value: serializerNamed(serializer).deserialize(bytes) };
  } catch {
    return undefined;
  }
}
