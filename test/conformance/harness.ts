// Shared plumbing for the conformance suite: fresh backends, task builders, waiting helpers.
import { eventually as eventuallyAwake } from '../helpers/awake.js';
import { createBackend, type BackendConfig } from '../../shared/backends/index.js';
import type { Backend } from '../../shared/core/backend.js';
import type { BackendKind } from '../../shared/backends/descriptors.js';
import { DEFAULT_BACKOFF } from '../../shared/core/backoff.js';
import { newTaskId } from '../../shared/core/ids.js';
import { jsonSerializer } from '../../shared/core/serializers.js';
import type { NewTask, WorkerInfo } from '../../shared/core/types.js';
import { silentLogger } from '../../shared/core/logger.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { Worker, type WorkerOptions } from '../../shared/core/worker.js';

export interface ConformanceTarget {
  kind: BackendKind;
  /** The server this backend needs; omitted for SQLite. */
  server?: 'postgres' | 'redis' | 'nats';
  /** A config with a new namespace on every call (temp file / schema / key prefix / stream). */
  freshConfig(): BackendConfig;
  /** A config whose server cannot be reached, with a short connectTimeout; omitted for a backend
   *  that has no server to be unreachable (then that test is skipped, saying why). */
  unreachableConfig?(): BackendConfig;
  /** False for a backend whose tasks live in one process (`memory`): the tests of several worker
   *  processes on one queue are skipped, saying why. Default true. */
  sharedAcrossProcesses?: boolean;
  /** Writes layout version `version` into the (connected, then closed) store of `config`, as a
   *  newer sitq would; omitted for a backend that keeps nothing between processes (`memory`). */
  writeLayoutVersion?(config: BackendConfig, version: number): Promise<void>;
  /** Makes ready to take away, for real, what carries task events to a subscriber of `config`'s
   *  store (issue 13's gap after a lost transport); omitted for a backend whose events never leave
   *  the process (`memory`: that test is skipped, saying why). */
  eventTransport?(config: BackendConfig): Promise<EventTransportCut>;
}

/** What ConformanceTarget.eventTransport made ready. */
export interface EventTransportCut {
  /** The config to subscribe with (the same one, or one through a proxy that can drop it). */
  config: BackendConfig;
  /** Takes the transport away from `subscriber`'s event subscription (a killed server connection,
   *  a dropped proxy connection, event rows pruned before it read them); resolves once done. */
  cut(subscriber: Backend): Promise<void>;
  /** Removes what was made ready (a proxy); called once, also after a failure. */
  dispose(): Promise<void>;
}

/** Connects `backend`, runs `fn` with it, then destroys (its namespace) and closes it. */
export async function withConnected<B extends Backend, T>(backend: B, fn: (backend: B) => Promise<T>): Promise<T> {
  await backend.connect();
  try {
    return await fn(backend);
  } finally {
    await backend.destroy().catch(() => {});
    await backend.close();
  }
}

/** Runs `fn` with a connected backend in a fresh namespace, then destroys and closes it. */
export async function withBackend<T>(target: ConformanceTarget, fn: (backend: Backend, config: BackendConfig) => Promise<T>): Promise<T> {
  const config = target.freshConfig();
  return withConnected(createBackend(config), (backend) => fn(backend, config));
}

/** Runs `fn` with a connected queue and a helper that starts workers (all stopped afterwards). */
export function withQueue(
  target: ConformanceTarget,
  fn: (
    q: TaskQueue,
    startWorker: (o?: WorkerOptions, beforeStart?: (w: Worker) => void) => Promise<Worker>,
    backend: Backend,
  ) => Promise<void>,
) {
  return withBackend(target, async (backend) => {
    const queue = new TaskQueue(backend);
    const workers: Worker[] = [];
    const startWorker = async (options: WorkerOptions = {}, beforeStart?: (w: Worker) => void) => {
      const w = new Worker(backend, { pollInterval: 200, logger: silentLogger, ...options });
      workers.push(w);
      beforeStart?.(w);
      await w.start();
      return w;
    };
    try {
      await fn(queue, startWorker, backend);
    } finally {
      await Promise.all(workers.map((w) => w.stop({ timeout: 1000 })));
    }
  });
}

let seq = 0;
/** A task record as TaskQueue would build it; override what the test cares about. */
export function newTask(overrides: Partial<NewTask> = {}): NewTask {
  const now = Date.now();
  return {
    id: newTaskId(),
    queue: 'default',
    name: 'sitq.echo',
    payload: jsonSerializer.serialize({ n: seq++ }),
    serializer: 'json',
    priority: 0,
    runAt: now,
    enqueuedAt: now,
    maxAttempts: 3,
    backoff: { ...DEFAULT_BACKOFF },
    ...overrides,
  };
}

/** A worker's heartbeat record, seen now, idle; override what the test cares about. */
export function workerInfo(overrides: Partial<WorkerInfo> & Pick<WorkerInfo, 'id'>): WorkerInfo {
  const now = Date.now();
  return {
    hostname: 'h',
    pid: 1,
    queues: ['default'],
    concurrency: 1,
    startedAt: now,
    seenAt: now,
    running: 0,
    processed: 0,
    failed: 0,
    ...overrides,
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns a truthy value or this process has been awake `timeoutMs` (then
 *  throws `what`); a stall of the machine does not count (helpers/awake.ts). */
export function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false | null>,
  timeoutMs = 10_000,
  everyMs = 20,
): Promise<T> {
  return eventuallyAwake(what, check, timeoutMs, everyMs);
}
