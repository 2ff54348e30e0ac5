// Prometheus metrics of one backend (issue 13, point 4), in the text exposition format, built on
// prom-client. Every scrape reads the backend: one health check (ping, nodes, queue counts, live
// workers) and the throughput history's running totals (history.ts), so a scrape of any process
// (`sitq metrics --serve`, the dashboard host) shows what every worker has written.
// Names follow Prometheus's conventions (base units, `_total` on counters only); docs/metrics.md
// lists them and what the tests check.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Backend } from '../core/backend.js';
import { countAtOrBelow, readTotals, type HistoryCounts } from '../core/history.js';
import { TASK_STATES } from '../core/rules.js';
import type { QueueCounts } from '../core/types.js';
import { runCheck, type HealthCheckOptions, type HealthReport } from '../health/check.js';
import { MetricsTracker } from '../health/metrics.js';

/** The `le` bounds of sitq_task_duration_seconds: 1 ms to about 35 min, doubling (each is a bound of
 *  the history's log buckets, so the counts are exact). */
export const DURATION_BUCKETS_MS: readonly number[] = Array.from({ length: 22 }, (_, k) => 2 ** k);

/** The counters' `state` label: what the throughput history counts. */
const COUNTED = ['enqueued', 'succeeded', 'failed', 'retried', 'dead'] as const;

interface Snapshot {
  report: HealthReport;
  totals: Map<string, HistoryCounts>;
}

/** sitq_task_duration_seconds: a histogram whose buckets are read from the stored history (written
 *  by every worker), not observed in this process. */
class StoredDurationHistogram extends Histogram<'queue'> {
  totals = new Map<string, HistoryCounts>();

  constructor(
    private readonly metricName: string,
    private readonly metricHelp: string,
    registers: Registry[],
  ) {
    super({ name: metricName, help: metricHelp, labelNames: ['queue'], buckets: DURATION_BUCKETS_MS.map((ms) => ms / 1000), registers });
  }

  override get(): ReturnType<Histogram<'queue'>['get']> {
    return this.getForPromString();
  }

  /** What the registry prints (prom-client asks a metric for this when it has it). */
  getForPromString(): ReturnType<Histogram<'queue'>['get']> {
    const name = this.metricName;
    const values: { value: number; labels: Record<string, string>; metricName: string }[] = [];
    for (const [queue, c] of this.totals) {
      const h = c.duration;
      for (const ms of DURATION_BUCKETS_MS)
        values.push({ metricName: `${name}_bucket`, labels: { le: String(ms / 1000), queue }, value: countAtOrBelow(h, ms) });
      values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf', queue }, value: h.count });
      values.push({ metricName: `${name}_sum`, labels: { queue }, value: h.sumMs / 1000 });
      values.push({ metricName: `${name}_count`, labels: { queue }, value: h.count });
    }
    const metric = { name, help: this.metricHelp, type: 'histogram', values, aggregator: 'sum', collect: () => undefined };
    // prom-client's typings declare `type` as a numeric enum, while its runtime (and the text
    // format) use the string 'histogram', as its own Histogram.get() returns.
    return Promise.resolve(metric as unknown as Awaited<ReturnType<Histogram<'queue'>['get']>>);
  }
}

export interface PrometheusOptions extends Pick<HealthCheckOptions, 'slowThresholdMs' | 'timeoutMs'> {
  /** The name the health score is kept under (a profile's name). Default `default`. */
  profile?: string;
}

export class PrometheusMetrics {
  readonly registry = new Registry();
  private readonly tracker: MetricsTracker;
  private inFlight: Promise<string> | undefined;
  private readonly tasksTotal: Counter<'queue' | 'state'>;
  private readonly queueTasks: Gauge<'queue' | 'state'>;
  private readonly duration: StoredDurationHistogram;
  private readonly lag: Gauge<'queue'>;
  private readonly workers: Gauge;
  private readonly queueWorkers: Gauge<'queue'>;
  private readonly up: Gauge;
  private readonly score: Gauge;
  private readonly responseTime: Gauge;

  constructor(
    private readonly backend: Backend,
    private readonly options: PrometheusOptions = {},
  ) {
    this.tracker = new MetricsTracker(options.profile ?? 'default', 100);
    const registers = [this.registry];
    this.tasksTotal = new Counter({
      name: 'sitq_tasks_total',
      help: 'Task transitions since the history began, from the throughput history every worker and producer writes: enqueued, succeeded, failed (attempts), retried, dead.',
      labelNames: ['queue', 'state'],
      registers,
    });
    this.queueTasks = new Gauge({
      name: 'sitq_queue_tasks',
      help: 'Tasks now in each state (pending, delayed, running, succeeded, dead, cancelled).',
      labelNames: ['queue', 'state'],
      registers,
    });
    this.duration = new StoredDurationHistogram(
      'sitq_task_duration_seconds',
      'Processing time of finished attempts (succeeded or failed), from the throughput history.',
      registers,
    );
    this.lag = new Gauge({
      name: 'sitq_queue_lag_seconds',
      help: 'Age of the oldest pending task (how far behind the workers are); 0 when none waits.',
      labelNames: ['queue'],
      registers,
    });
    this.workers = new Gauge({ name: 'sitq_workers', help: 'Workers whose heartbeat is within its lease.', registers });
    // Per queue in a metric of its own: a worker serving several queues counts under each, so a
    // sum over a `queue` label on sitq_workers would count it several times (Prometheus's rule:
    // the sum over a metric's labels must mean something).
    this.queueWorkers = new Gauge({
      name: 'sitq_queue_workers',
      help: 'Workers whose heartbeat is within its lease, per queue they serve (a worker serving several queues counts under each); 0 for a queue with tasks and no worker.',
      labelNames: ['queue'],
      registers,
    });
    this.up = new Gauge({ name: 'sitq_backend_up', help: "1 when the backend answered this scrape's health check, else 0.", registers });
    this.score = new Gauge({
      name: 'sitq_backend_health_score',
      help: "Health score 0-100 over this process's last 100 checks: 100 - 50 x error rate - 20 x slow rate.",
      registers,
    });
    this.responseTime = new Gauge({ name: 'sitq_backend_response_time_seconds', help: "The health check's ping round trip.", registers });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Reads the backend and answers the exposition text. Concurrent scrapes share one read. */
  metrics(): Promise<string> {
    this.inFlight ??= this.scrape().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async scrape(): Promise<string> {
    this.apply(await this.read());
    return this.registry.metrics();
  }

  private async read(): Promise<Snapshot> {
    const report = await runCheck(
      this.backend,
      { slowThresholdMs: this.options.slowThresholdMs, timeoutMs: this.options.timeoutMs, profile: this.options.profile },
      false,
    );
    this.tracker.record(report);
    let totals = new Map<string, HistoryCounts>();
    if (report.status !== 'unhealthy') {
      // A backend that answered the check but fails this read leaves the counters out of this scrape.
      totals = await readTotals(
        this.backend,
        report.queues.map((q) => q.queue),
      ).catch(() => new Map<string, HistoryCounts>());
    }
    return { report, totals };
  }

  private apply({ report, totals }: Snapshot): void {
    const answered = report.status !== 'unhealthy';
    this.up.set(answered ? 1 : 0);
    this.score.set(this.tracker.metrics().healthScore);
    this.responseTime.set(report.responseTimeMs / 1000);
    for (const m of [this.tasksTotal, this.queueTasks, this.lag, this.workers, this.queueWorkers]) m.reset();
    this.duration.totals = totals;
    if (!answered) return;
    this.workers.set(report.liveWorkers);
    for (const q of report.queues) this.applyQueue(q);
    // After the queues' zeros: a queue served by workers but holding no task is shown too.
    for (const [queue, n] of Object.entries(report.liveWorkersByQueue ?? {})) this.queueWorkers.set({ queue }, n);
    for (const [queue, c] of totals) for (const state of COUNTED) this.tasksTotal.inc({ queue, state }, c[state]);
  }

  private applyQueue(q: QueueCounts): void {
    for (const state of TASK_STATES) this.queueTasks.set({ queue: q.queue, state }, q.counts[state]);
    this.lag.set({ queue: q.queue }, q.oldestPendingAgeMs / 1000);
    this.queueWorkers.set({ queue: q.queue }, 0);
  }
}
