// `sitq pause QUEUE`, `sitq resume QUEUE`, `sitq limits QUEUE [--rate 100/1s] [--max-running 5]`:
// a queue's flow control, stored on the backend and obeyed by every worker (shared/core/queue-controls.ts).
import { InvalidArgumentError, type Command } from 'commander';
import { TaskQueue } from '../../core/queue.js';
import {
  formatRate,
  MAX_RUNNING,
  parseRate,
  RATE_TEXT_EXPECTED,
  type QueueLimitsChange,
  type QueueSettings,
  type RateLimit,
} from '../../core/queue-settings.js';
import { queueName, wholeNumber } from '../args.js';
import type { CliContext } from '../context.js';
import type { App } from '../program.js';
import { UsageError } from '../errors.js';

const OFF = 'off';
// The parsers answer OFF rather than null: commander does not keep a null an option parser returns.
type Off = typeof OFF;

function rateFlag(value: string): RateLimit | Off {
  if (value.trim() === OFF) return OFF;
  const rate = parseRate(value);
  if (!rate) throw new InvalidArgumentError(`expected ${RATE_TEXT_EXPECTED}, or "${OFF}".`);
  return rate;
}

const wholeRunning = wholeNumber(MAX_RUNNING.min, MAX_RUNNING.max);
function maxRunningFlag(value: string): number | Off {
  return value.trim() === OFF ? OFF : wholeRunning(value);
}

/** `paused; rate 100/1s; at most 5 running` — or `no flow control`. */
export function describeSettings(s: QueueSettings): string {
  const parts = [
    s.paused ? 'paused' : 'running',
    s.rate ? `rate ${formatRate(s.rate)}` : 'no rate limit',
    s.maxRunning !== undefined ? `at most ${s.maxRunning} running` : 'no running limit',
  ];
  return parts.join('; ');
}

/** The flow-control part of the settings, for --json (other parts belong to other commands). */
function flowJson(queue: string, s: QueueSettings, profile: string): Record<string, unknown> {
  return { ok: true, queue, paused: s.paused === true, rate: s.rate ?? null, maxRunning: s.maxRunning ?? null, profile };
}

async function openQueue(ctx: CliContext): Promise<{ queue: TaskQueue; profile: string }> {
  const profile = await ctx.profile();
  return { queue: new TaskQueue(await ctx.connect(profile)), profile: profile.name };
}

export function register(program: Command, app: App): void {
  const switches = [
    {
      command: 'pause',
      description: 'stop every worker claiming from a queue (within a second; running tasks finish; enqueueing still works)',
      done: 'paused',
      note: ': workers stop claiming from it within a second',
    },
    { command: 'resume', description: 'let workers claim from a paused queue again', done: 'resumed', note: '' },
  ] as const;
  for (const s of switches) {
    program
      .command(s.command)
      .description(s.description)
      .argument('<queue>', 'queue name', queueName)
      .action(
        app.action(async (ctx, name: string) => {
          const { queue, profile } = await openQueue(ctx);
          const settings = s.command === 'pause' ? await queue.pauseQueue(name) : await queue.resumeQueue(name);
          if (ctx.json) ctx.io.json(flowJson(name, settings, profile));
          else ctx.io.out(`${s.done} queue ${name} (profile ${profile})${s.note}`);
        }),
      );
  }

  program
    .command('limits')
    .description(
      "show or set a queue's rate limit and most running tasks, across every worker and process (tasks over a limit wait; they do not fail)",
    )
    .argument('<queue>', 'queue name', queueName)
    .option('--rate <n/period>', `most task starts per period: ${RATE_TEXT_EXPECTED}; "${OFF}" removes it`, rateFlag)
    .option(
      '--max-running <n>',
      `most tasks of the queue running at once (${MAX_RUNNING.min} to ${MAX_RUNNING.max.toLocaleString('en-US')}); "${OFF}" removes it`,
      maxRunningFlag,
    )
    .option('--clear', 'remove both limits')
    .action(
      app.action(async (ctx, name: string, flags: { rate?: RateLimit | Off; maxRunning?: number | Off; clear?: boolean }) => {
        if (flags.clear && (flags.rate !== undefined || flags.maxRunning !== undefined))
          throw new UsageError('--clear removes both limits: give it alone, or use --rate off / --max-running off');
        const change: QueueLimitsChange = flags.clear ? { rate: null, maxRunning: null } : {};
        if (flags.rate !== undefined) change.rate = flags.rate === OFF ? null : flags.rate;
        if (flags.maxRunning !== undefined) change.maxRunning = flags.maxRunning === OFF ? null : flags.maxRunning;
        const { queue, profile } = await openQueue(ctx);
        const changing = Object.keys(change).length > 0;
        const settings = changing ? await queue.setQueueLimits(name, change) : await queue.getQueueSettings(name);
        if (ctx.json) ctx.io.json(flowJson(name, settings, profile));
        else ctx.io.out(`queue ${name} (profile ${profile}): ${describeSettings(settings)}`);
      }),
    );
}
