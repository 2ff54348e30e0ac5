// Periodic health checks of several profiles: a bounded history per profile, events on every check
// and on every status change, and running metrics (see metrics.ts for the health score).
import { DEFAULT_BACKEND_KIND } from '../backends/descriptors.js';
import { EventEmitter } from 'node:events';
import type { Backend } from '../core/backend.js';
import { createBackend, type BackendConfig } from '../backends/index.js';
import type { Profile } from '../config/profiles.js';
import { secretValuesIn } from '../config/secrets.js';
import {
  DEFAULT_CHECK_TIMEOUT_MS,
  DEFAULT_SLOW_THRESHOLD_MS,
  runCheck,
  type HealthReport,
  type HealthStatus,
  type HealthTarget,
} from './check.js';
import { MetricsTracker, type HealthMetrics } from './metrics.js';
import { ConfigurationError } from '../core/errors.js';

export interface HealthMonitorOptions {
  /** Time between the starts of two rounds of checks. Default 30000 ms. */
  intervalMs?: number;
  /** Reports kept per profile (oldest dropped first). Default 100. */
  historySize?: number;
  /** A ping slower than this is a slow check and makes the status `degraded`. Default 1000 ms. */
  slowThresholdMs?: number;
  /** Each check ends by then, as `unhealthy` if unfinished. Default 5000 ms. */
  timeoutMs?: number;
  /** Read queue counts and workers on each check. Default true. */
  queueFacts?: boolean;
}

export interface StatusChange {
  profile: string;
  /** Undefined on the first check. */
  from: HealthStatus | undefined;
  to: HealthStatus;
  report: HealthReport;
}

export interface HealthMonitorEvents {
  check: [HealthReport];
  'status-change': [StatusChange];
}

interface Watched {
  name: string;
  /** Given by the caller (kept open, never closed by the monitor) or made from a config. */
  backend: Backend | undefined;
  config: BackendConfig | undefined;
  secrets: readonly string[];
  tracker: MetricsTracker;
  inFlight: Promise<HealthReport> | undefined;
}

export class HealthMonitor extends EventEmitter<HealthMonitorEvents> {
  private readonly options: Required<HealthMonitorOptions>;
  private readonly watched = new Map<string, Watched>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(options: HealthMonitorOptions = {}) {
    super();
    this.options = {
      intervalMs: options.intervalMs ?? 30_000,
      historySize: options.historySize ?? 100,
      slowThresholdMs: options.slowThresholdMs ?? DEFAULT_SLOW_THRESHOLD_MS,
      timeoutMs: options.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS,
      queueFacts: options.queueFacts ?? true,
    };
    const bad = (option: string, expected: string, given: unknown) =>
      new ConfigurationError({ option: `healthMonitor.${option}`, expected, given });
    if (!(this.options.intervalMs >= 10)) throw bad('intervalMs', 'a number of ms >= 10', options.intervalMs);
    if (!Number.isInteger(this.options.historySize) || this.options.historySize < 1)
      throw bad('historySize', 'a whole number >= 1', options.historySize);
    if (!(this.options.slowThresholdMs >= 0)) throw bad('slowThresholdMs', 'a number of ms >= 0', options.slowThresholdMs);
    if (!(this.options.timeoutMs >= 1)) throw bad('timeoutMs', 'a number of ms >= 1', options.timeoutMs);
  }

  /** Watches a profile (a Profile, a BackendConfig, or an open Backend the caller keeps owning). */
  add(name: string, target: HealthTarget): this {
    if (this.watched.has(name))
      throw new ConfigurationError({ option: 'healthMonitor.add', expected: 'a profile name not already watched', given: name });
    const isBackend = typeof (target as Backend).ping === 'function';
    const isProfile = !isBackend && typeof (target as Profile).backend === 'object';
    this.watched.set(name, {
      name,
      backend: isBackend ? (target as Backend) : undefined,
      config: isBackend ? undefined : isProfile ? (target as Profile).backend : (target as BackendConfig),
      secrets: isBackend ? [] : isProfile ? (target as Profile).secrets : secretValuesIn(target),
      tracker: new MetricsTracker(name, this.options.historySize),
      inFlight: undefined,
    });
    return this;
  }

  async remove(name: string): Promise<void> {
    const w = this.watched.get(name);
    if (!w) return;
    this.watched.delete(name);
    await this.release(w);
  }

  get profiles(): string[] {
    return [...this.watched.keys()];
  }

  /** Runs a round now, then one every `intervalMs`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const round = () => {
      if (!this.running) return;
      void this.checkNow();
      this.timer = setTimeout(round, this.options.intervalMs);
    };
    round();
  }

  /** Stops the rounds, waits for checks in flight (each ends within its timeout), closes connections. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await Promise.all([...this.watched.values()].map((w) => this.release(w)));
  }

  /** Checks every watched profile (or one) now; a profile whose previous check is still running
   *  gets that check's report instead of a second, overlapping one. */
  async checkNow(name?: string): Promise<HealthReport[]> {
    const list = name === undefined ? [...this.watched.values()] : [this.watched.get(name)].filter((w): w is Watched => !!w);
    return Promise.all(list.map((w) => (w.inFlight ??= this.checkOne(w).finally(() => (w.inFlight = undefined)))));
  }

  history(name: string): HealthReport[] {
    return this.watched.get(name)?.tracker.history() ?? [];
  }

  latest(name: string): HealthReport | undefined {
    return this.watched.get(name)?.tracker.last;
  }

  metrics(name: string): HealthMetrics | undefined {
    return this.watched.get(name)?.tracker.metrics();
  }

  allMetrics(): HealthMetrics[] {
    return [...this.watched.values()].map((w) => w.tracker.metrics());
  }

  private async checkOne(w: Watched): Promise<HealthReport> {
    const owned = !!w.config;
    let report: HealthReport;
    const opts = {
      slowThresholdMs: this.options.slowThresholdMs,
      timeoutMs: this.options.timeoutMs,
      queueFacts: this.options.queueFacts,
      profile: w.name,
      secrets: w.secrets,
    };
    try {
      // The monitor keeps its connection between checks, so a check measures the server, not a handshake.
      if (owned && !w.backend) w.backend = createBackend(w.config!);
      report = await runCheck(w.backend!, opts, false);
    } catch (err) {
      // runCheck never throws; createBackend can (a bad config): that is an unhealthy check too.
      report = {
        kind: w.config?.type ?? DEFAULT_BACKEND_KIND,
        address: '(invalid configuration)',
        status: 'unhealthy',
        responseTimeMs: 0,
        slow: false,
        error: (err as Error).message,
        warnings: [],
        checkedAt: Date.now(),
        nodes: [],
        queues: [],
        oldestPendingAgeMs: 0,
        liveWorkers: 0,
        deadTasks: 0,
        profile: w.name,
      };
    }
    if (owned && report.status === 'unhealthy' && w.backend) {
      // Start afresh next time: a broken connection is not reused.
      const stale = w.backend;
      w.backend = undefined;
      void stale.close().catch(() => {});
    }
    if (!this.watched.has(w.name)) return report; // removed while checking
    const previous = w.tracker.last?.status;
    w.tracker.record(report);
    this.emitSafely('check', report);
    if (previous !== report.status) this.emitSafely('status-change', { profile: w.name, from: previous, to: report.status, report });
    return report;
  }

  /** A listener that throws must not stop the monitor. */
  private emitSafely<E extends keyof HealthMonitorEvents>(event: E, ...args: HealthMonitorEvents[E]): void {
    try {
      (this.emit as (e: E, ...a: HealthMonitorEvents[E]) => boolean)(event, ...args);
    } catch {
      // the listener's problem, not the monitor's
    }
  }

  private async release(w: Watched): Promise<void> {
    await w.inFlight?.catch(() => undefined);
    if (w.config && w.backend) {
      const b = w.backend;
      w.backend = undefined;
      await b.close().catch(() => {});
    }
  }
}
