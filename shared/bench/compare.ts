// Comparing: the same workload on several profiles (one table), and a run against an earlier run
// (change in % per figure).
import type { BackendConfig } from '../backends/index.js';
import { BenchmarkAbortedError } from './abort.js';
import { runBenchmark } from './benchmark.js';
import { BENCHMARK_FIGURES, SOAK_FIGURES, SWEEP_FIGURES, type Figure } from './figures.js';
import { machineInfo, toReport, versionInfo } from './report.js';
import { resolveBenchmarkOptions } from './options.js';
import type {
  AnyBenchResult,
  BenchHooks,
  BenchmarkOptions,
  BenchmarkResult,
  BenchReport,
  ComparisonVerdict,
  FigureChange,
  LatencySummary,
  RunComparison,
  SoakResult,
  SweepCell,
} from './types.js';

export interface NamedProfile {
  name: string;
  config: BackendConfig;
}

/**
 * Runs the same workload on each profile, one after another, and returns one report (one table
 * in toMarkdown/toCsv). A profile that fails is listed under `skipped` with the reason; the others
 * still run. Cancelling stops at once and rejects with BenchmarkAbortedError.
 */
export async function compareProfiles(
  profiles: readonly NamedProfile[],
  options: Omit<BenchmarkOptions, 'profile'> = {},
  hooks: BenchHooks = {},
): Promise<BenchReport> {
  const date = new Date().toISOString();
  const report: BenchReport = {
    kind: 'report',
    date,
    machine: machineInfo(),
    versions: versionInfo(),
    settings: resolveBenchmarkOptions(options, '(each profile)'),
    results: [],
    skipped: [],
    sweeps: [],
    soaks: [],
  };
  for (const p of profiles) {
    try {
      report.results.push(await runBenchmark(p.config, { ...options, profile: p.name }, hooks));
    } catch (err) {
      if (err instanceof BenchmarkAbortedError) throw err;
      report.skipped.push({ profile: p.name, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  report.versions = versionInfo(report.results);
  return report;
}

/** A figure's value range within one run: what that run alone shows as its variation. */
type Spread<T> = (r: T, value: number) => [number, number];

/** Rates measured once per round: the rounds' lowest to highest; with one round, ±10 %. */
const ROUND_RATES: Record<string, (round: BenchmarkResult['rounds'][number]) => number | undefined> = {
  'enqueue.single.perSec': (x) => x.singleEnqueuePerSec,
  'enqueue.batch.perSec': (x) => x.batchEnqueuePerSec,
  'processing.perSec': (x) => x.processingPerSec,
  'floor.perSec': (x) => x.floorPerSec,
  floorRatio: (x) => x.floorRatio,
  'enqueueFloor.perSec': (x) => x.enqueueFloorPerSec,
  enqueueFloorRatio: (x) => x.enqueueFloorRatio,
};

const plusMinus =
  (share: number): Spread<unknown> =>
  (_r, v) => [v * (1 - share), v * (1 + share)];

/**
 * The spread of a benchmark figure within its own run:
 * - rates: the lowest and highest of the run's rounds (one round: ±10 %);
 * - latency percentiles: half the run's own p50→p95 band (p50, p95) or p50→p99 band (p99, max)
 *   on either side, i.e. how much single tasks of that run vary;
 * - connect time (one measurement): ±50 %;
 * - success rate and errors are counts: no spread, every change is real.
 */
function benchmarkSpread(key: string): Spread<BenchmarkResult> {
  const rate = ROUND_RATES[key];
  if (rate) {
    return (r, v) => {
      const values = r.rounds.map(rate).filter((x): x is number => x !== undefined);
      return values.length >= 2 ? [Math.min(...values, v), Math.max(...values, v)] : plusMinus(0.1)(r, v);
    };
  }
  const latency = /^(.*)\.(p50|p95|p99|max)Ms$/.exec(key);
  if (latency) {
    const [, prefix, pct] = latency;
    const pick = (r: BenchmarkResult): LatencySummary | undefined =>
      prefix === 'enqueue.single'
        ? r.enqueue.single.latency
        : prefix === 'idle.toStart'
          ? r.idle.toStart
          : prefix === 'idle.toFinish'
            ? r.idle.toFinish
            : prefix === 'idle.enqueueCall'
              ? r.idle.enqueueCall
              : prefix === 'processing.toStart'
                ? r.processing.toStart
                : prefix === 'processing.toFinish'
                  ? r.processing.toFinish
                  : undefined;
    return (r, v) => {
      const s = pick(r);
      if (!s || s.count === 0) return [v, v];
      const half = ((pct === 'p50' || pct === 'p95' ? s.p95Ms : s.p99Ms) - s.p50Ms) / 2;
      return [v - half, v + half];
    };
  }
  if (key === 'connectMs') return plusMinus(0.5);
  return (_r, v) => [v, v];
}

function sweepSpread(key: string): Spread<SweepCell> {
  if (key === 'errors') return (_c, v) => [v, v];
  if (key === 'perSec') return plusMinus(0.1);
  return (c, v) => {
    const half = ((key === 'p99Ms' ? c.latency.p99Ms : c.latency.p95Ms) - c.latency.p50Ms) / 2;
    return [v - half, v + half];
  };
}

const soakSpread: Spread<SoakResult> = plusMinus(0.1);

function unitOf(key: string): FigureChange['unit'] {
  if (key.endsWith('Ms')) return 'ms';
  if (key.endsWith('perSec')) return '/s';
  if (key.endsWith('Ratio')) return 'x';
  if (key === 'successRate') return 'share';
  if (key.endsWith('MiB')) return 'MiB';
  return 'count';
}

function changeOf<T>(profile: string, prefix: string, f: Figure<T>, current: T, earlier: T, spread: Spread<T>): FigureChange | undefined {
  const c = f.get(current);
  const e = f.get(earlier);
  if (c === undefined || e === undefined) return undefined;
  const changePct = e === 0 ? undefined : Math.round(((c - e) / Math.abs(e)) * 1000) / 10;
  const better = c === e ? undefined : f.higherIsBetter ? c > e : c < e;
  const [cLow, cHigh] = spread(current, c);
  const [eLow, eHigh] = spread(earlier, e);
  // Noise: the two runs' own ranges overlap, so this difference is one they show by themselves.
  const noise = c === e || (cLow <= eHigh && eLow <= cHigh);
  const label = prefix
    ? `${prefix.replace(/^sweep\.pool(\d+)\.c(\d+)\.$/, 'pool $1, $2 in flight: ').replace(/^soak\.$/, '')}${f.label}`
    : f.label;
  return { profile, figure: prefix + f.key, current: c, earlier: e, changePct, better, group: f.group, label, unit: unitOf(f.key), noise };
}

/** One sentence over the changes that are beyond noise, largest first. */
export function verdictOf(changes: readonly FigureChange[]): ComparisonVerdict {
  const real = changes.filter((c) => !c.noise && c.better !== undefined);
  const better = real.filter((c) => c.better);
  const worse = real.filter((c) => !c.better);
  if (real.length === 0) return { tone: 'same', text: `No change beyond the runs' own spread (${changes.length} figures compared).` };
  const describe = (list: FigureChange[]) =>
    [...list]
      .sort((a, b) => Math.abs(b.changePct ?? 0) - Math.abs(a.changePct ?? 0))
      .slice(0, 3)
      .map((c) =>
        `${c.label.replace(/ \([^)]*\)$/, '')} ${c.changePct === undefined ? '' : `${c.changePct > 0 ? '+' : ''}${c.changePct} %`}`.trim(),
      )
      .join(', ');
  const rest = changes.length - real.length;
  const parts = [];
  if (better.length) parts.push(`better: ${describe(better)}${better.length > 3 ? ` and ${better.length - 3} more` : ''}`);
  if (worse.length) parts.push(`worse: ${describe(worse)}${worse.length > 3 ? ` and ${worse.length - 3} more` : ''}`);
  const tone = better.length && worse.length ? 'mixed' : better.length ? 'better' : 'worse';
  return { tone, text: `${parts.join('; ')}. ${rest} other figure${rest === 1 ? '' : 's'} moved within the runs' own spread.` };
}

const WORKLOAD_KEYS = [
  'task',
  'tasks',
  'concurrency',
  'payloadBytes',
  'batchSize',
  'warmup',
  'singleEnqueue',
  'idleSamples',
  'floor',
  'observability',
] as const;

/** What makes two runs not measure the same thing: different workloads, machines or load. */
export function workloadDifferences(now: BenchReport, before: BenchReport): string[] {
  const out: string[] = [];
  const a = now.settings ?? now.results[0]?.settings;
  const b = before.settings ?? before.results[0]?.settings;
  if (a && b) {
    for (const key of WORKLOAD_KEYS) if (a[key] !== b[key]) out.push(`${key}: ${String(b[key])} → ${String(a[key])}`);
  }
  if (now.machine.hostname !== before.machine.hostname) out.push(`machine: ${before.machine.hostname} → ${now.machine.hostname}`);
  if (now.machine.cpus !== before.machine.cpus || now.machine.cpuModel !== before.machine.cpuModel)
    out.push(`CPUs: ${before.machine.cpus} × ${before.machine.cpuModel} → ${now.machine.cpus} × ${now.machine.cpuModel}`);
  const [la, lb] = [now.machine.loadAverage, before.machine.loadAverage];
  if (Math.abs(la - lb) >= 1 && Math.abs(la - lb) >= 0.5 * Math.min(la, lb))
    out.push(`machine load at the start: ${lb.toFixed(1)} → ${la.toFixed(1)}`);
  return out;
}

/**
 * Figure by figure change from `earlier` to `current`, matching benchmark results and soaks by
 * profile name and sweep cells by profile, pool size and concurrency; each change says whether it
 * lies within the runs' own spread (noise), and the comparison leads with a verdict and names
 * any difference between the two runs' workloads.
 */
export function compareRuns(current: AnyBenchResult, earlier: AnyBenchResult): RunComparison {
  const now = toReport(current);
  const before = toReport(earlier);
  const changes: FigureChange[] = [];
  const unmatched = new Set<string>();
  const pair = <T extends { profile: string }>(a: readonly T[], b: readonly T[], each: (x: T, y: T) => void) => {
    for (const x of a) {
      const y = b.find((r) => r.profile === x.profile);
      if (y) each(x, y);
      else unmatched.add(x.profile);
    }
    for (const y of b) if (!a.some((x) => x.profile === y.profile)) unmatched.add(y.profile);
  };
  pair(now.results, before.results, (x, y) => {
    for (const f of BENCHMARK_FIGURES) push(changeOf(x.profile, '', f, x, y, benchmarkSpread(f.key)));
  });
  pair(now.soaks, before.soaks, (x, y) => {
    for (const f of SOAK_FIGURES) push(changeOf(x.profile, 'soak.', f, x, y, soakSpread));
  });
  pair(now.sweeps, before.sweeps, (x, y) => {
    for (const cell of x.cells) {
      const old = y.cells.find((c) => c.poolSize === cell.poolSize && c.concurrency === cell.concurrency);
      if (!old) continue;
      for (const f of SWEEP_FIGURES)
        push(changeOf(x.profile, `sweep.pool${cell.poolSize}.c${cell.concurrency}.`, f, cell, old, sweepSpread(f.key)));
    }
  });
  function push(c: FigureChange | undefined) {
    if (c) changes.push(c);
  }
  return {
    kind: 'comparison',
    currentDate: now.date,
    earlierDate: before.date,
    changes,
    unmatched: [...unmatched],
    verdict: verdictOf(changes),
    workloadDifferences: workloadDifferences(now, before),
  };
}
