// The steps of `sitq demo` (see commands/demo.ts), loaded only when the demo runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchmarkAbortedError, compareProfiles, sweepPools, type BenchReport, type SweepResult } from '../bench/index.js';
import { descriptorOf, type BackendKind } from '../backends/descriptors.js';
import { LOCAL_SERVER_PRESETS, LOCAL_SQLITE_PROFILE } from '../config/presets.js';
import { resolveEntry, type Profile } from '../config/profiles.js';
import { redact, redactValue, scrub } from '../config/redact.js';
import { EnvSecretStore } from '../config/references.js';
import type { ProfileEntry } from '../config/schema.js';
import { checkHealth, type HealthReport } from '../health/check.js';
import type { HealthMetrics } from '../health/metrics.js';
import { HealthMonitor } from '../health/monitor.js';
import {
  benchProgress,
  commandLine,
  printReport,
  printSkipped,
  printSweep,
  resultsTable,
  saveOutputs,
  splitReachable,
  type Reachability,
} from './bench-view.js';
import type { CliContext } from './context.js';
import { CommandFailed } from './errors.js';
import { formatMs, keyValues, table } from './format.js';
import type { Io } from './io.js';
import { onInterrupt } from './signals.js';
import { statusColor } from './commands/health.js';

export interface DemoFlags {
  tasks: number;
  rounds: number;
  interval: number;
  tasksPerCell: number;
  out?: string;
}

export async function demo(ctx: CliContext, flags: DemoFlags): Promise<number> {
  const { io } = ctx;
  const human = !ctx.json;
  const c = io.colors;
  const heading = (n: number, title: string) => {
    if (!human) return;
    io.out();
    io.out(c.bold(`${n}. ${title}`));
    io.out(c.dim('─'.repeat(60)));
  };
  const scratch = mkdtempSync(join(tmpdir(), 'sitq-demo-'));
  const abort = new AbortController();
  const dispose = onInterrupt(() => {
    io.err('stopping the demo (cleaning up)…');
    abort.abort();
  });
  try {
    if (human) {
      io.out(c.bold('sitq demo: backend configuration walk-through on this machine'));
      io.out(c.dim('Benchmarks run in namespaces of their own (temp file, schema, key prefix, stream) and are removed afterwards.'));
    }
    const targets = await demoProfiles(ctx, scratch);
    const reach = await splitReachable(targets, 3000);
    if (human) {
      for (const r of reach.reachable) io.out(`  ${c.green('✓')} ${r.name.padEnd(10)} ${r.config.type.padEnd(9)} ${r.serverVersion ?? ''}`);
      for (const s of reach.skipped) io.out(`  ${c.yellow('-')} ${s.profile.padEnd(10)} skipped: ${s.reason}`);
    }
    if (reach.reachable.length === 0) throw new CommandFailed('no backend answered, not even the local SQLite file');

    heading(1, 'BACKEND PERFORMANCE BENCHMARK');
    const progress = benchProgress(io, ctx.json);
    let report: BenchReport;
    try {
      report = await compareProfiles(
        reach.reachable.map(({ name, config }) => ({ name, config })),
        { tasks: flags.tasks, warmup: Math.min(200, Math.ceil(flags.tasks / 10)), idleSamples: 100 },
        { onProgress: progress.onProgress, signal: abort.signal },
      );
    } finally {
      progress.stop();
    }
    report.skipped.push(...reach.skipped);
    if (human) printReport(io, { ...report, skipped: [] });

    heading(2, 'HIGH AVAILABILITY SETTINGS');
    const ha = await haSettings(reach);
    if (human) printHa(io, ha);

    heading(3, 'CONNECTION POOLING OPTIMIZATION');
    // A backend with a pool shows both axes; then any server; then the embedded one.
    const sweepRank = (type: BackendKind) => (descriptorOf(type).poolOption ? 0 : descriptorOf(type).needsServer ? 1 : 2);
    const sweepTarget = [...reach.reachable].sort((a, b) => sweepRank(a.config.type) - sweepRank(b.config.type))[0]!;
    const sweepProgress = benchProgress(io, ctx.json);
    let sweep: SweepResult;
    try {
      sweep = await sweepPools(sweepTarget.config, {
        profile: sweepTarget.name,
        tasksPerCell: flags.tasksPerCell,
        onProgress: sweepProgress.onProgress,
        signal: abort.signal,
      });
    } finally {
      sweepProgress.stop();
    }
    report.sweeps.push(sweep);
    if (human) printSweep(io, sweep);

    heading(4, 'BACKEND MONITORING');
    const monitoring = await monitor(ctx, reach, flags, abort.signal);

    heading(5, 'SUMMARY');
    report.command = scrub(redact(commandLine()), io.secrets);
    const saved = flags.out
      ? saveOutputs(report, flags.out, report.command, `demo-${report.date.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')}`)
      : [];
    if (human) printSummary(io, report, monitoring.metrics, saved);
    else
      io.json({
        ok: true,
        reachable: reach.reachable.map((r) => ({ profile: r.name, type: r.config.type, serverVersion: r.serverVersion })),
        skipped: reach.skipped,
        report,
        ha,
        monitoring,
        saved,
      });
    return 0;
  } catch (err) {
    if (err instanceof BenchmarkAbortedError || abort.signal.aborted) throw new CommandFailed('demo stopped before the end');
    throw err;
  } finally {
    dispose();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The config's profiles (if any), plus a local preset for every backend the config has none of. */
async function demoProfiles(ctx: CliContext, scratch: string): Promise<{ name: string; profile?: Profile; error?: unknown }[]> {
  const loaded = ctx.configIfAny();
  const out = loaded ? await ctx.allProfiles() : [];
  const have = new Set(out.map((t) => t.type));
  const taken = new Set(out.map((t) => t.name));
  const secrets = new EnvSecretStore(ctx.io.env);
  const add = async (name: string, entry: ProfileEntry) => {
    let unique = name;
    for (let i = 2; taken.has(unique); i++) unique = `${name}-${i}`;
    taken.add(unique);
    try {
      out.push({ name: unique, type: entry.type, profile: await resolveEntry(unique, entry, { secrets, baseDir: scratch }) });
    } catch (error) {
      out.push({ name: unique, type: entry.type, error });
    }
  };
  if (!have.has(LOCAL_SQLITE_PROFILE.type)) await add('local', { ...LOCAL_SQLITE_PROFILE, path: join(scratch, 'queue.db') });
  for (const [name, entry] of Object.entries(LOCAL_SERVER_PRESETS)) if (!have.has(entry.type)) await add(name, entry);
  return out;
}

interface HaEntry {
  profile: string;
  type: string;
  address: string;
  nodes: HealthReport['nodes'];
  settings: Record<string, unknown>;
}

async function haSettings(reach: Reachability): Promise<HaEntry[]> {
  return Promise.all(
    reach.reachable.map(async (r) => {
      const report = await checkHealth(r.profile, { timeoutMs: 3000, queueFacts: false });
      const { type, ...settings } = r.profile.backend;
      return {
        profile: r.name,
        type,
        address: report.address,
        nodes: report.nodes,
        settings: redactValue(settings) as Record<string, unknown>,
      };
    }),
  );
}

function printHa(io: Io, entries: HaEntry[]): void {
  const c = io.colors;
  for (const e of entries) {
    io.out(`${c.bold(e.profile)} (${e.type}) ${c.dim(e.address)}`);
    const settings = Object.entries(e.settings).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]);
    if (settings.length) io.out(indent(keyValues(settings, c)));
    io.out(
      indent(
        table(
          e.nodes,
          [
            { header: 'NODE', value: (n) => n.address },
            { header: 'ROLE', value: (n) => n.role },
            { header: 'REACHABLE', value: (n) => (n.reachable ? 'yes' : 'no'), color: (t, n) => (n.reachable ? c.green(t) : c.red(t)) },
            { header: 'SERVING', value: (n) => (n.serving ? 'yes' : '') },
          ],
          c,
        ),
      ),
    );
    io.out();
  }
  io.out(
    c.dim(
      'Every node a profile lists is shown with its role; a profile with one node has no failover. Timeouts above bound how long a lost server can stall a call.',
    ),
  );
}

async function monitor(
  ctx: CliContext,
  reach: Reachability,
  flags: DemoFlags,
  signal: AbortSignal,
): Promise<{ rounds: HealthReport[][]; metrics: HealthMetrics[] }> {
  const { io } = ctx;
  const m = new HealthMonitor({ intervalMs: flags.interval, timeoutMs: 3000 });
  for (const r of reach.reachable) m.add(r.name, r.profile);
  const rounds: HealthReport[][] = [];
  try {
    for (let i = 0; i < flags.rounds && !signal.aborted; i++) {
      const started = Date.now();
      const reports = await m.checkNow();
      rounds.push(reports);
      if (!ctx.json) {
        io.out(`health check round ${i + 1}:`);
        for (const r of reports) {
          const score = m.metrics(r.profile!)?.healthScore ?? 100;
          io.out(
            `  ${r.profile!.padEnd(10)} ${statusColor(io, r.status.padEnd(9))} ${formatMs(r.responseTimeMs).padStart(9)}  score ${score.toFixed(1)}${r.error ? `  ${r.error}` : ''}`,
          );
        }
      }
      if (i < flags.rounds - 1) await new Promise((res) => setTimeout(res, Math.max(0, flags.interval - (Date.now() - started))));
    }
    return { rounds, metrics: m.allMetrics() };
  } finally {
    await m.stop();
  }
}

function printSummary(io: Io, report: BenchReport, metrics: HealthMetrics[], saved: string[]): void {
  const c = io.colors;
  if (report.results.length) {
    io.out(resultsTable(io, report.results));
    const best = [...report.results].sort((a, b) => b.processing.perSec - a.processing.perSec)[0];
    io.out(
      `fastest processing: ${c.bold(best.profile)} (${best.backend}) at ${Math.round(best.processing.perSec).toLocaleString('en-US')} tasks/s`,
    );
  }
  io.out();
  io.out(
    table(
      metrics,
      [
        { header: 'PROFILE', value: (x) => x.profile },
        { header: 'CHECKS', value: (x) => x.totalChecks },
        { header: 'ERRORS', value: (x) => x.connectionErrors },
        { header: 'SLOW', value: (x) => x.slowChecks },
        { header: 'AVG', value: (x) => formatMs(x.avgResponseTimeMs), align: 'right' },
        { header: 'P95', value: (x) => formatMs(x.p95ResponseTimeMs), align: 'right' },
        { header: 'HEALTH SCORE', value: (x) => `${x.healthScore.toFixed(1)}/100`, align: 'right' },
      ],
      c,
    ),
  );
  printSkipped(io, report.skipped);
  if (saved.length) io.out(`\nsaved ${saved.join(', ')}`);
  io.out();
  io.out(c.green('✓ all steps done.'));
  io.out('Next: sitq init (a config of your own) · sitq bench --all · sitq health --watch · sitq worker');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
