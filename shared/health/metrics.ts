// Running health metrics of one monitored profile, kept in O(history) memory.
import { percentile } from '../core/stats.js';
import type { HealthReport, HealthStatus } from './check.js';

export interface HealthMetrics {
  profile: string;
  /** Checks run since the monitor started watching this profile. */
  totalChecks: number;
  /** Checks that ended `unhealthy` (no connection, an error, or no answer in time). */
  connectionErrors: number;
  /** Checks whose ping took longer than the slow threshold. */
  slowChecks: number;
  /** Mean ping time of every check that got an answer, in ms (0 before the first). */
  avgResponseTimeMs: number;
  /** 95th percentile ping time over the answered checks still in the history, in ms. */
  p95ResponseTimeMs: number;
  /** 0-100; see {@link healthScore}. */
  healthScore: number;
  lastStatus?: HealthStatus;
  lastCheckedAt?: number;
}

/**
 * The seed's health score: `100 − 50 × errorRate − 20 × slowRate`, floored at 0, where
 * `errorRate = connectionErrors / totalChecks` and `slowRate = slowChecks / totalChecks`.
 * So a profile that always fails scores 50, one that always answers slowly scores 80, and one that
 * fails half the time and is slow the other half scores 65. With no checks yet it is 100.
 */
export function healthScore(totalChecks: number, connectionErrors: number, slowChecks: number): number {
  if (totalChecks === 0) return 100;
  const score = 100 - 50 * (connectionErrors / totalChecks) - 20 * (slowChecks / totalChecks);
  return Math.max(0, Math.round(score * 10) / 10);
}

export class MetricsTracker {
  private total = 0;
  private errors = 0;
  private slow = 0;
  private answered = 0;
  private responseSum = 0;
  private readonly reports: HealthReport[] = [];

  constructor(
    readonly profile: string,
    private readonly historySize: number,
  ) {}

  record(report: HealthReport): void {
    this.total++;
    if (report.status === 'unhealthy') this.errors++;
    else {
      this.answered++;
      this.responseSum += report.responseTimeMs;
    }
    if (report.slow) this.slow++;
    this.reports.push(report);
    if (this.reports.length > this.historySize) this.reports.splice(0, this.reports.length - this.historySize);
  }

  get last(): HealthReport | undefined {
    return this.reports[this.reports.length - 1];
  }

  history(): HealthReport[] {
    return [...this.reports];
  }

  metrics(): HealthMetrics {
    const answered = this.reports.filter((r) => r.status !== 'unhealthy').map((r) => r.responseTimeMs);
    const m: HealthMetrics = {
      profile: this.profile,
      totalChecks: this.total,
      connectionErrors: this.errors,
      slowChecks: this.slow,
      avgResponseTimeMs: this.answered ? Math.round((this.responseSum / this.answered) * 100) / 100 : 0,
      p95ResponseTimeMs: answered.length
        ? percentile(
            [...answered].sort((x, y) => x - y),
            95,
          )
        : 0,
      healthScore: healthScore(this.total, this.errors, this.slow),
    };
    const last = this.last;
    if (last) {
      m.lastStatus = last.status;
      m.lastCheckedAt = last.checkedAt;
    }
    return m;
  }
}
