// `sitq inspect`: queue counts, live workers and the newest tasks; or one task in full with --id.
import { Option, type Command } from 'commander';
import { TaskQueue, type QueueStatus } from '../../core/queue.js';
import { formatRate } from '../../core/queue-settings.js';
import type { TaskView } from '../../core/task-view.js';
import { TASK_STATES, type TaskState } from '../../core/types.js';
import { queueName, wholeNumber } from '../args.js';
import { CommandFailed, UsageError } from '../errors.js';
import { formatMs, formatTime, keyValues, preview, table } from '../format.js';
import type { Io } from '../io.js';
import type { App } from '../program.js';

interface InspectFlags {
  queue?: string;
  state?: TaskState;
  id?: string;
  log?: boolean;
  limit: number;
  offset: number;
}

export function register(program: Command, app: App): void {
  program
    .command('inspect')
    .description('show queue counts, live workers and the newest tasks (or one task with --id)')
    .option('-q, --queue <queue>', 'only this queue', queueName)
    .addOption(new Option('-s, --state <state>', 'only tasks in this state').choices(TASK_STATES))
    .argument('[id]', 'show this task in full (the same as --id)')
    .option('--id <id>', 'show one task in full: payload, result, error, times, progress')
    .option('--log', "with a task id: print the task's log (its handler's ctx.log lines), one per line")
    .option('-l, --limit <n>', 'how many tasks to list (newest first)', wholeNumber(1, 1000), 20)
    .option('--offset <n>', 'skip this many of the newest', wholeNumber(0, 1_000_000_000), 0)
    .action(
      app.action(async (ctx, idArg: string | undefined, flags: InspectFlags) => {
        const { io } = ctx;
        const id = idArg ?? flags.id;
        if (flags.log && id === undefined) throw new UsageError('--log needs a task id: sitq inspect ID --log');
        const profile = await ctx.profile();
        const queue = new TaskQueue(await ctx.connect(profile));
        if (id !== undefined) {
          const task = await queue.getTask(id);
          if (!task) throw new CommandFailed(`no task with id ${id} in profile ${profile.name}`);
          if (flags.log) showLog(io, task, ctx.json);
          else if (ctx.json) io.json(task);
          else showTask(io, task);
          return;
        }
        const [counts, workers, page] = await Promise.all([
          queue.queues(),
          queue.listWorkers(),
          queue.listTasks({ queue: flags.queue, state: flags.state, limit: flags.limit, offset: flags.offset }),
        ]);
        const queues = flags.queue ? counts.filter((q) => q.queue === flags.queue) : counts;
        if (ctx.json) {
          io.json({ profile: profile.name, address: queue.backend.address, queues, workers, tasks: page.tasks, total: page.total });
          return;
        }
        const c = io.colors;
        io.out(c.dim(`profile ${profile.name} (${queue.backend.address})`));
        io.out();
        io.out(
          queues.length
            ? table(
                queues,
                [
                  { header: 'QUEUE', value: (q) => q.queue },
                  { header: 'PENDING', value: (q) => q.counts.pending },
                  { header: 'DELAYED', value: (q) => q.counts.delayed },
                  { header: 'RUNNING', value: (q) => q.counts.running },
                  { header: 'SUCCEEDED', value: (q) => q.counts.succeeded },
                  { header: 'DEAD', value: (q) => q.counts.dead, color: (t, q) => (q.counts.dead ? c.red(t) : t) },
                  { header: 'CANCELLED', value: (q) => q.counts.cancelled },
                  { header: 'OLDEST PENDING', value: (q) => (q.oldestPendingAgeMs ? formatMs(q.oldestPendingAgeMs) : '-'), align: 'right' },
                  { header: 'FLOW', value: (q) => flowSummary(q), color: (t, q) => (q.paused ? c.yellow(t) : t) },
                ],
                c,
              )
            : 'no queues yet',
        );
        io.out();
        io.out(
          workers.length
            ? table(
                workers,
                [
                  { header: 'WORKER', value: (w) => w.id },
                  { header: 'HOST', value: (w) => `${w.hostname}:${w.pid}` },
                  { header: 'QUEUES', value: (w) => w.queues.join(',') },
                  { header: 'CONCURRENCY', value: (w) => w.concurrency },
                  { header: 'RUNNING', value: (w) => w.running },
                  { header: 'PROCESSED', value: (w) => w.processed },
                  { header: 'FAILED', value: (w) => w.failed },
                  { header: 'SEEN', value: (w) => `${formatMs(Date.now() - w.seenAt)} ago`, align: 'right' },
                ],
                c,
              )
            : 'no live workers',
        );
        io.out();
        const filter = [flags.queue && `queue ${flags.queue}`, flags.state && `state ${flags.state}`].filter(Boolean).join(', ');
        io.out(c.bold(`tasks${filter ? ` (${filter})` : ''}: ${page.total} in all, newest first`));
        if (page.tasks.length) io.out(taskTable(io, page.tasks));
      }),
    );
}

export function stateColor(io: Io, state: TaskState, text: string = state): string {
  const c = io.colors;
  switch (state) {
    case 'succeeded':
      return c.green(text);
    case 'dead':
      return c.red(text);
    case 'running':
      return c.cyan(text);
    case 'delayed':
    case 'cancelled':
      return c.yellow(text);
    default:
      return text;
  }
}

function taskTable(io: Io, tasks: TaskView[]): string {
  return table(
    tasks,
    [
      { header: 'ID', value: (t) => t.id },
      { header: 'NAME', value: (t) => t.name },
      { header: 'QUEUE', value: (t) => t.queue },
      { header: 'STATE', value: (t) => t.state, color: (text, t) => stateColor(io, t.state, text) },
      { header: 'TRIES', value: (t) => `${t.attempts}/${t.maxAttempts}`, align: 'right' },
      { header: 'ENQUEUED', value: (t) => formatTime(t.enqueuedAt) },
      {
        header: 'DETAIL',
        value: (t) =>
          t.error && t.state !== 'succeeded'
            ? `${t.error.name}: ${t.error.message}`.slice(0, 60)
            : t.state === 'succeeded'
              ? preview(t.result, 40)
              : t.state === 'delayed'
                ? `runs ${formatTime(t.runAt)}`
                : '',
      },
    ],
    io.colors,
  );
}

function showTask(io: Io, t: TaskView): void {
  io.out(
    keyValues(
      [
        ['id', t.id],
        ['name', t.name],
        ['queue', t.queue],
        ['state', stateColor(io, t.state)],
        ['attempts', `${t.attempts} of ${t.maxAttempts}`],
        ['priority', t.priority],
        ['enqueued', formatTime(t.enqueuedAt, true)],
        ['run at', formatTime(t.runAt, true)],
        ['started', t.startedAt ? formatTime(t.startedAt, true) : undefined],
        ['finished', t.finishedAt ? formatTime(t.finishedAt, true) : undefined],
        ['took', t.startedAt && t.finishedAt ? formatMs(t.finishedAt - t.startedAt) : undefined],
        ['lease', t.leaseOwner ? `${t.leaseOwner} until ${formatTime(t.leaseExpiresAt, true)}` : undefined],
        ['timeout', t.timeoutMs ? formatMs(t.timeoutMs) : undefined],
        ['idempotency key', t.idempotencyKey],
        ['serializer', t.serializer],
        ['payload', JSON.stringify(t.payload)],
        ['result', t.result !== undefined ? JSON.stringify(t.result) : undefined],
        ['error', t.error ? `${t.error.name}: ${t.error.message}` : undefined],
        ['progress', t.progress !== undefined ? JSON.stringify(t.progress) : undefined],
        [
          'log',
          t.log
            ? `${t.log.length} line(s)${t.logDropped ? `, ${t.logDropped} older dropped` : ''} (sitq inspect ${t.id} --log)`
            : undefined,
        ],
        ['headers', t.headers ? JSON.stringify(t.headers) : undefined],
        ['decode error', t.decodeError],
      ],
      io.colors,
    ),
  );
  if (t.error?.stack) io.out(io.colors.dim(t.error.stack));
}

/** `--log`: the lines as they are (JSON: { id, state, progress, log, logDropped }). */
function showLog(io: Io, t: TaskView, json: boolean): void {
  if (json) {
    io.json({ id: t.id, state: t.state, progress: t.progress ?? null, log: t.log ?? [], logDropped: t.logDropped ?? 0 });
    return;
  }
  if (t.logDropped) io.out(io.colors.dim(`(${t.logDropped} older line(s) dropped to keep the log's bound)`));
  for (const line of t.log ?? []) io.out(line);
  if (!t.log?.length) io.out(io.colors.dim('(no log lines)'));
}

/** `paused, 100/1s, max 5 running`, or `-` for a queue without flow control. */
function flowSummary(q: QueueStatus): string {
  const parts = [
    ...(q.paused ? ['paused'] : []),
    ...(q.rate ? [formatRate(q.rate)] : []),
    ...(q.maxRunning !== undefined ? [`max ${q.maxRunning} running`] : []),
  ];
  return parts.join(', ') || '-';
}
