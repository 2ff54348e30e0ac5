// `sitq schedule add|list|show|pause|resume|rm` as processes on a SQLite file: human and --json
// output, exit codes (0 ok, 1 unknown schedule, 2 bad usage), and a `sitq worker` running a
// schedule's ticks. What the backends guarantee is the conformance suite's (test/conformance/schedules.ts).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createBackend } from '../../shared/backends/index.js';
import { json, SitqProcess, sitq, tempProject } from './run.js';
import type { ScheduleInfo } from '../../shared/core/schedules.js';

describe('sitq schedule (SQLite)', () => {
  const project = tempProject({ defaultProfile: 'local', profiles: { local: { type: 'sqlite', path: 'data/queue.db' } } });
  const run = (...args: string[]) => sitq(args, { cwd: project.dir });
  after(() => project.remove());

  it('add, list, show, pause, resume, rm — human and --json', async () => {
    const added = await run(
      'schedule',
      'add',
      'nightly',
      'sitq.echo',
      '{"report":"daily"}',
      '--cron',
      '30 2 * * *',
      '--tz',
      'Europe/Berlin',
      '--queue',
      'reports',
      '--catch-up',
      'all',
      '--catch-up-limit',
      '10',
    );
    assert.equal(added.code, 0, added.all);
    assert.match(
      added.stdout,
      /^Schedule nightly saved \(profile local\): sitq\.echo on queue reports, cron "30 2 \* \* \*" Europe\/Berlin$/m,
    );
    assert.equal(added.stdout.match(/^ {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}\(/gm)?.length, 5, 'five next runs');

    const every = json<{ ok: boolean; schedule: ScheduleInfo }>(
      await run('schedule', 'add', 'beat', 'sitq.echo', '--every', '5m', '--paused', '--json'),
    );
    assert.equal(every.ok, true);
    assert.deepEqual(every.schedule.spec, { every: 300_000 });
    assert.equal(every.schedule.paused, true);

    const listed = json<{ schedules: ScheduleInfo[] }>(await run('schedule', 'list', '--runs', '2', '--json'));
    assert.deepEqual(
      listed.schedules.map((s) => [s.name, s.paused, s.nextRuns.length]),
      [
        ['beat', true, 2],
        ['nightly', false, 2],
      ],
    );
    const nightly = listed.schedules[1];
    assert.deepEqual(nightly.payload, { report: 'daily' });
    assert.equal(nightly.catchUp, 'all');
    assert.ok(
      nightly.nextRuns.every((t) => [0, 1].includes(new Date(t).getUTCHours())),
      '02:30 in Berlin is 00:30 or 01:30 UTC',
    );

    const table = await run('schedule', 'list');
    assert.equal(table.code, 0, table.all);
    assert.match(table.stdout, /^NAME +WHEN +TASK +QUEUE +STATE +NEXT RUN +LAST RUN$/m);
    assert.match(table.stdout, /^beat +every 5\.0 min +sitq\.echo +default +paused /m);

    const shown = await run('schedule', 'show', 'nightly', '--runs', '1');
    assert.equal(shown.code, 0, shown.all);
    assert.match(shown.stdout, /^catch-up: +all \(at most 10\)$/m);
    assert.match(shown.stdout, /^last run: +none yet$/m);

    assert.deepEqual(json(await run('schedule', 'resume', 'beat', '--json')), {
      ok: true,
      profile: 'local',
      name: 'beat',
      action: 'resume',
    });
    assert.match((await run('schedule', 'pause', 'beat')).stdout, /^paused schedule beat$/m);
    assert.match((await run('schedule', 'rm', 'beat')).stdout, /^removed schedule beat$/m);
    const gone = await run('schedule', 'rm', 'beat');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /no schedule named beat in profile local/);
    assert.equal((await run('schedule', 'show', 'beat')).code, 1);
  });

  it('refuses bad usage with exit code 2, naming what is wrong, and stores nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['schedule', 'add', 'x', 'sitq.echo'], /exactly one of --cron <pattern> or --every <ms>/],
      [['schedule', 'add', 'x', 'sitq.echo', '--cron', '* * * * *', '--every', '1s'], /exactly one of/],
      [['schedule', 'add', 'x', 'sitq.echo', '--every', '1s', '--tz', 'UTC'], /--tz goes with --cron/],
      [['schedule', 'add', 'x', 'sitq.echo', '--every', '500ms'], /--every/],
      [['schedule', 'add', 'x', 'sitq.echo', '--cron', '61 * * * *'], /schedule spec\.cron/],
      [['schedule', 'add', 'x', 'sitq.echo', '--cron', '0 3 * * *', '--tz', 'Mars/Base'], /schedule spec\.tz/],
      [['schedule', 'add', 'bad name', 'sitq.echo', '--every', '1m'], /schedule name/],
      [['schedule', 'add', 'x', 'sitq.echo', '--every', '1m', '--catch-up', 'sometimes'], /latest, none, all/],
      [['schedule', 'add', 'x', 'sitq.echo', '{oops', '--every', '1m'], /not valid JSON/],
    ];
    for (const [args, message] of cases) {
      const r = await run(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.all}`);
      assert.match(r.stderr, message, args.join(' '));
    }
    assert.deepEqual(
      json<{ schedules: ScheduleInfo[] }>(await run('schedule', 'list', '--json')).schedules.map((s) => s.name),
      ['nightly'],
    );
  });

  it('a running `sitq worker` enqueues and runs the ticks of an every-second schedule', async () => {
    assert.equal((await run('schedule', 'add', 'tick', 'sitq.echo', '{"t":1}', '--every', '1s', '--queue', 'ticks')).code, 0);
    const worker = new SitqProcess(['worker', '--queues', 'ticks'], { cwd: project.dir, timeoutMs: 90_000 });
    try {
      await worker.waitFor('started on local', 30_000);
      const deadline = Date.now() + 30_000;
      let lastRun: ScheduleInfo['lastRun'] = null;
      while (Date.now() < deadline) {
        const shown = json<{ schedule: ScheduleInfo }>(await run('schedule', 'show', 'tick', '--json'));
        lastRun = shown.schedule.lastRun;
        if (lastRun && lastRun.tick - shown.schedule.createdAt >= 3000) break;
        await new Promise((r) => setTimeout(r, 300));
      }
      assert.ok(lastRun, 'the worker enqueued a tick');
      const task = json<{ name: string; queue: string }>(await run('inspect', '--id', lastRun.taskId, '--json'));
      assert.deepEqual([task.name, task.queue], ['sitq.echo', 'ticks']);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.done;
    }
  });

  it('list names a damaged schedule record on stderr (and in --json `damaged`), lists the rest and exits 0', async () => {
    assert.equal((await run('schedule', 'add', 'kept', 'sitq.echo', '--every', '1h')).code, 0);
    const backend = createBackend({ type: 'sqlite', path: join(project.dir, 'data', 'queue.db') });
    await backend.connect();
    try {
      assert.ok(await backend.setState('schedules/mangled', 'not json', 0));
    } finally {
      await backend.close();
    }
    const human = await run('schedule', 'list');
    assert.equal(human.code, 0, human.all);
    assert.match(human.stderr, /warning: the schedule record schedules\/mangled cannot be read: not JSON .*\(left out\)/);
    assert.doesNotMatch(human.stdout, /mangled/);
    const listed = json<{ schedules: ScheduleInfo[]; damaged: { key: string; message: string }[] }>(
      await run('schedule', 'list', '--json'),
    );
    assert.ok(
      listed.schedules.some((x) => x.name === 'kept'),
      'the readable schedules are listed',
    );
    assert.deepEqual(
      listed.damaged.map((d) => d.key),
      ['schedules/mangled'],
    );
  });
});
