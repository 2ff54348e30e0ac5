// `sitq worker`: runs the built-in test tasks plus the handlers a user's module exports, until
// Ctrl-C (graceful: running tasks finish, unstarted ones go back) or, with --until-empty, until
// its queues hold nothing left to run. A second Ctrl-C forces the process out.
import type { Command } from 'commander';
import { loadTaskModule } from '../../core/task-module.js';
import type { Logger } from '../../core/logger.js';
import { Worker, type WorkerTaskEvent } from '../../core/worker.js';
import type { Backend } from '../../core/backend.js';
import { duration, queueList, wholeNumber } from '../args.js';
import { formatMs, formatTime } from '../format.js';
import type { Io } from '../io.js';
import type { App } from '../program.js';
import { onInterrupt, sleep } from '../signals.js';

interface WorkerFlags {
  tasks?: string;
  concurrency: number;
  queues: string[];
  lease?: number;
  poll?: number;
  taskTimeout?: number;
  grace: number;
  untilEmpty?: boolean;
  quiet?: boolean;
  testTasks: boolean;
}

export function register(program: Command, app: App): void {
  program
    .command('worker')
    .description(
      'run tasks: the built-in test tasks plus the handlers your --tasks module exports (Ctrl-C stops gracefully; a second Ctrl-C forces)',
    )
    .option('-t, --tasks <module>', 'a JavaScript module exporting defineTask(...) definitions (or a default array/object of them)')
    .option('-C, --concurrency <n>', 'most tasks running at once', wholeNumber(1, 10_000), 10)
    .option('-q, --queues <names>', 'queues to take from, comma-separated', queueList, ['default'])
    .option('--lease <ms>', 'lease length: a task whose worker stops renewing is handed out again after this (default 30s)', duration(100))
    .option('--poll <ms>', 'longest wait for new work in one claim when idle (default 1s)', duration(1))
    .option('--task-timeout <ms>', "default time limit per attempt (a task's own timeout wins)", duration(1))
    .option('--grace <ms>', 'on stop, how long running tasks may take to finish before they are aborted', duration(0), 30_000)
    .option('--until-empty', 'stop once the queues hold no pending, delayed or running task')
    .option('--quiet', 'print only the start and the end, not every task')
    .option('--no-test-tasks', 'do not run the built-in sitq.* test tasks')
    .action(
      app.action(async (ctx, flags: WorkerFlags) => {
        const { io } = ctx;
        // The module and the flags are checked before anything connects.
        const userTasks = flags.tasks ? await loadTaskModule(flags.tasks) : undefined;
        const profile = await ctx.profile();
        const backend = await ctx.connect(profile);
        const worker = new Worker(backend, {
          tasks: userTasks ? Object.fromEntries(userTasks) : undefined,
          queues: flags.queues,
          maxConcurrency: flags.concurrency,
          includeTestTasks: flags.testTasks,
          logger: stderrLogger(io),
          ...(flags.lease !== undefined ? { lease: flags.lease } : {}),
          ...(flags.poll !== undefined ? { pollInterval: flags.poll } : {}),
          ...(flags.taskTimeout !== undefined ? { taskTimeout: flags.taskTimeout } : {}),
        });
        const emit = (event: string, data: Record<string, unknown>) => io.json({ event, at: Date.now(), ...data });
        if (!flags.quiet) attachTaskOutput(worker, io, ctx.json);

        await worker.start();
        const intro = {
          workerId: worker.id,
          profile: profile.name,
          address: backend.address,
          queues: flags.queues,
          concurrency: flags.concurrency,
          tasks: worker.taskNames,
        };
        if (ctx.json) emit('worker-started', intro);
        else {
          io.out(`worker ${worker.id} started on ${profile.name} (${backend.address})`);
          io.out(`  queues ${flags.queues.join(', ')} · concurrency ${flags.concurrency} · tasks ${worker.taskNames.join(', ')}`);
          io.err(io.errColors.dim(flags.untilEmpty ? 'stops when the queues are empty; Ctrl-C to stop sooner' : 'Ctrl-C to stop'));
        }

        const stopRequested = new AbortController();
        const dispose = onInterrupt(
          () => {
            if (!ctx.json)
              io.err(`stopping: waiting up to ${formatMs(flags.grace)} for ${worker.info.running} running task(s); Ctrl-C again to force`);
            stopRequested.abort();
          },
          () => {
            if (ctx.json) emit('worker-forced', { workerId: worker.id, running: worker.info.running });
            else io.err(io.errColors.red(`forced stop: ${worker.info.running} running task(s) return to the queue when their lease ends`));
            process.exit(130);
          },
        );
        if (flags.untilEmpty) void watchForEmpty(backend, worker, flags.queues, stopRequested);
        await new Promise<void>((resolve) => stopRequested.signal.addEventListener('abort', () => resolve(), { once: true }));
        await worker.stop({ timeout: flags.grace });
        dispose();

        const { processed, failed } = worker.info;
        if (ctx.json) emit('worker-stopped', { workerId: worker.id, processed, failed });
        else io.out(`worker ${worker.id} stopped: ${processed} succeeded, ${failed} failed`);
      }),
    );
}

function attachTaskOutput(worker: Worker, io: Io, json: boolean): void {
  const c = io.colors;
  const line = (kind: string, e: WorkerTaskEvent, text: string) => {
    if (json) io.json({ event: kind, ...e });
    else
      io.out(
        `${formatTime(e.at, true)}  ${text}  ${e.name}  ${e.taskId}  ${e.queue}${e.durationMs !== undefined ? `  ${formatMs(e.durationMs)}` : ''}${e.error ? `  ${e.error.name}: ${e.error.message}` : ''}`,
      );
  };
  worker.on('succeeded', (e) => line('succeeded', e, c.green('ok   ')));
  worker.on('retried', (e) => line('retried', e, c.yellow('retry')));
  worker.on('dead', (e) => line('dead', e, c.red('dead ')));
  worker.on('lease-lost', (e) => line('lease-lost', e, c.yellow('lost ')));
  worker.on('cancelled', (e) => line('cancelled', e, c.yellow('cancl')));
}

function stderrLogger(io: Io): Logger {
  return { debug() {}, info() {}, warn: (m) => io.warn(m), error: (m) => io.err(io.errColors.red(`error: ${m}`)) };
}

/** Requests a stop once nothing in the worker's queues can still run. */
async function watchForEmpty(backend: Backend, worker: Worker, queues: string[], stop: AbortController): Promise<void> {
  while (!stop.signal.aborted) {
    await sleep(200, stop.signal);
    if (stop.signal.aborted) return;
    try {
      const counts = await backend.counts();
      const left = counts
        .filter((q) => queues.includes(q.queue))
        .reduce((n, q) => n + q.counts.pending + q.counts.delayed + q.counts.running, 0);
      if (left === 0 && worker.info.running === 0) stop.abort();
    } catch {
      // the worker reports backend trouble itself; keep watching
    }
  }
}
