// The one contract every backend implements (SQLite, PostgreSQL, Redis, NATS JetStream).
// TaskQueue and Worker speak only to this interface; the conformance suite in
// test/conformance/ checks every implementation against the same behaviour.
//
// Rules every implementation keeps:
// - Claiming is atomic: a task is handed to one claimer at a time. A claim increments the task's
//   `attempts` and its fencing token; the token never repeats for a task (not even after a requeue).
// - Order of claims within a queue: highest `priority` first, then earliest `runAt`, then enqueue
//   order. A task whose `runAt` is in the future is never claimed early.
// - A `running` task whose lease has expired is claimable again (its worker is presumed dead), and
//   the claim records error name `LeaseExpiredError` on it (the Worker runs such a task alone). If
//   it has already used `maxAttempts`, the reclaim instead marks it `dead` with that error, so a
//   task that kills its process cannot loop forever.
// - `complete`, `renew` and `release` check state = running and the lease's token; a report under a
//   lost lease changes nothing and answers false. A task cancelled while running is no longer
//   `running`, so its holder's reports are refused the same way (the lease is fenced).
// - Enqueue, complete and requeue wake a waiting claimer of that queue where the server allows it.

import type { EventSink, Unsubscribe } from './event-types.js';
import type { TaskReport } from './progress.js';
import type { TaskSizeLimit } from './task-size.js';
import type {
  ClaimRequest,
  ClaimedTask,
  Completion,
  EnqueueOutcome,
  Lease,
  ListTasksQuery,
  NewTask,
  QueueCounts,
  TaskPage,
  TaskRecord,
  WorkerInfo,
} from './types.js';

/** A registered backend's name (`sqlite`, `postgres`, ...): shared/backends/descriptors.ts lists
 *  them. The core knows no backend by name. */
export type BackendKindName = string;

export interface ServerInfo {
  /** e.g. `PostgreSQL 15.19`, `Redis 7.0.15`, `NATS 2.9.25`, `SQLite 3.50.2`. */
  serverVersion: string;
}

/** The error name a claim records on a task whose expired lease it takes over (the Worker runs such
 *  a task alone), and on one that dies of it. Redis's claim.lua writes the same literal. */
export const LEASE_EXPIRED_ERROR = 'LeaseExpiredError';

/** One node of a backend (a profile with several hosts for HA, or the one server), as the health
 *  check reports it. */
export interface NodeStatus {
  /** Redacted address. */
  address: string;
  /** PostgreSQL: primary / replica; Redis: master / replica / sentinel; NATS: leader / member of
   *  the work stream (a server not holding it: node). */
  role: 'primary' | 'replica' | 'master' | 'sentinel' | 'leader' | 'member' | 'node' | 'unknown';
  reachable: boolean;
  /** This is the node the backend is talking to for writes. */
  serving: boolean;
  error?: string;
}

/** A small record in a backend's coordination store (schedules, queue settings and limits, the
 *  scheduler's and limiters' state, throughput history). `version` is 1 when the entry is created
 *  and grows by 1 with each write, so a writer can make its write conditional on what it read. */
export interface StateEntry {
  key: string;
  value: string;
  version: number;
}

/** The states `cancel` takes a task from. */
export type CancelledFrom = 'pending' | 'delayed' | 'running';

/** A finished state (the ones retention deletes). */
export type FinishedState = 'succeeded' | 'dead' | 'cancelled';

export interface PruneOptions {
  queue: string;
  state: FinishedState;
  /** Delete those that finished before this (epoch ms). */
  finishedBefore?: number;
  /** Delete all but the newest this many (by finishedAt). */
  keepNewest?: number;
  /** Most tasks deleted by this call, 1..10000. */
  limit: number;
}

export interface Backend {
  readonly kind: BackendKindName;
  /** Human description with no secrets, e.g. `redis://127.0.0.1:6379/0 (prefix sitq:)`. */
  readonly address: string;

  /** Opens connections and creates/migrates whatever structures the backend needs. Idempotent.
   *  Rejects with ConnectionError within the configured connect timeout. Every backend records
   *  the version of its layout in the store and refuses one newer than it knows with
   *  LayoutTooNewError (an older one is migrated); the conformance suite checks it. */
  connect(): Promise<void>;
  /** Closes every connection; pending claims waiting on the server return empty. Idempotent. */
  close(): Promise<void>;
  /** One round trip to the server. */
  ping(): Promise<ServerInfo>;
  /** Per-node reachability for HA profiles; a single-node backend returns one entry. */
  nodes(): Promise<NodeStatus[]>;
  /** The most bytes of serialized payload plus result one task may hold here (for NATS, read from
   *  the server once connected). TaskQueue refuses a bigger payload before writing anything, and
   *  the Worker makes a task whose result would not fit `dead` instead of retrying the report. */
  taskSizeLimit(): TaskSizeLimit;
  /** Standing risks in the server's configuration that its answers do not show, in words (Redis:
   *  a server that keeps nothing on disk loses every task when it restarts). Health reports them
   *  as warnings; they do not make a check degraded. Optional; empty when there is nothing to say. */
  configurationWarnings?(): Promise<string[]>;

  // --- producing -------------------------------------------------------------------------------
  /** Stores tasks in one round trip where the server allows; returns one outcome per task, in
   *  order. A task whose idempotencyKey is already known is not stored: its outcome carries the
   *  existing task's id and `created: false`. */
  enqueue(tasks: readonly NewTask[]): Promise<EnqueueOutcome[]>;
  /** pending, delayed or running → cancelled (finishedAt = now), in one atomic step. A running
   *  task's lease is fenced: its holder's later `complete`, `renew` and `release` answer false and
   *  change nothing (the worker learns of the cancel through the `cancels/<id>` state key that
   *  TaskQueue.cancel writes, see core/cancel-watch.ts). Answers the state the task was cancelled
   *  from, or null when it is unknown or already finished. */
  cancel(taskId: string): Promise<CancelledFrom | null>;

  // --- consuming -------------------------------------------------------------------------------
  /** Claims up to `max` ready tasks. When none is ready it may wait up to `waitMs` for one
   *  (returning early, empty, when `signal` aborts); with waitMs 0 or absent it returns at once. */
  claim(request: ClaimRequest & { waitMs?: number; signal?: AbortSignal }): Promise<ClaimedTask[]>;
  /** Extends each lease to now + leaseMs; answers per lease whether it is still held. */
  renew(leases: readonly Lease[], leaseMs: number): Promise<boolean[]>;
  /** Records outcomes (batched); answers per completion whether it was accepted (false: lease
   *  lost, nothing changed). `retry` makes the task `delayed` until its runAt (or `pending` when
   *  runAt has passed); `dead` and `succeeded` finish it. */
  complete(completions: readonly Completion[]): Promise<boolean[]>;
  /** Stores what running handlers reported (progress, the whole bounded log), replacing what the
   *  task held; answers per report whether its lease still held (false: nothing changed), as
   *  renew does. One round trip per batch where the server allows. */
  report(reports: readonly TaskReport[]): Promise<boolean[]>;
  /** Gives back claimed tasks that were never started: they are ready again at once, keep their
   *  place in the order, and the claim does not count as an attempt. */
  release(leases: readonly Lease[]): Promise<void>;

  // --- reading ---------------------------------------------------------------------------------
  getTask(taskId: string): Promise<TaskRecord | null>;
  /** Resolves with the record once the task is finished, or null after timeoutMs (or when the
   *  task is unknown). Implementations may poll or subscribe. */
  waitForFinish(taskId: string, timeoutMs: number): Promise<TaskRecord | null>;
  listQueues(): Promise<string[]>;
  counts(): Promise<QueueCounts[]>;
  /** Newest first (by enqueue order); limit 1..1000 (default 50). The records carry no log (`log`,
   *  `logDropped`): getTask has it (progress.ts `withoutLog`). */
  listTasks(query: ListTasksQuery): Promise<TaskPage>;

  // --- events ------------------------------------------------------------------------------------
  /** Delivers the task events (events.ts) that any process using this store publishes from when
   *  the promise resolves until the returned function is called: enqueued, started, progress,
   *  log, retried (as failed + retried), succeeded, dead (as failed + dead), cancelled. At most
   *  once and without replay; the events of one task arrive in the order they happened. `sink.gap`
   *  is called when the transport may have lost some (a reconnect). Each backend publishes in the
   *  same round trip as the change where the server allows. */
  subscribe(sink: EventSink): Promise<Unsubscribe>;

  // --- maintenance -----------------------------------------------------------------------------
  /** dead or cancelled → pending now, attempts reset to 0, error kept until the next attempt.
   *  False if the task is unknown or not dead/cancelled. */
  requeue(taskId: string): Promise<boolean>;
  /** Deletes finished tasks (succeeded, dead, cancelled) that finished more than olderThanMs ago,
   *  optionally in one queue; returns how many. */
  purge(options: { olderThanMs: number; queue?: string }): Promise<number>;
  /** Retention (core/retention.ts): deletes finished tasks of one queue in one state, oldest
   *  finish first (ties: by id), at most `limit` of them: those beyond the newest `keepNewest` and
   *  those that finished before `finishedBefore` (epoch ms). Answers how many went. Served by an
   *  index on (queue, state, finishedAt) or the backend's equivalent, so its cost follows what it
   *  deletes, not how many tasks the backend holds; idempotency keys of deleted tasks are freed. */
  prune(options: PruneOptions): Promise<number>;

  // --- coordination state -----------------------------------------------------------------------
  // A versioned key/value store beside the tasks, made atomic by the server's own primitive (a row
  // and a conditional UPDATE, a Lua script, a JetStream KV revision). Keys follow STATE_KEY in
  // rules.ts ("schedules/nightly"); values are at most STATE_VALUE_MAX_BYTES of UTF-8. The core builds
  // schedules, pause, limits and history on these four calls, so a backend implements them once.
  /** The entry, or null when the key is unknown. */
  getState(key: string): Promise<StateEntry | null>;
  /** Compare-and-set: writes `value` when the entry's version is `expectedVersion` (0: the key must
   *  not exist) and answers the new entry; answers null and changes nothing when another writer
   *  got there first. */
  setState(key: string, value: string, expectedVersion: number): Promise<StateEntry | null>;
  /** Deletes the entry when its version is `expectedVersion` (any version when omitted); false
   *  when the key is unknown or its version differs. */
  deleteState(key: string, expectedVersion?: number): Promise<boolean>;
  /** Every entry whose key starts with `prefix` (which ends in "/" or is empty), sorted by key. */
  listState(prefix: string): Promise<StateEntry[]>;

  // --- workers ---------------------------------------------------------------------------------
  /** Records a worker's heartbeat; it counts as live until seenAt + ttlMs. */
  heartbeat(info: WorkerInfo, ttlMs: number): Promise<void>;
  /** Workers whose heartbeat has not expired. */
  listWorkers(): Promise<WorkerInfo[]>;
  removeWorker(workerId: string): Promise<void>;

  /** Deletes everything this backend instance stores (its schema / key prefix / stream and
   *  buckets / file contents). For tests and the benchmark's namespaces; never called implicitly. */
  destroy(): Promise<void>;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
