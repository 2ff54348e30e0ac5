// `sitq sweep`: the seed's connection-pool optimisation, measured: enqueue throughput and latency
// for each pool size × concurrency (PostgreSQL poolSize, Redis maxConnections; SQLite and NATS have
// no pool, so only the concurrency axis).
import type { Command } from 'commander';
import type { BenchReport } from '../../bench/index.js';
import { redact, scrub } from '../../config/redact.js';
import { InvalidArgumentError } from 'commander';
import { wholeNumber } from '../args.js';
import { CommandFailed } from '../errors.js';
import type { App } from '../program.js';
import { onInterrupt } from '../signals.js';

interface SweepFlags {
  all?: boolean;
  poolSizes?: number[];
  concurrency?: number[];
  tasksPerCell: number;
  out?: string;
}

function numberList(max: number): (value: string) => number[] {
  const one = wholeNumber(1, max);
  return (value) => {
    const parts = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (!parts.length) throw new InvalidArgumentError('expected comma-separated whole numbers, e.g. 1,5,10');
    return parts.map(one);
  };
}

export function register(program: Command, app: App): void {
  program
    .command('sweep')
    .description("measure enqueue throughput and latency per pool size × concurrency (the seed's pool optimisation)")
    .option('--all', 'every profile of the config whose server answers')
    .option(
      '--pool-sizes <list>',
      "pool sizes to try, PostgreSQL poolSize / Redis maxConnections (default: the seed's 1,5,10,20,50)",
      numberList(1000),
    )
    .option('--concurrency <list>', "enqueue calls in flight at once (default: the seed's 5,10,20,50)", numberList(10_000))
    .option('--tasks-per-cell <n>', 'tasks enqueued per cell', wholeNumber(1, 1_000_000), 2000)
    .option('-o, --out <dir>', 'save the results there as JSON, Markdown and CSV')
    .action(
      app.action(async (ctx, flags: SweepFlags) => {
        const { io } = ctx;
        const { BenchmarkAbortedError, DEFAULT_POOL_SIZES, DEFAULT_SWEEP_CONCURRENCIES, emptyReport, sweepPools, versionInfo } =
          await import('../../bench/index.js');
        const { benchProgress, benchTargets, commandLine, printSkipped, printSweep, saveOutputs } = await import('../bench-view.js');
        const { reachable, skipped } = await benchTargets(ctx, flags.all);
        if (reachable.length === 0) {
          if (ctx.json) io.json({ ok: false, skipped });
          else printSkipped(io, skipped);
          throw new CommandFailed('no profile to sweep: none of them answered');
        }
        const abort = new AbortController();
        const dispose = onInterrupt(() => abort.abort());
        const progress = benchProgress(io, ctx.json);
        const report: BenchReport = { ...emptyReport(), skipped };
        try {
          for (const r of reachable) {
            report.sweeps.push(
              await sweepPools(r.config, {
                profile: r.name,
                poolSizes: flags.poolSizes ?? DEFAULT_POOL_SIZES,
                concurrencies: flags.concurrency ?? DEFAULT_SWEEP_CONCURRENCIES,
                tasksPerCell: flags.tasksPerCell,
                onProgress: progress.onProgress,
                signal: abort.signal,
              }),
            );
          }
        } catch (err) {
          if (err instanceof BenchmarkAbortedError) throw new CommandFailed('sweep cancelled; nothing was saved');
          throw err;
        } finally {
          progress.stop();
          dispose();
        }
        report.versions = versionInfo(reachable.map((r) => ({ profile: r.name, serverVersion: r.serverVersion })));
        report.command = scrub(redact(commandLine()), io.secrets);
        const saved = flags.out
          ? saveOutputs(report, flags.out, report.command, `sweep-${report.date.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')}`)
          : [];
        if (ctx.json) io.json({ ok: true, report, saved });
        else {
          report.sweeps.forEach((s, i) => {
            if (i) io.out();
            printSweep(io, s);
          });
          printSkipped(io, skipped);
          if (saved.length) io.out(`\nsaved ${saved.join(', ')}`);
        }
      }),
    );
}
