// `sitq enqueue TASK [JSON]`: adds tasks. Everything (task name, payload, options) is checked
// before the backend is opened, so bad input writes nothing.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { buildNewTask, type EnqueueOptions } from '../../core/enqueue-options.js';
import { newTaskId } from '../../core/ids.js';
import { TaskQueue } from '../../core/queue.js';
import { jsonSerializer } from '../../core/serializers.js';
import { duration, queueName, wholeNumber } from '../args.js';
import { UsageError } from '../errors.js';
import { formatMs, preview } from '../format.js';
import { progressBar } from '../progress.js';
import type { App } from '../program.js';

interface EnqueueFlags {
  count: number;
  delay?: number;
  queue?: string;
  priority?: number;
  maxAttempts?: number;
  timeout?: number;
  key?: string;
  wait?: number | boolean;
  payloadFile?: string;
}

const BATCH = 1000;

export function register(program: Command, app: App): void {
  program
    .command('enqueue')
    .description('add a task (or --count copies of it) to a queue')
    .argument('<task>', 'task name, e.g. sitq.echo, sitq.sleep, sitq.fail, sitq.cpu, or one of your own')
    .argument('[payload]', 'the payload as JSON (default null), e.g. \'{"ms":100}\'; - reads it from standard input')
    .option(
      '-f, --payload-file <file>',
      'read the JSON payload from a file (- for standard input): for payloads too large for a command line',
    )
    .option('-n, --count <n>', 'enqueue this many copies (in batches of 1000)', wholeNumber(1, 10_000_000), 1)
    .option('-d, --delay <ms>', 'run no earlier than this long from now (500ms, 2s, 5m, ...)', duration(0))
    .option('-q, --queue <queue>', 'queue name (default "default")', queueName)
    .option('--priority <n>', '0-9, higher runs first (default 0)', wholeNumber(0, 9))
    .option('--max-attempts <n>', 'attempts before the task is dead (default 3)', wholeNumber(1, 1000))
    .option('--timeout <ms>', 'per-attempt time limit', duration(1))
    .option('--key <key>', 'idempotency key: a second enqueue with the same key returns the first task')
    .option('--wait [ms]', 'wait for the task(s) to finish (default up to 30s) and show the result', duration(0))
    .action(
      app.action(async (ctx, task: string, payloadText: string | undefined, flags: EnqueueFlags) => {
        const { io } = ctx;
        const payload = await readPayload(payloadText, flags.payloadFile, io.cwd);
        const options: EnqueueOptions = {};
        if (flags.queue !== undefined) options.queue = flags.queue;
        if (flags.delay !== undefined) options.delay = flags.delay;
        if (flags.priority !== undefined) options.priority = flags.priority;
        if (flags.maxAttempts !== undefined) options.maxAttempts = flags.maxAttempts;
        if (flags.timeout !== undefined) options.timeout = flags.timeout;
        if (flags.key !== undefined) {
          if (flags.count > 1) throw new UsageError('--key names one task; it cannot be used with --count');
          options.idempotencyKey = flags.key;
        }
        // A dry run of the record the queue will build: a bad name or option fails here, before any connection.
        buildNewTask(newTaskId(), task, jsonSerializer.serialize(payload), jsonSerializer.name, options, Date.now());
        const profile = await ctx.profile();

        const queue = new TaskQueue(await ctx.connect(profile));
        const ids: string[] = [];
        let existed = false; // --key named a task that was already there: nothing new was stored
        const bar = progressBar(io, flags.count, 'enqueueing', ctx.json || flags.count < BATCH * 5);
        const started = performance.now();
        for (let done = 0; done < flags.count; done += BATCH) {
          const n = Math.min(BATCH, flags.count - done);
          const outcomes = await queue.enqueueWithOutcomes(
            task,
            Array.from({ length: n }, () => payload),
            options,
          );
          for (const o of outcomes) {
            ids.push(o.id);
            if (!o.created) existed = true;
          }
          bar.update(done + n);
        }
        bar.stop();
        const elapsed = performance.now() - started;
        // The enqueue counts of the throughput history, written before the process ends.
        await queue.flushHistory();
        const queueNameUsed = options.queue ?? 'default';

        if (flags.wait === undefined || flags.wait === false) {
          if (ctx.json)
            io.json({
              ok: true,
              profile: profile.name,
              task,
              queue: queueNameUsed,
              count: ids.length,
              ids,
              ...(flags.key !== undefined ? { created: !existed } : {}),
            });
          else if (existed)
            io.out(
              `Not enqueued: task ${ids[0]} on queue ${queueNameUsed} (profile ${profile.name}) already has idempotency key ${JSON.stringify(flags.key)}`,
            );
          else if (ids.length === 1) io.out(`Enqueued ${task} on queue ${queueNameUsed} (profile ${profile.name}): ${ids[0]}`);
          else
            io.out(
              `Enqueued ${ids.length.toLocaleString('en-US')} × ${task} on queue ${queueNameUsed} (profile ${profile.name}) in ${formatMs(elapsed)}: ${ids[0]} … ${ids[ids.length - 1]}`,
            );
          return;
        }

        const timeout = flags.wait === true ? 30_000 : flags.wait;
        const deadline = Date.now() + timeout;
        const results = await Promise.all(ids.map((id) => queue.getResult(id, { timeout: Math.max(0, deadline - Date.now()) })));
        const summary = results.map((r, i) =>
          r
            ? { id: ids[i], status: r.status, attempts: r.attempts, value: r.value, error: r.error }
            : { id: ids[i], status: 'unfinished' as const },
        );
        const allOk = summary.every((s) => s.status === 'succeeded');
        if (ctx.json) io.json({ ok: allOk, profile: profile.name, task, queue: queueNameUsed, count: ids.length, results: summary });
        else {
          for (const s of summary.slice(0, 20)) {
            const c = io.colors;
            if (s.status === 'succeeded') io.out(`${s.id}  ${c.green('succeeded')}  ${preview(s.value)}`);
            else if (s.status === 'unfinished')
              io.out(`${s.id}  ${c.yellow('not finished')} after ${formatMs(timeout)} (is a worker running? sitq worker)`);
            else io.out(`${s.id}  ${c.red(s.status)}  ${'error' in s && s.error ? `${s.error.name}: ${s.error.message}` : ''}`);
          }
          if (summary.length > 20)
            io.out(`… and ${summary.length - 20} more: ${summary.filter((s) => s.status === 'succeeded').length} succeeded in all`);
        }
        if (allOk) return 0;
        io.err(
          io.errColors.red(
            `sitq: ${summary.some((s) => s.status === 'unfinished') ? 'not every task finished in time' : 'not every task succeeded'}`,
          ),
        );
        return 1;
      }),
    );
}

/** The JSON payload of a command line: the argument, `--payload-file`, or standard input (`-`);
 *  null when none is given (also used by `sitq schedule add`). */
export async function readPayload(argument: string | undefined, file: string | undefined, cwd: string): Promise<unknown> {
  return parsePayload(await payloadSource(argument, file, cwd));
}

/** The payload's JSON text and where it came from (for messages; '' for the argument): the argument, a file, or standard input (`-`). */
async function payloadSource(
  argument: string | undefined,
  file: string | undefined,
  cwd: string,
): Promise<{ text: string | undefined; from: string }> {
  if (file !== undefined && argument !== undefined)
    throw new UsageError(
      `give the payload once: as an argument or with --payload-file, not both (got ${preview(argument, 20)} and --payload-file ${file})`,
    );
  const source = file ?? (argument === '-' ? '-' : undefined);
  if (source === undefined) return { text: argument, from: '' };
  if (source === '-') {
    if (process.stdin.isTTY)
      throw new UsageError('the payload is to be read from standard input (-), which is a terminal: pipe or redirect the JSON into sitq');
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return { text: Buffer.concat(chunks).toString('utf8'), from: ' from standard input' };
  }
  try {
    return { text: await readFile(resolve(cwd, source), 'utf8'), from: ` in ${source}` };
  } catch (err) {
    throw new UsageError(
      `--payload-file ${source}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); expected a file with the JSON payload`,
    );
  }
}

function parsePayload({ text, from }: { text: string | undefined; from: string }): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch (err) {
    const hint = from ? '' : ' (quote it for the shell, e.g. \'{"ms":100}\')';
    throw new UsageError(`the payload${from} is not valid JSON: ${(err as Error).message}${hint}`);
  }
}
