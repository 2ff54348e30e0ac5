// One health check of one backend: a ping round trip, the nodes, and the queue facts, all within a
// time budget. It never throws and never outlives its timeout: whatever goes wrong becomes an
// `unhealthy` report with the reason.
import type { Backend, NodeStatus } from '../core/backend.js';
import { DEFAULT_BACKEND_KIND, kindOf, type BackendKind } from '../backends/descriptors.js';
import { createBackend, type BackendConfig } from '../backends/index.js';
import { listQueueCounts, type QueueCountsWithPause } from '../core/queue-status.js';
import type { WorkerInfo } from '../core/types.js';
import type { Profile } from '../config/profiles.js';
import { redact, scrub } from '../config/redact.js';
import { secretValuesIn } from '../config/secrets.js';

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface HealthReport {
  /** The profile's name, when the check was given one. */
  profile?: string;
  kind: BackendKind;
  /** Where the backend points, without secrets. */
  address: string;
  /**
   * - `healthy`: answered within `slowThresholdMs`, every node reachable.
   * - `degraded`: answered, but slower than `slowThresholdMs`, or some (not the serving) node is down.
   * - `unhealthy`: no answer within the timeout, or an error (see `error`).
   */
  status: HealthStatus;
  /** The ping round trip in ms; for an unhealthy check, the time until it failed. */
  responseTimeMs: number;
  /** Time to open the connection when the check opened it (undefined when it was already open). */
  connectTimeMs?: number;
  /** The ping took longer than `slowThresholdMs`. */
  slow: boolean;
  serverVersion?: string;
  /** Why the check is unhealthy (redacted; never a password). */
  error?: string;
  /** Why a check is degraded, in words; also standing risks of the server's configuration (Redis
   *  keeping nothing on disk), which leave the status as it is. */
  warnings: string[];
  /** Epoch ms when the check started. */
  checkedAt: number;
  nodes: NodeStatus[];
  /** Each queue's counts and whether it is paused (a paused queue's backlog is no stuck worker). */
  queues: QueueCountsWithPause[];
  /** Age of the oldest ready task across all queues (how far behind the workers are), 0 if none. */
  oldestPendingAgeMs: number;
  /** Workers whose heartbeat is within its lease. */
  liveWorkers: number;
  /** Those workers per queue they serve (a worker serving several queues counts under each);
   *  absent when the check read no queue facts or failed. */
  liveWorkersByQueue?: Record<string, number>;
  /** Tasks in state `dead`, all queues. */
  deadTasks: number;
}

export interface HealthCheckOptions {
  /** A ping slower than this makes the check `degraded`. Default 1000 ms (the seed's threshold). */
  slowThresholdMs?: number;
  /** The whole check (connect, ping, facts) ends by then, as `unhealthy` if unfinished. Default 5000 ms. */
  timeoutMs?: number;
  /** Also read queue counts, the stored queue settings (for `paused`) and workers, one query each, in parallel. Default true. */
  queueFacts?: boolean;
  /** Name shown in the report (taken from a Profile when given one). */
  profile?: string;
  /** Values to hide from error messages (a Profile's secrets are added automatically). */
  secrets?: readonly string[];
}

export const DEFAULT_SLOW_THRESHOLD_MS = 1000;
export const DEFAULT_CHECK_TIMEOUT_MS = 5000;

export type HealthTarget = Profile | BackendConfig | Backend;

function isBackend(target: HealthTarget): target is Backend {
  return typeof (target as Backend).ping === 'function';
}

function isProfile(target: HealthTarget): target is Profile {
  return typeof (target as Profile).name === 'string' && typeof (target as Profile).backend === 'object';
}

/**
 * Checks one backend. Given a Profile or a BackendConfig, it opens a connection for the check and
 * closes it afterwards; given a Backend, it uses (and leaves open) that one.
 */
export async function checkHealth(target: HealthTarget, options: HealthCheckOptions = {}): Promise<HealthReport> {
  // Whatever secrets the target holds are hidden from every message of the report.
  const held = isBackend(target) ? [] : isProfile(target) ? target.secrets : secretValuesIn(target);
  const secrets = [...(options.secrets ?? []), ...held];
  const opts = { ...options, secrets, profile: options.profile ?? (isProfile(target) ? target.name : undefined) };
  if (isBackend(target)) return runCheck(target, opts, false);
  const config = isProfile(target) ? target.backend : target;
  let backend: Backend;
  try {
    backend = createBackend(config);
  } catch (err) {
    return failedReport(config.type ?? DEFAULT_BACKEND_KIND, '(invalid configuration)', Date.now(), 0, err, opts);
  }
  return runCheck(backend, opts, true);
}

/** The check itself; `owned` backends are closed afterwards (even after a timeout). */
export async function runCheck(backend: Backend, options: HealthCheckOptions, owned: boolean): Promise<HealthReport> {
  const slowThresholdMs = options.slowThresholdMs ?? DEFAULT_SLOW_THRESHOLD_MS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const checkedAt = Date.now();
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;

  const work = (async (): Promise<HealthReport> => {
    let connectTimeMs: number | undefined;
    if (owned) {
      const t0 = performance.now();
      await backend.connect();
      connectTimeMs = round(performance.now() - t0);
    } else {
      await backend.connect(); // idempotent: a no-op on an open backend
    }
    const t1 = performance.now();
    const info = await backend.ping();
    const responseTimeMs = round(performance.now() - t1);
    const facts = options.queueFacts === false;
    const [nodes, queues, workers, risks] = await Promise.all([
      backend.nodes(),
      facts ? [] : listQueueCounts(backend),
      facts ? [] : backend.listWorkers(),
      // A standing risk of the setup (Redis keeping nothing on disk) is said, not scored.
      backend.configurationWarnings?.().catch(() => []) ?? [],
    ]);
    const slow = responseTimeMs > slowThresholdMs;
    const warnings: string[] = [];
    if (slow) warnings.push(`the server took ${responseTimeMs} ms to answer (slow above ${slowThresholdMs} ms)`);
    for (const n of nodes)
      if (!n.reachable) warnings.push(`node ${n.address} (${n.role}) is unreachable${n.error ? `: ${clean(n.error, options)}` : ''}`);
    const degraded = warnings.length > 0;
    warnings.push(...risks.map((r) => clean(r, options)));
    const report: HealthReport = {
      kind: kindOf(backend),
      address: redact(backend.address),
      status: degraded ? 'degraded' : 'healthy',
      responseTimeMs,
      slow,
      serverVersion: info.serverVersion,
      warnings,
      checkedAt,
      nodes: nodes.map((n) => ({ ...n, address: redact(n.address), ...(n.error ? { error: clean(n.error, options) } : {}) })),
      queues,
      oldestPendingAgeMs: queues.reduce((max, q) => Math.max(max, q.oldestPendingAgeMs), 0),
      liveWorkers: workers.length,
      deadTasks: queues.reduce((sum, q) => sum + q.counts.dead, 0),
    };
    if (!facts) report.liveWorkersByQueue = workersByQueue(workers);
    if (connectTimeMs !== undefined) report.connectTimeMs = connectTimeMs;
    if (options.profile !== undefined) report.profile = options.profile;
    return report;
  })();

  const timeout = new Promise<HealthReport>((resolve) => {
    timer = setTimeout(() => {
      const err = new Error(`no answer within ${timeoutMs} ms`);
      resolve(failedReport(kindOf(backend), backend.address, checkedAt, performance.now() - started, err, options));
    }, timeoutMs);
  });

  try {
    return await Promise.race([
      work.catch((err: unknown) => failedReport(kindOf(backend), backend.address, checkedAt, performance.now() - started, err, options)),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
    if (owned) {
      // Close now (a stalled call then fails fast) and again once the work settles, in case a
      // slow connect finished after the first close. The caller waits for neither.
      void backend.close().catch(() => {});
      void work.catch(() => {}).finally(() => backend.close().catch(() => {}));
    }
  }
}

/** Live workers per queue, from the queues each heartbeat names (a worker counts under each). */
function workersByQueue(workers: readonly WorkerInfo[]): Record<string, number> {
  const byQueue = Object.create(null) as Record<string, number>; // a queue may be named __proto__
  for (const w of workers) for (const queue of new Set(w.queues ?? [])) byQueue[queue] = (byQueue[queue] ?? 0) + 1;
  return byQueue;
}

function failedReport(
  kind: BackendKind,
  address: string,
  checkedAt: number,
  elapsedMs: number,
  err: unknown,
  options: HealthCheckOptions,
): HealthReport {
  const report: HealthReport = {
    kind,
    address: redact(address),
    status: 'unhealthy',
    responseTimeMs: round(elapsedMs),
    slow: false,
    error: clean(err instanceof Error ? err.message : String(err), options),
    warnings: [],
    checkedAt,
    nodes: [],
    queues: [],
    oldestPendingAgeMs: 0,
    liveWorkers: 0,
    deadTasks: 0,
  };
  if (options.profile !== undefined) report.profile = options.profile;
  return report;
}

function clean(message: string, options: HealthCheckOptions): string {
  return scrub(redact(message), options.secrets ?? []);
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
