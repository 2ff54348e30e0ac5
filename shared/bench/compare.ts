// Comparing: the same workload on several profiles (one table), and a run against an earlier run
// (change in % per figure).
import type { BackendConfig } from '../backends/index.js';
import { BenchmarkAbortedError } from './abort.js';
import { runBenchmark } from './benchmark.js';
import { BENCHMARK_FIGURES, SOAK_FIGURES, SWEEP_FIGURES, type Figure } from './figures.js';
import { machineInfo, toReport, versionInfo } from './report.js';
import { resolveBenchmarkOptions } from './options.js';
import type { AnyBenchResult, BenchHooks, BenchmarkOptions, BenchReport, FigureChange, RunComparison } from './types.js';

export interface NamedProfile {
  name: string;
  config: BackendConfig;
}

/**
 * Runs the same workload on each profile, one after another, and returns one report (one table
 * in toMarkdown/toCsv). A profile that fails is listed under `skipped` with the reason; the others
 * still run. Cancelling stops at once and rejects with BenchmarkAbortedError.
 */
export async function compareProfiles(profiles: readonly NamedProfile[], options: Omit<BenchmarkOptions, 'profile'> = {}, hooks: BenchHooks = {}): Promise<BenchReport> {
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

function changeOf<T>(profile: string, prefix: string, f: Figure<T>, current: T, earlier: T): FigureChange | undefined {
  const c = f.get(current);
  const e = f.get(earlier);
  if (c === undefined || e === undefined) return undefined;
  const changePct = e === 0 ? undefined : Math.round(((c - e) / Math.abs(e)) * 1000) / 10;
  const better = c === e ? undefined : f.higherIsBetter ? c > e : c < e;
  return { profile, figure: prefix + f.key, current: c, earlier: e, changePct, better };
}

/**
 * Figure by figure change from `earlier` to `current`, matching benchmark results and soaks by
 * profile name and sweep cells by profile, pool size and concurrency.
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
    for (const f of BENCHMARK_FIGURES) push(changeOf(x.profile, '', f, x, y));
  });
  pair(now.soaks, before.soaks, (x, y) => {
    for (const f of SOAK_FIGURES) push(changeOf(x.profile, 'soak.', f, x, y));
  });
  pair(now.sweeps, before.sweeps, (x, y) => {
    for (const cell of x.cells) {
      const old = y.cells.find((c) => c.poolSize === cell.poolSize && c.concurrency === cell.concurrency);
      if (!old) continue;
      for (const f of SWEEP_FIGURES) push(changeOf(x.profile, `sweep.pool${cell.poolSize}.c${cell.concurrency}.`, f, cell, old));
    }
  });
  function push(c: FigureChange | undefined) {
    if (c) changes.push(c);
  }
  return { kind: 'comparison', currentDate: now.date, earlierDate: before.date, changes, unmatched: [...unmatched] };
}
