// `sitq schedule add|list|show|pause|resume|rm`: recurring tasks stored in the backend and run by
// every worker (TaskQueue.schedule & co.; docs/semantics.md says what is guaranteed).
import { InvalidArgumentError, type Command } from 'commander';
import { TaskQueue } from '../../core/queue.js';
import {
  CATCH_UP_POLICIES,
  type CatchUpPolicy,
  type ScheduleInfo,
  type ScheduleOptions,
  type ScheduleRecordError,
  type ScheduleSpec,
} from '../../core/schedules.js';
import { duration, queueName, wholeNumber } from '../args.js';
import type { CliContext } from '../context.js';
import { CommandFailed, UsageError } from '../errors.js';
import { formatMs, formatTime, keyValues, preview, table } from '../format.js';
import type { Io } from '../io.js';
import type { App } from '../program.js';
import { readPayload } from './enqueue.js';

interface AddFlags {
  cron?: string;
  tz?: string;
  every?: number;
  payloadFile?: string;
  queue?: string;
  priority?: number;
  maxAttempts?: number;
  timeout?: number;
  catchUp?: CatchUpPolicy;
  catchUpLimit?: number;
  paused?: boolean;
}

function catchUpPolicy(value: string): CatchUpPolicy {
  if (!(CATCH_UP_POLICIES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`expected one of ${CATCH_UP_POLICIES.join(', ')}.`);
  return value as CatchUpPolicy;
}

const runsOption = ['--runs <n>', 'how many next run times to show (default 5)', wholeNumber(0, 100)] as const;

export function register(program: Command, app: App): void {
  const schedule = program
    .command('schedule')
    .description('recurring tasks: cron or fixed-interval schedules stored in the backend and run by the workers');

  schedule
    .command('add')
    .description('create a schedule, or replace the one with that name')
    .argument('<name>', 'schedule name: letters, digits, "_", "-" or "=" (at most 128)')
    .argument('<task>', 'task name to enqueue at each tick')
    .argument('[payload]', 'the payload as JSON (default null); - reads it from standard input')
    .option('--cron <pattern>', 'cron pattern: 5 fields (minute hour day month weekday), or 6 with seconds first')
    .option('--tz <zone>', 'IANA time zone for --cron, e.g. Europe/Berlin (default UTC)')
    .option('--every <ms>', 'fixed interval instead of --cron: 1000 ms at least (30s, 5m, 1h, ...)', duration(1000))
    .option('-f, --payload-file <file>', 'read the JSON payload from a file (- for standard input)')
    .option('-q, --queue <queue>', 'queue the tasks go to (default "default")', queueName)
    .option('--priority <n>', '0-9, higher runs first (default 0)', wholeNumber(0, 9))
    .option('--max-attempts <n>', 'attempts before a task is dead (default 3)', wholeNumber(1, 1000))
    .option('--timeout <ms>', 'per-attempt time limit', duration(1))
    .option('--catch-up <policy>', `after downtime: ${CATCH_UP_POLICIES.join(', ')} (default latest)`, catchUpPolicy)
    .option('--catch-up-limit <n>', 'with --catch-up all: the most missed ticks enqueued (default 100)', wholeNumber(1, 1000))
    .option('--paused', 'create it paused (sitq schedule resume starts it)')
    .action(
      app.action(async (ctx, name: string, task: string, payloadText: string | undefined, flags: AddFlags) => {
        if ((flags.cron === undefined) === (flags.every === undefined))
          throw new UsageError('give exactly one of --cron <pattern> or --every <ms>');
        if (flags.tz !== undefined && flags.cron === undefined) throw new UsageError('--tz goes with --cron');
        const spec: ScheduleSpec =
          flags.every !== undefined
            ? { every: flags.every }
            : flags.tz !== undefined
              ? { cron: flags.cron!, tz: flags.tz }
              : { cron: flags.cron! };
        const payload = await readPayload(payloadText, flags.payloadFile, ctx.io.cwd);
        const options: ScheduleOptions = {};
        if (flags.queue !== undefined) options.queue = flags.queue;
        if (flags.priority !== undefined) options.priority = flags.priority;
        if (flags.maxAttempts !== undefined) options.maxAttempts = flags.maxAttempts;
        if (flags.timeout !== undefined) options.timeout = flags.timeout;
        if (flags.catchUp !== undefined) options.catchUp = flags.catchUp;
        if (flags.catchUpLimit !== undefined) options.catchUpLimit = flags.catchUpLimit;
        if (flags.paused) options.paused = true;
        const { queue, profile } = await open(ctx);
        const saved = await queue.schedule(name, spec, task, payload, options);
        if (ctx.json) ctx.io.json({ ok: true, profile, schedule: saved });
        else {
          ctx.io.out(
            `Schedule ${saved.name} saved (profile ${profile}): ${task} on queue ${saved.queue}, ${describeSpec(saved.spec)}${saved.paused ? ', paused' : ''}`,
          );
          showNextRuns(ctx.io, saved);
        }
      }),
    );

  schedule
    .command('list')
    .description('every schedule with its next run, last run and state')
    .option(...runsOption)
    .action(
      app.action(async (ctx, flags: { runs?: number }) => {
        const { queue, profile } = await open(ctx);
        // A damaged record is named and skipped: the others are still listed.
        const damaged: { key: string; message: string }[] = [];
        const onDamaged = (err: ScheduleRecordError) => damaged.push({ key: err.key, message: err.message });
        const schedules = await queue.listSchedules(flags.runs === undefined ? { onDamaged } : { runs: flags.runs, onDamaged });
        if (ctx.json) {
          ctx.io.json(damaged.length ? { ok: true, profile, schedules, damaged } : { ok: true, profile, schedules });
          return;
        }
        for (const d of damaged) ctx.io.warn(`${d.message} (left out)`);
        const c = ctx.io.colors;
        ctx.io.out(
          schedules.length
            ? table(
                schedules,
                [
                  { header: 'NAME', value: (s) => s.name },
                  { header: 'WHEN', value: (s) => describeSpec(s.spec) },
                  { header: 'TASK', value: (s) => s.task },
                  { header: 'QUEUE', value: (s) => s.queue },
                  { header: 'STATE', value: (s) => (s.paused ? 'paused' : 'active'), color: (t, s) => (s.paused ? c.yellow(t) : t) },
                  { header: 'NEXT RUN', value: (s) => (s.nextRuns.length ? formatTime(s.nextRuns[0]) : '-') },
                  { header: 'LAST RUN', value: (s) => (s.lastRun ? `${formatTime(s.lastRun.tick)} ${s.lastRun.taskId}` : '-') },
                ],
                c,
              )
            : `no schedules in profile ${profile} (add one: sitq schedule add NAME TASK --every 5m)`,
        );
      }),
    );

  schedule
    .command('show')
    .description('one schedule in full, with its next run times')
    .argument('<name>', 'schedule name')
    .option(...runsOption)
    .action(
      app.action(async (ctx, name: string, flags: { runs?: number }) => {
        const { queue, profile } = await open(ctx);
        const s = await queue.getSchedule(name, flags.runs === undefined ? {} : { runs: flags.runs });
        if (!s) throw new CommandFailed(`no schedule named ${name} in profile ${profile}`);
        if (ctx.json) {
          ctx.io.json({ ok: true, profile, schedule: s });
          return;
        }
        ctx.io.out(
          keyValues(
            [
              ['name', s.name],
              ['when', describeSpec(s.spec)],
              ['task', s.task],
              ['payload', 'payload' in s ? preview(s.payload, 200) : `(stored with serializer ${s.serializer})`],
              ['queue', s.queue],
              ['state', s.paused ? 'paused' : 'active'],
              ['catch-up', s.catchUp === 'all' ? `all (at most ${s.catchUpLimit})` : s.catchUp],
              ['created', formatTime(s.createdAt)],
              ['updated', formatTime(s.updatedAt)],
              ['last run', s.lastRun ? `${formatTime(s.lastRun.tick)} → task ${s.lastRun.taskId}` : 'none yet'],
            ],
            ctx.io.colors,
          ),
        );
        showNextRuns(ctx.io, s);
      }),
    );

  for (const [verb, description, done] of [
    ['pause', "stop enqueuing a schedule's ticks (tasks already enqueued stay)", 'paused'],
    ['resume', "enqueue a paused schedule's ticks again, from the next one (ticks while paused are skipped)", 'resumed'],
    ['rm', 'delete a schedule (tasks it enqueued stay)', 'removed'],
  ] as const) {
    schedule
      .command(verb)
      .description(description)
      .argument('<name>', 'schedule name')
      .action(
        app.action(async (ctx, name: string) => {
          const { queue, profile } = await open(ctx);
          const ok =
            verb === 'pause'
              ? await queue.pauseSchedule(name)
              : verb === 'resume'
                ? await queue.resumeSchedule(name)
                : await queue.removeSchedule(name);
          if (!ok) throw new CommandFailed(`no schedule named ${name} in profile ${profile}`);
          if (ctx.json) ctx.io.json({ ok: true, profile, name, action: verb });
          else ctx.io.out(`${done} schedule ${name}`);
        }),
      );
  }
}

async function open(ctx: CliContext): Promise<{ queue: TaskQueue; profile: string }> {
  const profile = await ctx.profile();
  return { queue: new TaskQueue(await ctx.connect(profile)), profile: profile.name };
}

function describeSpec(spec: ScheduleSpec): string {
  return 'every' in spec ? `every ${formatMs(spec.every)}` : `cron "${spec.cron}" ${spec.tz ?? 'UTC'}`;
}

function showNextRuns(io: Io, s: ScheduleInfo): void {
  if (s.nextRuns.length === 0) return;
  io.out(`next runs (local time):`);
  for (const at of s.nextRuns) io.out(`  ${formatTime(at)}  (${new Date(at).toISOString()})`);
}
