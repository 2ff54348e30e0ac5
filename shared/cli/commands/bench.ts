// `sitq bench`: the benchmark harness on one profile (or every profile whose server answers), in
// a namespace of its own so it never touches the profile's data. Ctrl-C cancels cleanly.
import type { Command } from 'commander';
import type { BenchmarkOptions, BenchReport } from '../../bench/index.js';
import { redact, scrub } from '../../config/redact.js';
import { wholeNumber } from '../args.js';
import { CommandFailed } from '../errors.js';
import type { App } from '../program.js';
import { onInterrupt } from '../signals.js';

interface BenchFlags {
  all?: boolean;
  tasks: number;
  concurrency: number;
  payloadBytes: number;
  task: string;
  warmup: number;
  idleSamples: number;
  floor: boolean;
  rounds: number;
  out?: string;
  compare?: string;
}

export function register(program: Command, app: App): void {
  program
    .command('bench')
    .description("benchmark a profile (or --all): enqueue rates, processing rate against the server's raw floor, latency percentiles")
    .option('--all', 'every profile of the config whose server answers (the others are listed as skipped)')
    .option('-n, --tasks <n>', 'tasks measured (warm-up excluded)', wholeNumber(1, 10_000_000), 10_000)
    .option('-C, --concurrency <n>', 'worker concurrency', wholeNumber(1, 10_000), 10)
    .option('--payload-bytes <n>', 'approximate payload size', wholeNumber(0, 16 * 1024 * 1024), 64)
    .option('--task <name>', 'task the worker runs', 'sitq.echo')
    .option('--warmup <n>', 'tasks run first and excluded from every figure', wholeNumber(0, 1_000_000), 200)
    .option('--idle-samples <n>', 'one-at-a-time latency samples on an idle worker', wholeNumber(0, 1_000_000), 500)
    .option('--no-floor', 'skip measuring the raw floor')
    .option(
      '--rounds <n>',
      'run floor + enqueue + processing this many times and report the median round (steadier on a busy machine)',
      wholeNumber(1, 100),
      1,
    )
    .option('-o, --out <dir>', 'save the results there as JSON, Markdown and CSV')
    .option('--compare <file>', 'compare with an earlier saved result (change in % per figure)')
    .action(
      app.action(async (ctx, flags: BenchFlags) => {
        const { io } = ctx;
        // The harness and the drivers load only when a benchmark runs (start-up stays quick).
        const { BenchmarkAbortedError, compareProfiles, compareRuns, loadResult } = await import('../../bench/index.js');
        const { benchProgress, benchTargets, commandLine, printComparison, printReport, printSkipped, saveOutputs } =
          await import('../bench-view.js');
        const earlier = flags.compare ? loadResult(flags.compare) : undefined;
        const options: Omit<BenchmarkOptions, 'profile'> = {
          tasks: flags.tasks,
          concurrency: flags.concurrency,
          payloadBytes: flags.payloadBytes,
          task: flags.task,
          warmup: flags.warmup,
          idleSamples: flags.idleSamples,
          floor: flags.floor,
          rounds: flags.rounds,
        };
        const { reachable, skipped } = await benchTargets(ctx, flags.all);
        if (reachable.length === 0) {
          if (ctx.json) io.json({ ok: false, skipped });
          else printSkipped(io, skipped);
          throw new CommandFailed('no profile to benchmark: none of them answered');
        }
        const abort = new AbortController();
        const dispose = onInterrupt(() => {
          io.err('cancelling the benchmark (cleaning up its namespace)…');
          abort.abort();
        });
        const progress = benchProgress(io, ctx.json);
        let report: BenchReport;
        try {
          if (!ctx.json)
            io.err(
              io.errColors.dim(
                `benchmarking ${reachable.map((r) => r.name).join(', ')}: ${flags.tasks} × ${flags.task}, concurrency ${flags.concurrency}`,
              ),
            );
          report = await compareProfiles(
            reachable.map(({ name, config }) => ({ name, config })),
            options,
            { onProgress: progress.onProgress, signal: abort.signal },
          );
        } catch (err) {
          if (err instanceof BenchmarkAbortedError) throw new CommandFailed('benchmark cancelled; nothing was saved');
          throw err;
        } finally {
          progress.stop();
          dispose();
        }
        report.skipped.push(...skipped);
        report.command = scrub(redact(commandLine()), io.secrets);
        const saved = flags.out ? saveOutputs(report, flags.out, report.command) : [];
        const comparison = earlier ? compareRuns(report, earlier) : undefined;
        if (ctx.json) io.json({ ok: report.results.length > 0, report, saved, comparison });
        else {
          printReport(io, report);
          if (comparison) {
            io.out();
            printComparison(io, comparison);
          }
          if (saved.length) {
            io.out();
            io.out(`saved ${saved.join(', ')}`);
          }
        }
        return report.results.length > 0 ? 0 : 1;
      }),
    );
}
