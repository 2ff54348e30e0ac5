// Benchmarks and pool sweeps from the editor: a cancellable progress notification while the core
// measures, then the results webview.
import * as vscode from 'vscode';
import { progressText } from '../tree/benchmarks.js';
import type { BenchRunSummary } from '../../shared/protocol/bench.js';
import type { Ctx } from '../context.js';
import type { BenchNode } from '../tree/benchmarks.js';
import { askNumber, pickProfile } from './pick.js';

export async function runBenchmark(ctx: Ctx, from?: unknown, sweep = false): Promise<void> {
  const profile = await pickProfile(ctx, from, sweep ? 'Sweep pool sizes on which profile?' : 'Benchmark which profile?');
  if (!profile) return;
  // A sweep enqueues this many tasks in each cell of its pool size × concurrency grid.
  const tasks = await askNumber(
    sweep ? 'Pool sweep: how many no-op tasks per cell (pool size × concurrency)?' : 'Benchmark: how many no-op tasks to measure?',
    sweep ? 2000 : 5000,
    100,
    1_000_000,
  );
  if (tasks === undefined) return;
  const concurrency = sweep ? 10 : await askNumber('Benchmark: worker concurrency?', 10, 1, 1000);
  if (concurrency === undefined) return;
  const options = { tasks, concurrency, idleSamples: sweep ? 0 : 200 };
  const run = await ctx.model.client.request(
    'bench.start',
    sweep ? { profiles: [profile], options, sweep, sweepTasksPerCell: tasks } : { profiles: [profile], options, sweep },
  );
  ctx.log.info(`benchmark ${run.id} started on ${profile} (${tasks} tasks${sweep ? ', pool sweep' : ''})`);
  const final = await follow(ctx, run, `${sweep ? 'Pool sweep' : 'Benchmark'} on ${profile}`);
  if (final.state === 'done') await ctx.openDashboard(`bench?run=${final.id}`);
  else if (final.state === 'failed') throw new Error(final.error ?? 'the benchmark failed');
  else void vscode.window.showInformationMessage(`The benchmark on ${profile} was cancelled.`);
}

/** Shows the run's progress until it ends; the notification's Cancel cancels the run. */
function follow(ctx: Ctx, run: BenchRunSummary, title: string): Thenable<BenchRunSummary> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    (progress, token) =>
      new Promise<BenchRunSummary>((resolve) => {
        let lastShare = 0;
        const onRun = (r: BenchRunSummary) => {
          if (r.id !== run.id) return;
          if (r.progress) {
            const share = r.progress.total ? (r.progress.done / r.progress.total) * 100 : 0;
            progress.report({
              message: progressText(r),
              increment: r.progress.phase === 'processing' ? Math.max(0, share - lastShare) : undefined,
            });
            if (r.progress.phase === 'processing') lastShare = share;
          }
          if (r.state !== 'running') {
            ctx.model.off('bench', onRun);
            resolve(r);
          }
        };
        ctx.model.on('bench', onRun);
        token.onCancellationRequested(() => void ctx.model.client.request('bench.cancel', { id: run.id }).catch(() => undefined));
      }),
  );
}

export async function cancelBenchmark(ctx: Ctx, node?: BenchNode): Promise<void> {
  const id = node?.run.id ?? ctx.model.benchRuns.find((r) => r.state === 'running')?.id;
  if (!id) return void vscode.window.showInformationMessage('No benchmark is running.');
  await ctx.model.client.request('bench.cancel', { id });
}

export async function openBenchmark(ctx: Ctx, node?: BenchNode): Promise<void> {
  const id = node?.run.id ?? ctx.model.benchRuns[0]?.id;
  if (!id) return void vscode.window.showInformationMessage('No benchmark has run yet. Run one with "sitq: Run Benchmark".');
  await ctx.openDashboard(`bench?run=${id}`);
}
