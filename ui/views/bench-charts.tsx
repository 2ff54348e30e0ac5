// The charts and tables of one benchmark report: throughput per profile, latency percentiles,
// and the pool sweep as a heatmap.
import { useCallback, useMemo } from 'preact/hooks';
import type uPlot from 'uplot';
import type { BenchReport, BenchmarkResult, MachineInfo, SweepResult, TargetCheck } from '../../shared/protocol/bench.js';
import { TableWrap } from '../components/common.js';
import { UChart, axis, groupedBars, type ChartOptions, type Palette } from '../charts/uchart.js';
import { fmtInt, fmtMs } from '../format.js';

const THROUGHPUT: { label: string; get: (r: BenchmarkResult) => number | undefined }[] = [
  { label: 'enqueue 1-by-1', get: (r) => r.enqueue.single.perSec },
  { label: 'enqueue batch', get: (r) => r.enqueue.batch.perSec },
  { label: 'processing', get: (r) => r.processing.perSec },
  { label: 'raw floor', get: (r) => r.floor?.perSec },
];

export function ThroughputChart({ results }: { results: BenchmarkResult[] }) {
  const names = results.map((r) => r.profile);
  const build = useCallback(
    (_w: number, p: Palette): ChartOptions => ({
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false, range: () => [-0.5, names.length - 0.5] }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [
        axis(p, { splits: () => names.map((_n, i) => i), values: () => names, grid: { show: false } }),
        axis(p, { label: 'tasks / s', labelSize: 14, size: 70, values: (_u, vals) => vals.map((v) => (v == null ? '' : fmtInt(v))) }),
      ],
      series: [
        { label: 'profile', value: (_u, v) => (v == null ? '' : (names[v] ?? '')) },
        ...THROUGHPUT.map((t, i) => ({
          label: t.label,
          stroke: p.series[i],
          fill: p.series[i],
          width: 0,
          paths: groupedBars(THROUGHPUT.length, i),
          points: { show: false },
          value: (_u: uPlot, v: number | null) => (v == null ? '–' : `${fmtInt(v)}/s`),
        })),
      ],
    }),
    [names.join('|')],
  );
  const data = useMemo(
    (): uPlot.AlignedData => [names.map((_n, i) => i), ...THROUGHPUT.map((t) => results.map((r) => t.get(r) ?? null))],
    [results],
  );
  return <UChart build={build} data={data} height={260} testid="chart-throughput" />;
}

const PCTS = ['p50', 'p95', 'p99', 'max'];

export function LatencyChart({ results, which }: { results: BenchmarkResult[]; which: 'idle' | 'processing' }) {
  const build = useCallback(
    (_w: number, p: Palette): ChartOptions => ({
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false, range: () => [-0.3, PCTS.length - 0.7] }, y: { distr: 3, log: 10 } },
      axes: [
        axis(p, { splits: () => PCTS.map((_p, i) => i), values: (_u, vals) => vals.map((v) => PCTS[v] ?? ''), grid: { show: false } }),
        axis(p, { label: 'ms (log)', labelSize: 14, size: 60 }),
      ],
      series: [
        { label: 'percentile', value: (_u, v) => (v == null ? '' : (PCTS[v] ?? '')) },
        ...results.map((r, i) => ({
          label: r.profile,
          stroke: p.series[i % p.series.length],
          width: 2,
          points: { show: true, size: 6 },
          value: (_u: uPlot, v: number | null) => fmtMs(v ?? undefined),
        })),
      ],
    }),
    [results.map((r) => r.profile).join('|'), which],
  );
  const data = useMemo((): uPlot.AlignedData => {
    const pick = (r: BenchmarkResult) => (which === 'idle' ? r.idle.toStart : r.processing.toStart);
    return [
      PCTS.map((_p, i) => i),
      ...results.map((r) => {
        const s = pick(r);
        return s.count ? [s.p50Ms, s.p95Ms, s.p99Ms, s.maxMs].map((v) => Math.max(v, 0.001)) : PCTS.map(() => null);
      }),
    ];
  }, [results, which]);
  return <UChart build={build} data={data} height={240} testid={`chart-latency-${which}`} />;
}

/**
 * One row per profile, two figures to a cell where they belong together, so the whole table fits
 * beside the run list; where it still does not, TableWrap turns rows into labelled cards.
 * Targets are information about this machine's run (their thresholds hold on an idle machine),
 * shown with the load the machine had, never as errors.
 */
export function ResultsTable({ report }: { report: BenchReport }) {
  return (
    <TableWrap>
      <table class="table bench-table" data-testid="bench-table">
        <thead>
          <tr>
            <th>Profile</th>
            <th class="num">Processing</th>
            <th class="num">Raw floor</th>
            <th class="num">Enqueue 1-by-1 / batch</th>
            <th class="num">Idle p50 / p99</th>
            <th class="num">Success</th>
            <th>Targets</th>
          </tr>
        </thead>
        <tbody>
          {report.results.map((r) => {
            const errors = r.errors.reduce((n, e) => n + e.count, 0);
            return (
              <tr key={r.profile}>
                <td class="card-main">
                  <div class="strong">{r.profile}</div>
                  <div class="muted small">{r.serverVersion}</div>
                </td>
                <td class="num strong" data-label="Processing">
                  {fmtInt(r.processing.perSec)}/s
                </td>
                <td class="num" data-label="Raw floor">
                  {r.floor ? `${fmtInt(r.floor.perSec)}/s` : '–'}
                  {r.floorRatio !== undefined && <div class="muted small">{r.floorRatio.toFixed(2)}× of it</div>}
                </td>
                <td class="num" data-label="Enqueue">
                  {fmtInt(r.enqueue.single.perSec)}/s
                  <div class="muted small">{fmtInt(r.enqueue.batch.perSec)}/s batched</div>
                </td>
                <td class="num" data-label="Idle p50 / p99">
                  {fmtMs(r.idle.toStart.count ? r.idle.toStart.p50Ms : undefined)}
                  <div class="muted small">{fmtMs(r.idle.toStart.count ? r.idle.toStart.p99Ms : undefined)}</div>
                </td>
                <td class="num" data-label="Success">
                  {(r.successRate * 100).toFixed(1)} %
                  <div class={`small ${errors ? 'error-text' : 'muted'}`}>{errors ? `${fmtInt(errors)} error(s)` : 'no errors'}</div>
                </td>
                <td class="card-full" data-label="Targets">
                  <TargetsNote targets={r.targets} load={report.machine} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** The targets of one result as plain information, next to the machine's load (a busy machine
 *  misses latency targets that an idle one meets). */
export function TargetsNote({ targets, load }: { targets: TargetCheck[]; load: Pick<MachineInfo, 'loadAverage' | 'cpus'> }) {
  const measured = targets.filter((t) => t.met !== undefined);
  const met = measured.filter((t) => t.met === true).length;
  const busy = load.loadAverage >= load.cpus * 0.7;
  const title = targets
    .map(
      (t) =>
        `${t.met === true ? 'within' : t.met === false ? 'outside' : 'not measured:'} ${t.name} ${t.threshold}${t.value !== undefined ? ` (measured ${t.value})` : ''}`,
    )
    .join('\n');
  return (
    <span class="targets-note" title={title} data-testid="targets-note">
      <span class="info-text">
        {met} of {measured.length} within target
      </span>
      <span class={`muted small ${busy ? 'busy' : ''}`}>
        {' '}
        · load {load.loadAverage.toFixed(1)} on {load.cpus} CPU{load.cpus === 1 ? '' : 's'}
        {busy ? ' (busy: targets assume an idle machine)' : ''}
      </span>
    </span>
  );
}

export function SweepHeatmap({ sweep }: { sweep: SweepResult }) {
  const pools = [...new Set(sweep.cells.map((c) => c.poolSize))].sort((a, b) => a - b);
  const concs = [...new Set(sweep.cells.map((c) => c.concurrency))].sort((a, b) => a - b);
  const max = Math.max(1, ...sweep.cells.map((c) => c.perSec));
  return (
    <div class="sweep" data-testid="sweep-heatmap">
      <h4>
        {sweep.profile} <span class="muted">{sweep.option ? `sweeping ${sweep.option}` : 'no pool to sweep'}</span>
      </h4>
      <p class="muted small">{sweep.note}</p>
      <table class="heatmap">
        <thead>
          <tr>
            <th>{sweep.option ?? 'pool'} ↓ / concurrency →</th>
            {concs.map((c) => (
              <th key={c} class="num">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {pools.map((pool) => (
            <tr key={pool}>
              <th class="num">{pool}</th>
              {concs.map((conc) => {
                const cell = sweep.cells.find((c) => c.poolSize === pool && c.concurrency === conc);
                if (!cell) return <td key={conc} />;
                const level = Math.min(9, Math.floor((cell.perSec / max) * 9.999));
                return (
                  <td
                    key={conc}
                    class={`num heat-${cell.error ? 'err' : level}`}
                    title={cell.error ?? `${fmtInt(cell.perSec)}/s, p50 ${fmtMs(cell.latency.p50Ms)}, p99 ${fmtMs(cell.latency.p99Ms)}`}
                  >
                    {cell.error ? 'error' : fmtInt(cell.perSec)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
