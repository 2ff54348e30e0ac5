// `sitq stats`: the throughput history the workers and producers wrote to the backend (TaskQueue.stats):
// per queue, counts and processing-time percentiles over --since; with --queue also per period.
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { HistoryPoint, HistoryReport } from '../../core/history.js';
import { TaskQueue } from '../../core/queue.js';
import { duration, queueName } from '../args.js';
import { formatMs, formatTime, table } from '../format.js';
import type { App } from '../program.js';

const MAX_PERIOD_ROWS = 60;

function resolution(value: string): 'minute' | 'hour' {
  if (value !== 'minute' && value !== 'hour') throw new InvalidArgumentError('expected minute or hour.');
  return value;
}

export function register(program: Command, app: App): void {
  program
    .command('stats')
    .description(
      'throughput history from the backend: enqueued, succeeded, failed, retried and dead tasks and processing-time percentiles per queue',
    )
    .option('-q, --queue <queue>', 'one queue, with a row per period that saw activity', queueName)
    .option(
      '--since <age>',
      'how far back: 15m, 1h, 24h, 14d (minutes are kept 24 h, hours 14 days)',
      duration(60_000, 14 * 86_400_000),
      3_600_000,
    )
    .option('--resolution <r>', 'minute or hour (default: minute up to 24 h, else hour)', resolution)
    .action(
      app.action(async (ctx, flags: { queue?: string; since: number; resolution?: 'minute' | 'hour' }) => {
        const profile = await ctx.profile();
        const queue = new TaskQueue(await ctx.connect(profile), { history: false });
        const report = await queue.stats({
          since: Date.now() - flags.since,
          ...(flags.queue ? { queue: flags.queue } : {}),
          ...(flags.resolution ? { resolution: flags.resolution } : {}),
        });
        if (ctx.json) {
          ctx.io.json({ ok: true, profile: profile.name, ...report });
          return 0;
        }
        printReport(ctx.io.out.bind(ctx.io), report, flags.queue !== undefined, ctx.io.colors);
        return 0;
      }),
    );
}

type Colors = Parameters<typeof table>[2];

function columns(first: { header: string; value: (p: HistoryPoint & { queue?: string }) => string | undefined }) {
  return [
    first,
    { header: 'ENQUEUED', value: (p: HistoryPoint) => p.enqueued, align: 'right' as const },
    { header: 'SUCCEEDED', value: (p: HistoryPoint) => p.succeeded, align: 'right' as const },
    { header: 'FAILED', value: (p: HistoryPoint) => p.failed, align: 'right' as const },
    { header: 'RETRIED', value: (p: HistoryPoint) => p.retried, align: 'right' as const },
    { header: 'DEAD', value: (p: HistoryPoint) => p.dead, align: 'right' as const },
    { header: 'P50', value: (p: HistoryPoint) => formatMs(p.p50Ms ?? undefined), align: 'right' as const },
    { header: 'P95', value: (p: HistoryPoint) => formatMs(p.p95Ms ?? undefined), align: 'right' as const },
    { header: 'P99', value: (p: HistoryPoint) => formatMs(p.p99Ms ?? undefined), align: 'right' as const },
  ];
}

function printReport(out: (text?: string) => void, report: HistoryReport, perPeriod: boolean, colors: Colors): void {
  out(`since ${formatTime(report.since)}, per ${report.resolution}`);
  if (report.queues.length === 0) {
    out('no queues');
    return;
  }
  const totals = report.queues.map((q) => ({ ...q.total, queue: q.queue }));
  out(table(totals, columns({ header: 'QUEUE', value: (p) => p.queue }), colors));
  if (!perPeriod) return;
  const active = report.queues[0].points.filter((p) => p.enqueued + p.succeeded + p.failed > 0).slice(-MAX_PERIOD_ROWS);
  out();
  if (active.length === 0) out(`no activity in queue ${report.queues[0].queue} in this window`);
  else
    out(
      table(
        active,
        columns({ header: report.resolution === 'minute' ? 'MINUTE' : 'HOUR', value: (p) => formatTime(p.at).slice(0, 16) }),
        colors,
      ),
    );
}
