// Live health of every profile: shared/health's check run on a timer over the service's shared
// connection, kept as a short history per profile and pushed to the UI after every check.
import { runCheck, type HealthReport } from '../health/check.js';
import { scrub } from '../config/redact.js';
import type { HealthSample, NodeStatus, ProfileHealth } from '../protocol/models.js';
import type { Connections } from './connections.js';

export interface HealthMonitorOptions {
  /** Between checks of one profile (ms). Default 5000. */
  intervalMs?: number;
  /** Samples kept per profile (the chart's window). Default 120. */
  historySize?: number;
  slowThresholdMs?: number;
  timeoutMs?: number;
}

interface Track {
  history: HealthSample[];
  last?: HealthReport;
  current: ProfileHealth;
  busy: boolean;
}

export class HealthMonitor {
  private readonly tracks = new Map<string, Track>();
  private timer: NodeJS.Timeout | undefined;
  private readonly intervalMs: number;
  private readonly historySize: number;

  constructor(
    private readonly connections: Connections,
    private readonly listProfiles: () => string[],
    private readonly emit: (health: ProfileHealth, sample: HealthSample) => void,
    private readonly options: HealthMonitorOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 5000;
    this.historySize = options.historySize ?? 120;
  }

  start(): void {
    if (this.timer) return;
    void this.checkAll();
    this.timer = setInterval(() => void this.checkAll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  list(): ProfileHealth[] {
    return this.listProfiles().map((name) => this.track(name).current);
  }

  history(name: string): HealthSample[] {
    return [...this.track(name).history];
  }

  /** The nodes seen by the last check (HA view); checks now when there is none yet. */
  async nodes(name: string): Promise<NodeStatus[]> {
    const t = this.track(name);
    if (!t.last) await this.check(name);
    return t.last?.nodes ?? [];
  }

  /** Forgets profiles that were deleted and checks the others at once (e.g. after an edit). */
  refresh(): void {
    const names = this.listProfiles();
    for (const name of this.tracks.keys()) if (!names.includes(name)) this.tracks.delete(name);
    void this.checkAll();
  }

  async check(name: string): Promise<void> {
    const t = this.track(name);
    if (t.busy) return;
    t.busy = true;
    try {
      const report = await this.runOne(name);
      t.last = report;
      const sample: HealthSample = { at: report.checkedAt, status: report.status };
      if (report.status !== 'unhealthy') sample.latencyMs = report.responseTimeMs;
      if (report.error) sample.error = report.error;
      t.history.push(sample);
      if (t.history.length > this.historySize) t.history.splice(0, t.history.length - this.historySize);
      t.current = this.summarize(name, report, t.history);
      if (this.tracks.get(name) === t) this.emit(t.current, sample);
    } finally {
      t.busy = false;
    }
  }

  private async checkAll(): Promise<void> {
    await Promise.all(this.listProfiles().map((name) => this.check(name)));
  }

  private async runOne(name: string): Promise<HealthReport> {
    const checkedAt = Date.now();
    const started = performance.now();
    try {
      const { backend, profile } = await this.connections.get(name);
      const report = await runCheck(backend, { slowThresholdMs: this.options.slowThresholdMs, timeoutMs: this.options.timeoutMs, secrets: profile.secrets, profile: name }, false);
      return report;
    } catch (err) {
      // Could not even open the connection (or resolve the profile): unhealthy, with the reason.
      const secrets = await this.connections.secrets().catch(() => []);
      return {
        profile: name,
        kind: 'sqlite',
        address: '',
        status: 'unhealthy',
        responseTimeMs: Math.round(performance.now() - started),
        slow: false,
        error: scrub((err as Error).message, secrets),
        warnings: [],
        checkedAt,
        nodes: [],
        queues: [],
        oldestPendingAgeMs: 0,
        liveWorkers: 0,
        deadTasks: 0,
      };
    }
  }

  /** Score 0..100 over the kept history, as the original sitq monitor counted it: errors cost up
   *  to 50 points, slow answers up to 20. */
  private summarize(name: string, report: HealthReport, history: readonly HealthSample[]): ProfileHealth {
    const n = history.length || 1;
    const errors = history.filter((s) => s.status === 'unhealthy').length;
    const slow = history.filter((s) => s.status === 'degraded').length;
    const score = Math.max(0, Math.round(100 - (errors / n) * 50 - (slow / n) * 20));
    const health: ProfileHealth = { profile: name, status: report.status, score, checkedAt: report.checkedAt };
    if (report.status !== 'unhealthy') {
      health.latencyMs = report.responseTimeMs;
      health.facts = { lagMs: report.oldestPendingAgeMs, liveWorkers: report.liveWorkers, deadTasks: report.deadTasks };
    }
    if (report.serverVersion) health.serverVersion = report.serverVersion;
    if (report.error) health.error = report.error;
    else if (report.warnings.length) health.error = report.warnings.join('; ');
    return health;
  }

  private track(name: string): Track {
    let t = this.tracks.get(name);
    if (!t) {
      t = { history: [], current: { profile: name, status: 'unknown', score: 100 }, busy: false };
      this.tracks.set(name, t);
    }
    return t;
  }
}
