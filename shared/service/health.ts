// Live health of every profile for the dashboard: shared/health's HealthMonitor does the checks,
// history and score; this keeps it in step with the config file (profiles added, edited, deleted)
// and turns its reports into the protocol's samples, pushed after every check.
import { HealthMonitor as SharedMonitor, type HealthReport } from '../health/index.js';
import type { HealthSample, NodeStatus, ProfileHealth } from '../protocol/models.js';
import { ensureLocalFolder } from './local-files.js';
import type { ProfileBook } from './profiles.js';

export interface HealthOptions {
  /** Between rounds of checks (ms). Default 5000. */
  intervalMs?: number;
  /** Checks kept per profile (the chart's window). Default 120. */
  historySize?: number;
}

export class ProfileHealthTracker {
  private readonly monitor: SharedMonitor;
  /** What each watched profile was added with, to notice edits. */
  private readonly fingerprints = new Map<string, string>();
  /** Profiles that cannot even be resolved (e.g. a missing secret): shown unhealthy with the reason. */
  private readonly problems = new Map<string, ProfileHealth>();
  private syncing: Promise<void> = Promise.resolve();

  constructor(
    private readonly profiles: ProfileBook,
    private readonly emit: (health: ProfileHealth, sample: HealthSample) => void,
    options: HealthOptions = {},
  ) {
    this.monitor = new SharedMonitor({ intervalMs: options.intervalMs ?? 5000, historySize: options.historySize ?? 120 });
    this.monitor.on('check', (report) => {
      if (report.profile) this.emit(this.current(report.profile), toSample(report));
    });
  }

  start(): void {
    void this.sync().then(() => this.monitor.start());
  }

  async stop(): Promise<void> {
    await this.syncing;
    await this.monitor.stop();
  }

  list(): ProfileHealth[] {
    return this.profiles.names().map((name) => this.current(name));
  }

  history(name: string): HealthSample[] {
    return this.monitor.history(name).map(toSample);
  }

  async nodes(name: string): Promise<NodeStatus[]> {
    await this.syncing;
    if (!this.monitor.latest(name) && this.monitor.profiles.includes(name)) await this.monitor.checkNow(name);
    return this.monitor.latest(name)?.nodes ?? [];
  }

  /** Brings the watched set in line with the config file, then checks changed profiles at once. */
  refresh(): void {
    void this.sync();
  }

  private sync(): Promise<void> {
    this.syncing = this.syncing.then(() => this.syncNow()).catch(() => {});
    return this.syncing;
  }

  private async syncNow(): Promise<void> {
    const names = this.profiles.names();
    for (const name of this.monitor.profiles) {
      if (!names.includes(name)) {
        await this.monitor.remove(name);
        this.fingerprints.delete(name);
      }
    }
    for (const name of [...this.problems.keys()]) if (!names.includes(name)) this.problems.delete(name);
    for (const name of names) {
      let profile;
      try {
        profile = await this.profiles.resolve(name);
      } catch (err) {
        if (this.monitor.profiles.includes(name)) await this.monitor.remove(name);
        this.fingerprints.delete(name);
        const health: ProfileHealth = {
          profile: name,
          status: 'unhealthy',
          score: 0,
          checkedAt: Date.now(),
          error: (err as Error).message,
        };
        this.problems.set(name, health);
        this.emit(health, { at: health.checkedAt!, status: 'unhealthy', error: health.error });
        continue;
      }
      this.problems.delete(name);
      const fingerprint = JSON.stringify(profile.backend);
      if (this.fingerprints.get(name) === fingerprint) continue;
      if (this.monitor.profiles.includes(name)) await this.monitor.remove(name);
      ensureLocalFolder(profile.backend);
      this.monitor.add(name, profile);
      this.fingerprints.set(name, fingerprint);
      void this.monitor.checkNow(name);
    }
  }

  private current(name: string): ProfileHealth {
    const problem = this.problems.get(name);
    if (problem) return problem;
    const report = this.monitor.latest(name);
    const metrics = this.monitor.metrics(name);
    if (!report || !metrics) return { profile: name, status: 'unknown', score: 100 };
    const health: ProfileHealth = {
      profile: name,
      status: report.status,
      score: Math.round(metrics.healthScore),
      checkedAt: report.checkedAt,
    };
    if (report.status !== 'unhealthy') {
      health.latencyMs = report.responseTimeMs;
      health.facts = { lagMs: report.oldestPendingAgeMs, liveWorkers: report.liveWorkers, deadTasks: report.deadTasks };
    }
    if (report.serverVersion) health.serverVersion = report.serverVersion;
    if (report.error) health.error = report.error;
    else if (report.warnings.length) health.error = report.warnings.join('; ');
    return health;
  }
}

function toSample(report: HealthReport): HealthSample {
  const sample: HealthSample = { at: report.checkedAt, status: report.status };
  if (report.status !== 'unhealthy') sample.latencyMs = report.responseTimeMs;
  if (report.error) sample.error = report.error;
  return sample;
}
