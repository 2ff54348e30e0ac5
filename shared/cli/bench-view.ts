// What bench, sweep and demo share: choosing the profiles whose server answers, showing results
// as terminal tables, and saving them (JSON report + Markdown + CSV).
import { writeFileSync } from 'node:fs';
import type { BenchProgress, BenchReport, BenchmarkResult, RunComparison, SweepResult } from '../bench/index.js';
import { saveResult, toCsv, toMarkdown } from '../bench/index.js';
import type { NamedProfile } from '../bench/index.js';
import { checkHealth } from '../health/check.js';
import type { Profile } from '../config/profiles.js';
import { prepareProfile, type CliContext } from './context.js';
import { describeError } from './errors.js';
import { formatMs, formatNumber, table } from './format.js';
import type { Io } from './io.js';
import { progressBar, type Progress } from './progress.js';

export interface Reachability {
  reachable: (NamedProfile & { profile: Profile; serverVersion?: string })[];
  skipped: { profile: string; reason: string }[];
}

/** Checks each profile (quickly, in parallel) and splits them into reachable and skipped-with-reason. */
export async function splitReachable(
  targets: { name: string; profile?: Profile; error?: unknown }[],
  timeoutMs = 3000,
): Promise<Reachability> {
  const checks = await Promise.all(
    targets.map(async (t) => {
      if (!t.profile) return { t, reason: describeError(t.error).replace(/\n\s*/g, '; ') };
      await prepareProfile(t.profile);
      const r = await checkHealth(t.profile, { timeoutMs, queueFacts: false });
      return r.status === 'unhealthy' ? { t, reason: `not reachable: ${r.error}` } : { t, version: r.serverVersion };
    }),
  );
  const out: Reachability = { reachable: [], skipped: [] };
  for (const c of checks) {
    if ('reason' in c && c.reason !== undefined) out.skipped.push({ profile: c.t.name, reason: c.reason });
    else out.reachable.push({ name: c.t.name, config: c.t.profile!.backend, profile: c.t.profile!, serverVersion: c.version });
  }
  return out;
}

/** The profiles a bench-like command runs on: --all (every profile that answers) or the chosen one. */
export async function benchTargets(ctx: CliContext, all: boolean | undefined): Promise<Reachability> {
  if (all) return splitReachable(await ctx.allProfiles());
  const profile = await ctx.profile();
  return splitReachable([{ name: profile.name, profile }]);
}

/** A progress bar fed by the harness's onProgress events (a no-op off a terminal). */
export function benchProgress(io: Io, json: boolean): { onProgress: (p: BenchProgress) => void; stop: () => void } {
  let bar: Progress | undefined;
  let key = '';
  return {
    onProgress: (p) => {
      const k = `${p.profile}/${p.phase}`;
      if (k !== key) {
        key = k;
        bar?.stop();
        bar = progressBar(io, Math.max(1, p.total), `${p.profile}`, json);
      }
      bar?.setTotal(Math.max(1, p.total));
      bar?.update(p.done, p.phase);
    },
    stop: () => bar?.stop(),
  };
}

export function resultsTable(io: Io, results: readonly BenchmarkResult[]): string {
  const c = io.colors;
  return table(
    results,
    [
      { header: 'PROFILE', value: (r) => r.profile },
      { header: 'BACKEND', value: (r) => r.backend },
      { header: 'PROCESS/S', value: (r) => Math.round(r.processing.perSec) },
      { header: 'FLOOR/S', value: (r) => (r.floor ? Math.round(r.floor.perSec) : undefined) },
      {
        header: 'RATIO',
        value: (r) => (r.floorRatio !== undefined ? `${r.floorRatio.toFixed(2)}x` : '-'),
        align: 'right',
        color: (t, r) => (r.floorRatio === undefined ? t : r.floorRatio >= 0.8 ? c.green(t) : c.yellow(t)),
      },
      { header: 'ENQ 1x1/S', value: (r) => Math.round(r.enqueue.single.perSec) },
      { header: 'ENQ BATCH/S', value: (r) => Math.round(r.enqueue.batch.perSec) },
      { header: 'START P50', value: (r) => (r.idle.toStart.count ? formatMs(r.idle.toStart.p50Ms) : '-'), align: 'right' },
      { header: 'P99', value: (r) => (r.idle.toStart.count ? formatMs(r.idle.toStart.p99Ms) : '-'), align: 'right' },
      { header: 'FINISH P50', value: (r) => (r.idle.toFinish.count ? formatMs(r.idle.toFinish.p50Ms) : '-'), align: 'right' },
      {
        header: 'SUCCESS',
        value: (r) => `${(r.successRate * 100).toFixed(1)}%`,
        align: 'right',
        color: (t, r) => (r.successRate === 1 ? t : c.red(t)),
      },
      { header: 'CONNECT', value: (r) => formatMs(r.connectMs), align: 'right' },
    ],
    c,
  );
}

export function printReport(io: Io, report: BenchReport): void {
  const c = io.colors;
  if (report.results.length) {
    io.out(resultsTable(io, report.results));
    io.out(
      c.dim(
        'PROCESS/S: first start to last confirmed completion · FLOOR/S: the simplest correct claim loop on the same server · START/FINISH: enqueue to handler start / to confirmed completion on an idle worker',
      ),
    );
    io.out();
    for (const line of targetLines(report)) io.out(c.dim(line));
    const errors = report.results.flatMap((r) => r.errors.map((e) => `${r.profile}: ${e.source}: ${e.message} (×${e.count})`));
    if (errors.length) {
      io.out();
      io.out(c.red('errors:'));
      for (const e of errors) io.out(`  ${e}`);
    }
  }
  for (const s of report.sweeps) {
    io.out();
    printSweep(io, s);
  }
  printSkipped(io, report.skipped);
}

/**
 * The targets as information, one line per profile, with the machine's load beside them: their
 * thresholds describe an idle machine, so on a busy one they are expected to be outside and are
 * not reported as failures (no warning colour, no "missed").
 */
export function targetLines(report: BenchReport): string[] {
  const { loadAverage, cpus } = report.machine;
  const busy = loadAverage >= cpus * 0.7;
  const head = `targets (for an idle machine; load here ${loadAverage.toFixed(1)} on ${cpus} CPU${cpus === 1 ? '' : 's'}${busy ? ', busy: expect latency outside them' : ''}):`;
  return [
    head,
    ...report.results.map((r) => {
      const measured = r.targets.filter((t) => t.met !== undefined);
      const each = r.targets.map(
        (t) =>
          `${t.name} ${t.value === undefined ? 'not measured' : formatNumber(t.value)} (target ${t.threshold}${t.met === true ? ', within' : t.met === false ? ', outside' : ''})`,
      );
      return `  ${r.profile}: ${measured.filter((t) => t.met).length} of ${measured.length} within · ${each.join('; ')}`;
    }),
  ];
}

export function printSkipped(io: Io, skipped: readonly { profile: string; reason: string }[]): void {
  if (!skipped.length) return;
  io.out();
  io.out(io.colors.yellow('skipped:'));
  for (const s of skipped) io.out(`  ${s.profile}: ${s.reason}`);
}

export function printSweep(io: Io, s: SweepResult): void {
  io.out(io.colors.bold(`pool sweep: ${s.profile} (${s.backend}${s.option ? `, ${s.option}` : ''})`));
  io.out(io.colors.dim(s.note));
  io.out(
    table(
      s.cells,
      [
        { header: (s.option ?? 'pool').toUpperCase(), value: (x) => x.poolSize },
        { header: 'CONCURRENCY', value: (x) => x.concurrency },
        { header: 'TASKS', value: (x) => x.tasks },
        { header: 'ENQUEUE/S', value: (x) => (x.error && x.tasks === 0 ? undefined : Math.round(x.perSec)) },
        { header: 'P50', value: (x) => (x.latency.count ? formatMs(x.latency.p50Ms) : '-'), align: 'right' },
        { header: 'P95', value: (x) => (x.latency.count ? formatMs(x.latency.p95Ms) : '-'), align: 'right' },
        { header: 'P99', value: (x) => (x.latency.count ? formatMs(x.latency.p99Ms) : '-'), align: 'right' },
        { header: 'ERRORS', value: (x) => x.errors },
        { header: 'NOTE', value: (x) => x.error ?? '' },
      ],
      io.colors,
    ),
  );
}

export function printComparison(io: Io, cmp: RunComparison): void {
  const c = io.colors;
  io.out(c.bold(`compared with the run of ${cmp.earlierDate ?? '?'}`));
  io.out(cmp.verdict.text);
  for (const d of cmp.workloadDifferences) io.out(c.yellow(`the runs differ: ${d}`));
  io.out(
    table(
      cmp.changes,
      [
        { header: 'PROFILE', value: (x) => x.profile },
        { header: 'FIGURE', value: (x) => x.label },
        { header: 'EARLIER', value: (x) => x.earlier },
        { header: 'NOW', value: (x) => x.current },
        {
          header: 'CHANGE',
          value: (x) =>
            `${x.changePct === undefined ? '-' : `${x.changePct > 0 ? '+' : ''}${x.changePct.toFixed(1)}%`}${x.noise && x.changePct ? ' (noise)' : ''}`,
          align: 'right',
          color: (t, x) => (x.better === undefined || x.noise ? t : x.better ? c.green(t) : c.red(t)),
        },
      ],
      c,
    ),
  );
  if (cmp.unmatched.length) io.out(c.dim(`in one run only: ${cmp.unmatched.join(', ')}`));
}

/** Saves the report as <name>.json (via the harness) plus .md and .csv next to it; returns the paths. */
export function saveOutputs(report: BenchReport, dir: string, command: string, name?: string): string[] {
  const json = saveResult(report, dir, { command, ...(name ? { name } : {}) });
  const base = json.replace(/\.json$/, '');
  writeFileSync(`${base}.md`, toMarkdown({ ...report, command }));
  writeFileSync(`${base}.csv`, toCsv(report));
  return [json, `${base}.md`, `${base}.csv`];
}

/** The command line as typed, for the saved report (secrets are scrubbed by the writer). */
export function commandLine(argv: readonly string[] = process.argv.slice(2)): string {
  return ['sitq', ...argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))].join(' ');
}
