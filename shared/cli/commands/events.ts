// `sitq events`: a live tail of task transitions (TaskQueue.events) from every process using the
// profile, until Ctrl-C (or --count events). At most once: a `gap` line says some were lost.
import type { Command } from 'commander';
import type { EventStreamItem } from '../../core/events.js';
import { TaskQueue } from '../../core/queue.js';
import { queueName, wholeNumber } from '../args.js';
import { formatTime } from '../format.js';
import type { Io } from '../io.js';
import type { App } from '../program.js';
import { onInterrupt } from '../signals.js';

interface EventsFlags {
  queue?: string;
  task?: string;
  count?: number;
}

export function register(program: Command, app: App): void {
  program
    .command('events')
    .description(
      'a live tail of task events (enqueued, started, progress, log, failed, retried, succeeded, dead, cancelled) from every process; Ctrl-C to stop',
    )
    .option('-q, --queue <queue>', 'only this queue', queueName)
    .option('--task <id>', 'only this task')
    .option('--count <n>', 'stop after this many events', wholeNumber(1, 1_000_000_000))
    .action(
      app.action(async (ctx, flags: EventsFlags) => {
        const { io } = ctx;
        const profile = await ctx.profile();
        const queue = new TaskQueue(await ctx.connect(profile));
        const stream = queue.events({ queue: flags.queue, taskId: flags.task });
        await stream.ready;
        // On stderr, so a --json consumer reads only events on stdout.
        io.err(
          io.errColors.dim(
            `listening for events on ${profile.name} (${queue.backend.address})${flags.queue ? ` queue ${flags.queue}` : ''}; Ctrl-C to stop`,
          ),
        );
        const dispose = onInterrupt(() => void stream.close());
        let seen = 0;
        try {
          for await (const item of stream) {
            if (ctx.json) io.json(item);
            else io.out(describe(io, item));
            if (item.kind !== 'gap' && flags.count !== undefined && ++seen >= flags.count) break;
          }
        } finally {
          dispose();
          await stream.close();
        }
        return 0;
      }),
    );
}

function describe(io: Io, e: EventStreamItem): string {
  const c = io.colors;
  const time = c.dim(formatTime(e.at, true));
  if (e.kind === 'gap') return `${time} ${c.yellow('gap')} ${e.reason} (sitq inspect shows the current state)`;
  const attempt = e.attempt ? ` #${e.attempt}` : '';
  let detail = '';
  if (e.kind === 'progress') detail = JSON.stringify(e.progress);
  else if (e.kind === 'log') detail = (e.lines ?? []).join('\n    ');
  else if (e.error) detail = `${e.error.name}: ${e.error.message}`;
  if (e.kind === 'retried' && e.runAt) detail = `next try ${formatTime(e.runAt, true)}`;
  const kind =
    e.kind === 'succeeded'
      ? c.green(e.kind)
      : e.kind === 'dead' || e.kind === 'failed'
        ? c.red(e.kind)
        : e.kind === 'cancelled'
          ? c.yellow(e.kind)
          : e.kind;
  return `${time} ${kind.padEnd(9 + (kind.length - e.kind.length))} ${e.queue} ${e.taskId}${attempt}${detail ? `  ${detail}` : ''}`;
}
