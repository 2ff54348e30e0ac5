// What a Worker takes, and the check of the numbers and names it is given.
import { ConfigurationError } from './errors.js';
import type { Logger } from './logger.js';
import type { RetentionOptions } from './retention.js';
import { QUEUE_NAME, QUEUE_NAME_EXPECTED } from './rules.js';
import type { TaskSet } from './tasks.js';
import type { ThreadPoolOptions } from './thread-pool.js';

export interface WorkerOptions {
  /** Handlers by name: `[defineTask(...)]` or `{ 'email.send': handler }`. */
  tasks?: TaskSet;
  /** Queues to take from. Default `['default']`. */
  queues?: readonly string[];
  /** Most tasks running at once. Default 10. */
  maxConcurrency?: number;
  /** Longest wait for new work in one claim when idle (ms). Default 1000. */
  pollInterval?: number;
  /** Lease length (ms): a task whose worker stops renewing is handed out again after this. Default 30 s. */
  lease?: number;
  /** Default per-task timeout (ms); a task's own `timeout` wins. Default none. */
  taskTimeout?: number;
  /** Also run the built-in test tasks (sitq.echo, sitq.sleep, sitq.fail, sitq.cpu). Default true. */
  includeTestTasks?: boolean;
  /** Run the handlers exported by a module on a pool of worker threads (CPU-bound work). */
  threads?: ThreadPoolOptions;
  logger?: Logger;
  /** Stable id (default random), shown by the tools. */
  id?: string;
  /** Throughput history (succeeded, failed, retried, dead and processing times per queue and
   *  minute, read with `TaskQueue.stats`): counted in memory and merged into the backend every
   *  `flushInterval` ms (default 2000) and on stop. Default on; `false` writes none. */
  history?: boolean | { flushInterval?: number };
  /** OpenTelemetry spans (receive, process, settle) continuing the trace context the task carries,
   *  when `@opentelemetry/api` is installed (a no-op without it, or without an SDK registered).
   *  Default on; `false` makes none. See docs/metrics.md. */
  tracing?: boolean;
  /** Run the scheduler that enqueues the due ticks of the backend's schedules (every worker may:
   *  each tick is enqueued once however many run it). Default true. */
  schedules?: boolean;
  /** Retention (each queue's `keep` settings): how often this worker takes its turn, or `false`
   *  to leave it to other workers. One worker at a time does it (core/retention.ts). */
  retention?: RetentionOptions | false;
}

/** ConfigurationError naming each option out of range. */
export function validateWorkerOptions(
  queues: string[],
  maxConcurrency: number,
  pollInterval: number,
  leaseMs: number,
  taskTimeout: number | undefined,
  historyFlushMs: number | undefined,
): void {
  const issues = [];
  if (queues.length === 0) issues.push({ option: 'worker.queues', expected: 'at least one queue name', given: queues });
  for (const q of queues)
    if (typeof q !== 'string' || !QUEUE_NAME.test(q)) issues.push({ option: 'worker.queues', expected: QUEUE_NAME_EXPECTED, given: q });
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > 10_000)
    issues.push({ option: 'worker.maxConcurrency', expected: 'a whole number from 1 to 10000', given: maxConcurrency });
  if (!Number.isFinite(pollInterval) || pollInterval < 1)
    issues.push({ option: 'worker.pollInterval', expected: 'a number of ms >= 1', given: pollInterval });
  if (!Number.isFinite(leaseMs) || leaseMs < 100)
    issues.push({ option: 'worker.lease', expected: 'a number of ms >= 100', given: leaseMs });
  if (taskTimeout !== undefined && (!Number.isFinite(taskTimeout) || taskTimeout < 1))
    issues.push({ option: 'worker.taskTimeout', expected: 'a number of ms >= 1', given: taskTimeout });
  if (historyFlushMs !== undefined && !(Number.isFinite(historyFlushMs) && historyFlushMs >= 10))
    issues.push({ option: 'worker.history.flushInterval', expected: 'a number of ms >= 10', given: historyFlushMs });
  if (issues.length) throw new ConfigurationError(issues);
}
