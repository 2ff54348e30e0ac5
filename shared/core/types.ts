// The data every backend stores and every tool shows. Times are UTC epoch milliseconds.

import type { TaskProgress } from './progress.js';
import { FINISHED_STATES, type TaskState } from './rules.js';

// The states and their order live with the other rules (rules.ts), which the UIs import too.
export { FINISHED_STATES, TASK_STATES, type TaskState } from './rules.js';

export function isFinished(state: TaskState): boolean {
  return FINISHED_STATES.includes(state);
}

export interface BackoffOptions {
  /** `exponential` (default) doubles from `baseMs`; `fixed` waits `baseMs` each time. */
  type: 'exponential' | 'fixed';
  /** First retry's delay. Default 1000 ms. */
  baseMs: number;
  /** Upper bound of any delay. Default 5 minutes. */
  maxMs: number;
  /** 0..1: share of the delay that is randomised (full jitter at 1). Default 0.2. */
  jitter: number;
}

export interface TaskErrorInfo {
  name: string;
  message: string;
  stack?: string;
}

/** A task as a backend is asked to store it at enqueue time. */
export interface NewTask {
  id: string;
  queue: string;
  name: string;
  /** Serialized payload. */
  payload: Uint8Array;
  /** Name of the serializer that wrote `payload` (and that will write the result). */
  serializer: string;
  /** Higher runs first; an integer from 0 to 9. */
  priority: number;
  runAt: number;
  enqueuedAt: number;
  maxAttempts: number;
  backoff: BackoffOptions;
  /** Per-task timeout in ms, or undefined for the worker's default. */
  timeoutMs?: number;
  idempotencyKey?: string;
  /** Small string pairs that travel with the task (the W3C `traceparent` among them); absent when
   *  none were given. Bounded by HEADERS_MAX_COUNT / HEADERS_MAX_BYTES (rules.ts). */
  headers?: Record<string, string>;
}

/** A task's full record, as `getTask` returns it. */
export interface TaskRecord extends NewTask {
  state: TaskState;
  /** How many times the task has been claimed (delivered). */
  attempts: number;
  startedAt?: number;
  finishedAt?: number;
  /** Serialized result (succeeded only). */
  result?: Uint8Array;
  /** The last failure (retried or final). */
  error?: TaskErrorInfo;
  /** Worker id holding the current lease (running only). */
  leaseOwner?: string;
  leaseExpiresAt?: number;
  /** The last progress its handler reported (`ctx.progress`), kept after it finishes. */
  progress?: TaskProgress;
  /** Its handler's log (`ctx.log`), every attempt's lines, oldest first: at most LOG_MAX_LINES
   *  lines and LOG_MAX_BYTES (progress.ts); absent when nothing was logged. */
  log?: string[];
  /** How many older lines were dropped to keep the log within its bound; absent when none. */
  logDropped?: number;
}

/** What a worker holds while it runs a task: the fencing token is checked on every report. */
export interface Lease {
  taskId: string;
  owner: string;
  /**
   * Fencing token: grows with every claim of this task and never repeats, so a report made under
   * an older claim is rejected.
   */
  token: number;
}

export interface ClaimedTask {
  lease: Lease;
  record: TaskRecord;
}

export interface ClaimRequest {
  workerId: string;
  /** Queues to take from (at least one). */
  queues: readonly string[];
  /** Claim at most this many tasks (the worker's free concurrency); at least 1. */
  max: number;
  /** Lease length in ms; the worker renews before it runs out. */
  leaseMs: number;
}

/** How a claimed task ended. */
export type Completion =
  | { lease: Lease; outcome: 'succeeded'; result: Uint8Array; finishedAt: number }
  | { lease: Lease; outcome: 'retry'; error: TaskErrorInfo; runAt: number; finishedAt: number }
  | { lease: Lease; outcome: 'dead'; error: TaskErrorInfo; finishedAt: number };

export interface EnqueueOutcome {
  id: string;
  /** False when an idempotency key matched an existing task, whose id is returned. */
  created: boolean;
}

export type StateCounts = Record<TaskState, number>;

export interface QueueCounts {
  queue: string;
  counts: StateCounts;
  /** Age in ms of the oldest `pending` task (how far behind the workers are), 0 if none. */
  oldestPendingAgeMs: number;
}

export interface ListTasksQuery {
  queue?: string;
  state?: TaskState;
  /** 1..1000, default 50. */
  limit?: number;
  /** Skip this many (newest first). */
  offset?: number;
  /** Only tasks whose id, name, last error (name or message) or JSON payload text contains this,
   *  ignoring the case of A–Z (see task-search.ts); blank means no search; at most 200 characters.
   *  `total` then counts the matches. */
  search?: string;
}

export interface TaskPage {
  tasks: TaskRecord[];
  /** Total matching the filter (for paging). */
  total: number;
}

export interface WorkerInfo {
  id: string;
  hostname: string;
  pid: number;
  queues: string[];
  concurrency: number;
  startedAt: number;
  /** Last heartbeat. */
  seenAt: number;
  running: number;
  processed: number;
  failed: number;
}

export function emptyCounts(): StateCounts {
  return { pending: 0, delayed: 0, running: 0, succeeded: 0, dead: 0, cancelled: 0 };
}
