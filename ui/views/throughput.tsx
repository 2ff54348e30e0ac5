// Throughput history charts (stats.history: what the workers of every process stored, per queue and
// minute or hour): tasks finished, failures, and processing-time percentiles over the last hour,
// day or two weeks. Drag across a chart to zoom into a span, double-click or
// "Reset zoom" to see the whole range again. Read again when the profile's counts change, at most
// every few seconds (the workers write their counts every 2 s).
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import type { HistoryPoint, HistoryReport, HistoryResolution } from '../../shared/core/history.js';
import { Banner, Stat } from '../components/common.js';
import { UChart, axis, type ChartOptions, type Palette } from '../charts/uchart.js';
import { fmtInt, fmtMs } from '../format.js';
import { useApp, useAppState } from '../state/app.js';
import { useReload } from '../state/reload.js';

export type RangeId = 'hour' | 'day' | 'twoWeeks';

export const RANGES: { id: RangeId; label: string; ms: number; resolution: HistoryResolution }[] = [
  { id: 'hour', label: 'Last hour', ms: 3_600_000, resolution: 'minute' },
  { id: 'day', label: 'Last day', ms: 24 * 3_600_000, resolution: 'minute' },
  { id: 'twoWeeks', label: 'Two weeks', ms: 14 * 24 * 3_600_000, resolution: 'hour' },
];

/** The fewest ms between two reads caused by counts changing. */
const MIN_READ_GAP_MS = 3000;

/** The history of one queue (or every queue) of `profile` over `range`, kept fresh. */
export function useHistory(profile: string, queue: string | undefined, range: RangeId): { report?: HistoryReport; error?: string } {
  const app = useApp();
  const countsAt = useAppState((s) => (s.queues?.profile === profile ? s.queues.at : undefined));
  const [state, setState] = useState<{ key: string; report?: HistoryReport; error?: string }>({ key: '' });
  const key = `${profile}\0${queue ?? ''}\0${range}`;
  const keyRef = useRef(key);
  keyRef.current = key;
  const lastRead = useRef(0);
  const load = useReload(async () => {
    const asked = keyRef.current;
    const r = RANGES.find((x) => x.id === range)!;
    const now = Date.now();
    lastRead.current = now;
    try {
      const report = await app.client.request('stats.history', {
        profile,
        ...(queue ? { queue } : {}),
        since: now - r.ms,
        until: now,
        resolution: r.resolution,
      });
      if (keyRef.current === asked) setState({ key: asked, report });
    } catch (err) {
      if (keyRef.current === asked) setState({ key: asked, error: (err as Error).message });
    }
  });
  useEffect(() => {
    void load();
  }, [key]);
  useEffect(() => {
    if (countsAt === undefined) return;
    const wait = MIN_READ_GAP_MS - (Date.now() - lastRead.current);
    if (wait <= 0) {
      void load();
      return;
    }
    const timer = setTimeout(() => void load(), wait);
    return () => clearTimeout(timer);
  }, [countsAt]);
  return state.key === key ? state : {};
}

/** Every queue's points added up period by period (percentiles cannot be added: left out). */
export function sumQueues(report: HistoryReport): HistoryPoint[] {
  const first = report.queues[0]?.points ?? [];
  return first.map((p, i) => {
    const out: HistoryPoint = {
      ...p,
      enqueued: 0,
      succeeded: 0,
      failed: 0,
      retried: 0,
      dead: 0,
      timed: 0,
      meanMs: null,
      p50Ms: null,
      p95Ms: null,
      p99Ms: null,
      maxMs: null,
    };
    for (const q of report.queues) {
      const x = q.points[i];
      if (!x) continue;
      out.enqueued += x.enqueued;
      out.succeeded += x.succeeded;
      out.failed += x.failed;
      out.retried += x.retried;
      out.dead += x.dead;
      out.timed += x.timed;
    }
    return out;
  });
}

function totals(report: HistoryReport, queue: string | undefined) {
  const qs = queue ? report.queues.filter((q) => q.queue === queue) : report.queues;
  const sum = (k: 'enqueued' | 'succeeded' | 'failed' | 'retried' | 'dead') => qs.reduce((n, q) => n + q.total[k], 0);
  return {
    enqueued: sum('enqueued'),
    succeeded: sum('succeeded'),
    failed: sum('failed'),
    retried: sum('retried'),
    dead: sum('dead'),
    p95: queue ? qs[0]?.total.p95Ms : undefined,
    p99: queue ? qs[0]?.total.p99Ms : undefined,
  };
}

const unitOf = (r: HistoryResolution) => (r === 'minute' ? 'min' : 'h');

/** A time chart, zoomable along x (drag; double-click resets), its cursor shared with the others. */
function timeChart(
  p: Palette,
  label: string,
  series: uPlot.Series[],
  values?: (v: number) => string,
  onZoom?: (zoomed: boolean) => void,
): ChartOptions {
  return {
    legend: { show: true },
    cursor: { drag: { x: true, y: false, setScale: true }, sync: { key: 'sitq-history' } },
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, (max ?? 1) * 1.15)] } },
    axes: [
      axis(p),
      axis(p, {
        label,
        labelSize: 14,
        size: 56,
        ...(values ? { values: (_u: uPlot, vals: number[]) => vals.map((v) => (v == null ? '' : values(v))) } : {}),
      }),
    ],
    series: [{}, ...series],
    hooks: onZoom
      ? {
          setScale: [
            (u: uPlot, key: string) => {
              if (key !== 'x') return;
              const xs = u.data[0];
              const min = u.scales.x.min ?? 0;
              const max = u.scales.x.max ?? 0;
              onZoom(xs.length > 1 && (min > xs[0] + 1e-6 || max < xs[xs.length - 1] - 1e-6));
            },
          ],
        }
      : {},
  };
}

export function ThroughputCharts({
  profile,
  queue,
  range,
  setRange,
  queues,
  setQueue,
}: {
  profile: string;
  queue: string | undefined;
  range: RangeId;
  setRange: (r: RangeId) => void;
  queues: string[];
  setQueue: (q: string | undefined) => void;
}) {
  const { report, error } = useHistory(profile, queue, range);
  const [zoomed, setZoomed] = useState(false);
  const [resetKey, setResetKey] = useState(0);
  useEffect(() => setZoomed(false), [profile, queue, range]);

  const points = useMemo(
    () => (report ? (queue ? (report.queues.find((q) => q.queue === queue)?.points ?? []) : sumQueues(report)) : []),
    [report, queue],
  );
  const res = report?.resolution ?? RANGES.find((r) => r.id === range)!.resolution;
  const unit = unitOf(res);
  const perSeries = (p: Palette, label: string, i: number, color?: string): uPlot.Series => ({
    label,
    stroke: color ?? p.series[i],
    width: 2,
    fill: `${color ?? p.series[i]}18`,
    points: { show: false },
    value: (_u, v) => (v == null ? '–' : `${fmtInt(v)}/${unit}`),
  });

  const onZoom = useCallback((z: boolean) => setZoomed(z), []);
  const buildThroughput = useCallback(
    (_w: number, p: Palette) =>
      timeChart(p, `tasks / ${unit}`, [perSeries(p, 'succeeded', 1, p.good), perSeries(p, 'enqueued', 0)], undefined, onZoom),
    [unit, resetKey],
  );
  const buildFailures = useCallback(
    (_w: number, p: Palette) =>
      timeChart(
        p,
        `attempts / ${unit}`,
        [perSeries(p, 'failed attempts', 2, p.warn), perSeries(p, 'retried', 3), perSeries(p, 'dead', 4, p.bad)],
        undefined,
        onZoom,
      ),
    [unit, resetKey],
  );
  const latencySeries = queue ? ['p50', 'p95', 'p99'] : (report?.queues.map((q) => q.queue).slice(0, 6) ?? []);
  const buildLatency = useCallback(
    (_w: number, p: Palette) =>
      timeChart(
        p,
        queue ? 'processing time (ms)' : 'p95 per queue (ms)',
        latencySeries.map((name, i) => ({
          label: queue ? name : `${name} p95`,
          stroke: p.series[i % p.series.length],
          width: 2,
          points: { show: true, size: 3 },
          spanGaps: false,
          value: (_u: uPlot, v: number | null) => (v == null ? '–' : fmtMs(v)),
        })),
        (v) => String(+v.toFixed(1)),
        onZoom,
      ),
    [queue, latencySeries.join('\0'), resetKey],
  );

  const xs = points.map((x) => x.at / 1000);
  const throughput = useMemo((): uPlot.AlignedData => [xs, points.map((x) => x.succeeded), points.map((x) => x.enqueued)], [points]);
  const failures = useMemo(
    (): uPlot.AlignedData => [xs, points.map((x) => x.failed), points.map((x) => x.retried), points.map((x) => x.dead)],
    [points],
  );
  const latency = useMemo((): uPlot.AlignedData => {
    if (!report) return [[]];
    if (queue) return [xs, points.map((x) => x.p50Ms), points.map((x) => x.p95Ms), points.map((x) => x.p99Ms)];
    return [xs, ...report.queues.slice(0, 6).map((q) => q.points.map((x) => x.p95Ms))];
  }, [report, points, queue]);

  const t = report ? totals(report, queue) : undefined;
  return (
    <div class="throughput" data-testid="throughput" data-resolution={report?.resolution} data-points={report ? points.length : undefined}>
      <div class="toolbar">
        <label class="inline">
          Queue
          <select
            value={queue ?? ''}
            onChange={(e) => setQueue((e.target as HTMLSelectElement).value || undefined)}
            data-testid="throughput-queue"
          >
            <option value="">all queues</option>
            {queues.map((q) => (
              <option key={q} value={q}>
                {q}
              </option>
            ))}
          </select>
        </label>
        <div class="chips" role="group" aria-label="Time range">
          {RANGES.map((r) => (
            <button
              key={r.id}
              class={`chip ${range === r.id ? 'on' : ''}`}
              aria-pressed={range === r.id}
              onClick={() => setRange(r.id)}
              data-testid={`range-${r.id}`}
            >
              {r.label}
            </button>
          ))}
        </div>
        <div class="spacer" />
        {zoomed && (
          <button onClick={() => setResetKey((n) => n + 1)} data-testid="zoom-reset">
            Reset zoom
          </button>
        )}
      </div>
      {error && <Banner kind="error">Could not read the history: {error}</Banner>}
      <div class="stats" data-testid="throughput-totals">
        <Stat
          label={`succeeded, ${RANGES.find((r) => r.id === range)!.label.toLowerCase()}`}
          value={t ? fmtInt(t.succeeded) : '–'}
          tone="good"
          testid="total-succeeded"
        />
        <Stat label="enqueued" value={t ? fmtInt(t.enqueued) : '–'} testid="total-enqueued" />
        <Stat label="failed attempts" value={t ? fmtInt(t.failed) : '–'} tone={t?.failed ? 'warn' : undefined} testid="total-failed" />
        <Stat label="dead" value={t ? fmtInt(t.dead) : '–'} tone={t?.dead ? 'bad' : undefined} testid="total-dead" />
        {queue && <Stat label="p95 processing" value={t?.p95 != null ? fmtMs(t.p95) : '–'} testid="total-p95" />}
      </div>
      <div class="chart-grid">
        <figure class="chart-box">
          <figcaption>Throughput</figcaption>
          <UChart build={buildThroughput} data={throughput} height={200} testid="chart-throughput" />
        </figure>
        <figure class="chart-box">
          <figcaption>Failures</figcaption>
          <UChart build={buildFailures} data={failures} height={200} testid="chart-failures" />
        </figure>
        <figure class="chart-box">
          <figcaption>{queue ? 'Processing time percentiles' : 'Processing time (p95 of each queue; pick a queue for p50/p99)'}</figcaption>
          <UChart build={buildLatency} data={latency} height={200} testid="chart-latency" />
        </figure>
      </div>
      <p class="muted small">
        Per {res === 'minute' ? 'minute' : 'hour'}, as the workers of every process stored it. Drag across a chart to zoom in; double-click
        or Reset zoom to see the whole range.
      </p>
    </div>
  );
}

/** The Health screen's companions to response time: tasks finished and the failure rate per
 *  minute over the last hour, every queue of the profile together. */
export function HealthThroughput({ profile }: { profile: string }) {
  const { report, error } = useHistory(profile, undefined, 'hour');
  const points = useMemo(() => (report ? sumQueues(report) : []), [report]);
  const xs = points.map((x) => x.at / 1000);
  const buildRate = useCallback(
    (_w: number, p: Palette) =>
      timeChart(p, 'tasks / min', [
        {
          label: 'succeeded',
          stroke: p.good,
          width: 2,
          fill: `${p.good}18`,
          points: { show: false },
          value: (_u, v) => (v == null ? '–' : `${fmtInt(v)}/min`),
        },
        {
          label: 'failed attempts',
          stroke: p.warn,
          width: 2,
          points: { show: false },
          value: (_u, v) => (v == null ? '–' : `${fmtInt(v)}/min`),
        },
      ]),
    [],
  );
  const buildFailure = useCallback(
    (_w: number, p: Palette): ChartOptions => ({
      ...timeChart(p, 'failed attempts (%)', [
        {
          label: 'failure rate',
          stroke: p.bad,
          width: 2,
          fill: `${p.bad}18`,
          points: { show: true, size: 3 },
          value: (_u, v) => (v == null ? 'no attempts' : `${v.toFixed(1)} %`),
        },
      ]),
      scales: { x: { time: true }, y: { range: [0, 100] } },
    }),
    [],
  );
  const rate = useMemo((): uPlot.AlignedData => [xs, points.map((x) => x.succeeded), points.map((x) => x.failed)], [points]);
  const failure = useMemo(
    (): uPlot.AlignedData => [xs, points.map((x) => (x.succeeded + x.failed > 0 ? (100 * x.failed) / (x.succeeded + x.failed) : null))],
    [points],
  );
  const done = points.reduce((n, x) => n + x.succeeded, 0);
  const failed = points.reduce((n, x) => n + x.failed, 0);
  return (
    <>
      {error && <Banner kind="error">Could not read the throughput history: {error}</Banner>}
      <figure class="chart-box">
        <figcaption>
          Throughput, last hour{' '}
          <span class="muted" data-testid="health-throughput-total">
            {report ? `${fmtInt(done)} succeeded` : ''}
          </span>
        </figcaption>
        <UChart build={buildRate} data={rate} height={240} testid="health-throughput" />
      </figure>
      <figure class="chart-box">
        <figcaption>
          Failure rate, last hour{' '}
          <span class="muted" data-testid="health-failure-total">
            {report
              ? done + failed > 0
                ? `${((100 * failed) / (done + failed)).toFixed(1)} % of ${fmtInt(done + failed)} attempts`
                : 'no attempts'
              : ''}
          </span>
        </figcaption>
        <UChart build={buildFailure} data={failure} height={240} testid="health-failure-rate" />
      </figure>
    </>
  );
}
