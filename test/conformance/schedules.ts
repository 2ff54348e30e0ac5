// Schedules (issue 12, point 1): stored in the coordination state, ticked by every Worker's
// scheduler. Checked here on every backend: the CRUD calls and their next runs, the catch-up
// policies and DST through an injected clock (no test waits for real time to pass a day), exactly
// one task per tick with several schedulers in one process and with several worker processes
// (killed and restarted halfway), and a schedule surviving every worker stopping.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createBackend } from '../../shared/backends/index.js';
import type { Backend } from '../../shared/core/backend.js';
import { ConfigurationError } from '../../shared/core/errors.js';
import { silentLogger } from '../../shared/core/logger.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { Scheduler, tickIdempotencyKey } from '../../shared/core/scheduler.js';
import {
  readSchedule,
  ScheduleRecordError,
  scheduleKey,
  toScheduleInfo,
  upsertSchedule,
  type ScheduleOptions,
  type ScheduleSpec,
} from '../../shared/core/schedules.js';
import { jsonSerializer } from '../../shared/core/serializers.js';
import type { TaskRecord } from '../../shared/core/types.js';
import { Worker } from '../../shared/core/worker.js';
import { eventually, sleep, withBackend, type ConformanceTarget } from './harness.js';
import { exited, readLedger, startWorkerProcess, stopAll } from './processes.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** How long the several-processes test runs its `every: 1000` schedule: 15 s in CI, the issue's
 *  2 minutes under `npm run test:stress` (which sets SITQ_SCHEDULE_SOAK_MS=120000). */
const SOAK_MS = Number(process.env.SITQ_SCHEDULE_SOAK_MS ?? 15_000);

/** Every task of `queue`, oldest first (the scheduler's tasks carry their tick in runAt). */
async function tasksOf(b: Backend, queue: string): Promise<TaskRecord[]> {
  const out: TaskRecord[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await b.listTasks({ queue, limit: 500, offset });
    out.push(...page.tasks);
    if (page.tasks.length < 500) break;
  }
  return out.sort((x, y) => x.runAt - y.runAt);
}

/** A schedule created as at `now` (the same code path as TaskQueue.schedule, with the clock given). */
function defineAt(b: Backend, name: string, spec: ScheduleSpec, now: number, options: ScheduleOptions = {}) {
  return upsertSchedule(
    b,
    { name, spec, task: 'sitq.echo', payload: jsonSerializer.serialize({ from: name }), serializer: 'json', options },
    now,
  );
}

async function infoAt(b: Backend, name: string, now: number, runs = 5) {
  const entry = (await b.getState(scheduleKey(name)))!;
  return toScheduleInfo(entry, readSchedule(entry), now, runs, () => undefined);
}

/** Asserts the ticks are `first, first + step, …` with none missing and none twice. */
function assertContiguous(ticks: readonly number[], step: number, what: string): void {
  const doubled = ticks.filter((t, i) => ticks.indexOf(t) !== i);
  assert.deepEqual(doubled, [], `${what}: ticks enqueued twice`);
  const gaps = ticks
    .slice(1)
    .map((t, i) => t - ticks[i])
    .filter((d) => d !== step);
  assert.deepEqual(gaps, [], `${what}: ticks missing (gaps between consecutive ticks, in ms)`);
}

export function schedulesSuite(target: ConformanceTarget, options: { todo?: string } = {}): void {
  const todo = options.todo;
  describe('schedules', () => {
    it('upsert, get with next runs, list, pause, resume, remove', { todo }, () =>
      withBackend(target, async (b) => {
        const q = new TaskQueue(b);
        const before = Date.now();
        const created = await q.schedule(
          'nightly',
          { cron: '0 3 * * *', tz: 'UTC' },
          'sitq.echo',
          { report: 'daily' },
          { queue: 'reports', priority: 5 },
        );
        assert.equal(created.name, 'nightly');
        assert.equal(created.queue, 'reports');
        assert.equal(created.catchUp, 'latest');
        assert.equal(created.paused, false);
        assert.equal(created.lastRun, null);
        assert.deepEqual(created.payload, { report: 'daily' });
        assert.equal(created.nextRuns.length, 5);
        for (const [i, t] of created.nextRuns.entries()) {
          assert.ok(t > before, 'a next run lies in the future');
          assert.equal(new Date(t).toISOString().slice(11), '03:00:00.000Z');
          if (i > 0) assert.equal(t - created.nextRuns[i - 1], 24 * HOUR);
        }
        const got = await q.getSchedule('nightly', { runs: 2 });
        assert.deepEqual(got?.nextRuns, created.nextRuns.slice(0, 2));
        assert.equal(got?.version, created.version);

        // Upsert by name: the same spec keeps its creation and cursor; the rest is replaced.
        const replaced = await q.schedule(
          'nightly',
          { cron: '0 3 * * *', tz: 'UTC' },
          'sitq.echo',
          { report: 'weekly' },
          { queue: 'reports' },
        );
        assert.equal(replaced.createdAt, created.createdAt);
        assert.equal(replaced.lastTick, created.lastTick);
        assert.deepEqual(replaced.payload, { report: 'weekly' });
        assert.ok(replaced.version > created.version);
        const every = await q.schedule('heartbeat', { every: 5 * MINUTE }, 'sitq.echo', null);
        assert.equal(every.nextRuns[1] - every.nextRuns[0], 5 * MINUTE);
        assert.ok(every.nextRuns[0] > every.createdAt && every.nextRuns[0] <= every.createdAt + 5 * MINUTE);
        assert.deepEqual(
          (await q.listSchedules()).map((s) => s.name),
          ['heartbeat', 'nightly'],
        );
        // A changed spec restarts the ticks from now; the creation time stays.
        const changed = await q.schedule('heartbeat', { every: 7 * MINUTE }, 'sitq.echo', null);
        assert.equal(changed.createdAt, every.createdAt);
        assert.ok(changed.lastTick >= every.lastTick && changed.lastTick >= changed.updatedAt);
        assert.equal(changed.nextRuns[0], changed.updatedAt + 7 * MINUTE);

        assert.equal(await q.pauseSchedule('heartbeat'), true);
        assert.equal((await q.getSchedule('heartbeat'))?.paused, true);
        // A paused schedule enqueues nothing, however late it is.
        const scheduler = new Scheduler(b, { logger: silentLogger });
        const pass = await scheduler.runOnce(Date.now() + 20 * MINUTE);
        assert.equal(pass.ticks.get('heartbeat'), undefined);
        assert.equal(await q.resumeSchedule('heartbeat'), true);
        const resumed = await q.getSchedule('heartbeat');
        assert.equal(resumed?.paused, false);
        assert.ok(resumed!.lastTick >= every.createdAt, 'resume skips the ticks that fell while paused');

        assert.equal(await q.removeSchedule('heartbeat'), true);
        assert.equal(await q.getSchedule('heartbeat'), null);
        assert.equal(await q.removeSchedule('heartbeat'), false);
        assert.equal(await q.pauseSchedule('heartbeat'), false);
        assert.equal(await q.resumeSchedule('heartbeat'), false);
        assert.deepEqual(
          (await q.listSchedules()).map((s) => s.name),
          ['nightly'],
        );
      }),
    );

    it(
      'listSchedules leaves out a damaged record and one of a newer version, naming each key in a ScheduleRecordError; the rest are listed',
      { todo },
      () =>
        withBackend(target, async (b) => {
          const q = new TaskQueue(b);
          await q.schedule('hourly', { every: HOUR }, 'sitq.echo', null);
          assert.ok(await b.setState(scheduleKey('broken'), '{"v":1,"name":', 0));
          assert.ok(await b.setState(scheduleKey('future'), JSON.stringify({ v: 2, name: 'future' }), 0));
          const damaged: ScheduleRecordError[] = [];
          const listed = await q.listSchedules({ onDamaged: (err) => damaged.push(err) });
          assert.deepEqual(
            listed.map((s) => s.name),
            ['hourly'],
          );
          assert.ok(damaged.every((e) => e instanceof ScheduleRecordError));
          assert.deepEqual(
            damaged.map((e) => e.key),
            [scheduleKey('broken'), scheduleKey('future')],
          );
          assert.match(damaged[0].message, /schedules\/broken.*not JSON/);
          assert.match(damaged[1].message, /schedules\/future.*record version 2/);
          // Without a callback the damaged ones are left out all the same.
          assert.deepEqual(
            (await q.listSchedules()).map((s) => s.name),
            ['hourly'],
          );
          // getSchedule of a damaged one still fails with the error naming it.
          await assert.rejects(
            q.getSchedule('broken'),
            (e: unknown) => e instanceof ScheduleRecordError && e.key === scheduleKey('broken'),
          );
        }),
    );

    it('bad names, specs and options are refused with a ConfigurationError naming the option; nothing is stored', { todo }, () =>
      withBackend(target, async (b) => {
        const q = new TaskQueue(b);
        const refuses = (p: Promise<unknown>, option: string) =>
          assert.rejects(
            p,
            (e: unknown) => e instanceof ConfigurationError && e.issues.some((i) => i.option === option),
            `expected an issue on ${option}`,
          );
        await refuses(q.schedule('has space', { every: 1000 }, 'sitq.echo', null), 'schedule name');
        await refuses(q.schedule('a/b', { every: 1000 }, 'sitq.echo', null), 'schedule name');
        await refuses(q.schedule('x', { every: 999 }, 'sitq.echo', null), 'schedule spec.every');
        await refuses(q.schedule('x', { every: 1.5 } as ScheduleSpec, 'sitq.echo', null), 'schedule spec.every');
        await refuses(q.schedule('x', { cron: 'not a cron' }, 'sitq.echo', null), 'schedule spec.cron');
        await refuses(q.schedule('x', { cron: '0 0 30 2 *' }, 'sitq.echo', null), 'schedule spec.cron');
        await refuses(q.schedule('x', { cron: '0 3 * * *', tz: 'Mars/Base' }, 'sitq.echo', null), 'schedule spec.tz');
        await refuses(q.schedule('x', { cron: '* * * * *', every: 1000 } as unknown as ScheduleSpec, 'sitq.echo', null), 'schedule spec');
        await refuses(q.schedule('x', { every: 1000 }, 'sitq.echo', null, { catchUp: 'some' as 'all' }), 'schedule options.catchUp');
        await refuses(q.schedule('x', { every: 1000 }, 'sitq.echo', null, { catchUpLimit: 0 }), 'schedule options.catchUpLimit');
        await refuses(q.schedule('x', { every: 1000 }, 'sitq.echo', null, { delay: 5 } as ScheduleOptions), 'schedule options.delay');
        await refuses(q.schedule('x', { every: 1000 }, 'sitq.echo', 'x'.repeat(60_000)), 'schedule payload');
        await refuses(q.getSchedule('a.b'), 'schedule name');
        await refuses(q.listSchedules({ runs: -1 }), 'runs');
        assert.deepEqual(await q.listSchedules(), []);
      }),
    );

    it('each tick enqueues one task (runAt = the tick, key schedule:<name>:<tick>) however many schedulers pass', { todo }, () =>
      withBackend(target, async (b, config) => {
        const t0 = Date.now();
        await defineAt(b, 'every-minute', { every: MINUTE }, t0, { queue: 'ticks', maxAttempts: 7 });
        const others = [createBackend(config), createBackend(config)];
        await Promise.all(others.map((o) => o.connect()));
        try {
          const schedulers = [b, ...others].flatMap((x) => [
            new Scheduler(x, { logger: silentLogger }),
            new Scheduler(x, { logger: silentLogger }),
          ]);
          assert.equal((await schedulers[0].runOnce(t0 + MINUTE - 1)).created, 0, 'nothing is due before the first tick');
          // Six schedulers over three connections pass at each of five ticks, all at once.
          for (let k = 1; k <= 5; k++) await Promise.all(schedulers.map((s) => s.runOnce(t0 + k * MINUTE + 500)));
          const tasks = await tasksOf(b, 'ticks');
          assert.deepEqual(
            tasks.map((t) => t.runAt),
            [1, 2, 3, 4, 5].map((k) => t0 + k * MINUTE),
          );
          assert.deepEqual(
            tasks.map((t) => t.idempotencyKey),
            tasks.map((t) => tickIdempotencyKey('every-minute', t.runAt)),
          );
          assert.ok(
            tasks.every((t) => t.name === 'sitq.echo' && t.maxAttempts === 7 && jsonSerializer.deserialize(t.payload) !== undefined),
          );
          const info = await infoAt(b, 'every-minute', t0 + 5 * MINUTE + 500);
          assert.equal(info.lastRun?.tick, t0 + 5 * MINUTE);
          assert.equal(info.lastRun?.taskId, tasks[4].id);
          assert.equal(info.nextRuns[0], t0 + 6 * MINUTE);
        } finally {
          await Promise.all(others.map((o) => o.close()));
        }
      }),
    );

    it('a tick decided but not enqueued (the scheduler died between the two) is enqueued by the next scheduler, once', { todo }, () =>
      withBackend(target, async (b) => {
        const t0 = Date.now();
        const { entry, record } = await defineAt(b, 'crashy', { every: MINUTE }, t0, { queue: 'crash' });
        // As a scheduler leaves it when it dies after its compare-and-set and before its enqueue.
        const tick = t0 + MINUTE;
        assert.ok(await b.setState(entry.key, JSON.stringify({ ...record, lastTick: tick, pending: [tick] }), entry.version));
        const pass = await new Scheduler(b, { logger: silentLogger }).runOnce(tick + 2000);
        assert.equal(pass.created, 1);
        // ... and one that died after the enqueue, before confirming: the key finds the task.
        const again = (await b.getState(entry.key))!;
        assert.ok(await b.setState(again.key, JSON.stringify({ ...readSchedule(again), pending: [tick] }), again.version));
        assert.equal((await new Scheduler(b, { logger: silentLogger }).runOnce(tick + 3000)).created, 0);
        assert.deepEqual(
          (await tasksOf(b, 'crash')).map((t) => t.runAt),
          [tick],
        );
        assert.deepEqual(readSchedule((await b.getState(entry.key))!).pending, []);
      }),
    );

    it(
      "catchUp after downtime: 'latest' enqueues the last missed tick, 'none' none, 'all' the last catchUpLimit; on-time ticks always run",
      { todo },
      () =>
        withBackend(target, async (b) => {
          const t0 = Date.now();
          await defineAt(b, 'latest', { every: MINUTE }, t0, { queue: 'latest' });
          await defineAt(b, 'none', { every: MINUTE }, t0, { queue: 'none', catchUp: 'none' });
          await defineAt(b, 'all', { every: MINUTE }, t0, { queue: 'all', catchUp: 'all', catchUpLimit: 4 });
          const scheduler = new Scheduler(b, { logger: silentLogger });
          // Ten ticks fell during downtime; the newest is 45 s old (> 30 s: missed).
          await scheduler.runOnce(t0 + 10 * MINUTE + 45_000);
          assert.deepEqual(
            (await tasksOf(b, 'latest')).map((t) => t.runAt),
            [t0 + 10 * MINUTE],
          );
          assert.deepEqual(
            (await tasksOf(b, 'none')).map((t) => t.runAt),
            [],
          );
          assert.deepEqual(
            (await tasksOf(b, 'all')).map((t) => t.runAt),
            [7, 8, 9, 10].map((k) => t0 + k * MINUTE),
          );
          // The next ticks, reached up to 29 s late (on time), run under every policy.
          await scheduler.runOnce(t0 + 11 * MINUTE + 29_000);
          await scheduler.runOnce(t0 + 12 * MINUTE + 1_000);
          await scheduler.runOnce(t0 + 13 * MINUTE + 20_000);
          for (const q of ['latest', 'none', 'all']) {
            const ticks = (await tasksOf(b, q)).map((t) => t.runAt).filter((t) => t > t0 + 10 * MINUTE);
            assert.deepEqual(
              ticks,
              [11, 12, 13].map((k) => t0 + k * MINUTE),
              `catchUp ${q}`,
            );
          }
          // A downtime shorter than 30 s loses nothing under 'none' either.
          const { record } = await defineAt(b, 'short', { every: 10_000 }, t0, { queue: 'short', catchUp: 'none' });
          assert.equal(record.catchUp, 'none');
          await scheduler.runOnce(t0 + 25_000);
          assert.deepEqual(
            (await tasksOf(b, 'short')).map((t) => t.runAt),
            [t0 + 10_000, t0 + 20_000],
          );
        }),
    );

    it('a cron schedule in Europe/Berlin across both DST changes of 2027 (injected clock)', { todo }, () =>
      withBackend(target, async (b) => {
        // 2027: clocks go 02:00 → 03:00 on 28 March and 03:00 → 02:00 on 31 October.
        const spring = Date.UTC(2027, 2, 27, 12);
        const fall = Date.UTC(2027, 9, 30, 12);
        const opts = { catchUp: 'all', catchUpLimit: 1000 } as const; // hourly passes: every tick counts as missed
        await defineAt(b, 'fixed', { cron: '30 2 * * *', tz: 'Europe/Berlin' }, spring, { ...opts, queue: 'fixed' });
        await defineAt(b, 'wild', { cron: '*/30 2 * * *', tz: 'Europe/Berlin' }, spring, { ...opts, queue: 'wild' });
        const iso = (ts: number[]) => ts.map((t) => new Date(t).toISOString().slice(0, 16));
        assert.deepEqual(iso((await infoAt(b, 'fixed', spring, 3)).nextRuns), ['2027-03-28T01:00', '2027-03-29T00:30', '2027-03-30T00:30']);
        const scheduler = new Scheduler(b, { logger: silentLogger });
        for (let t = spring + HOUR; t <= spring + 3 * 24 * HOUR; t += HOUR) await scheduler.runOnce(t);
        // 02:30 does not exist on the 28th: the fixed time runs at 03:00 CEST; the wildcard pattern
        // skips the missing hour.
        assert.deepEqual(iso((await tasksOf(b, 'fixed')).map((t) => t.runAt)), [
          '2027-03-28T01:00',
          '2027-03-29T00:30',
          '2027-03-30T00:30',
        ]);
        assert.deepEqual(iso((await tasksOf(b, 'wild')).map((t) => t.runAt)), [
          '2027-03-29T00:00',
          '2027-03-29T00:30',
          '2027-03-30T00:00',
          '2027-03-30T00:30',
        ]);
        // Autumn: 02:30 happens twice on the 31st; the fixed time runs once (the first), the
        // wildcard pattern on both passes through the hour.
        await defineAt(b, 'fixed-fall', { cron: '30 2 * * *', tz: 'Europe/Berlin' }, fall, { ...opts, queue: 'fixed-fall' });
        await defineAt(b, 'wild-fall', { cron: '*/30 2 * * *', tz: 'Europe/Berlin' }, fall, { ...opts, queue: 'wild-fall' });
        for (let t = fall + HOUR; t <= fall + 2 * 24 * HOUR; t += HOUR) await scheduler.runOnce(t);
        assert.deepEqual(iso((await tasksOf(b, 'fixed-fall')).map((t) => t.runAt)), ['2027-10-31T00:30', '2027-11-01T01:30']);
        assert.deepEqual(iso((await tasksOf(b, 'wild-fall')).map((t) => t.runAt)), [
          '2027-10-31T00:00',
          '2027-10-31T00:30',
          '2027-10-31T01:00',
          '2027-10-31T01:30',
          '2027-11-01T01:00',
          '2027-11-01T01:30',
        ]);
      }),
    );

    it('workers run the schedule: two workers in one process enqueue each second once; it survives both stopping', { todo }, () =>
      withBackend(target, async (b, config) => {
        const q = new TaskQueue(b);
        await q.schedule('each-second', { every: 1000 }, 'sitq.echo', { hi: 1 }, { queue: 'sec' });
        const other = createBackend(config);
        await other.connect();
        const start = () => [
          new Worker(b, { queues: ['sec'], logger: silentLogger, pollInterval: 100 }),
          new Worker(other, { queues: ['sec'], logger: silentLogger, pollInterval: 100 }),
        ];
        try {
          let workers = start();
          await Promise.all(workers.map((w) => w.start()));
          await eventually(
            '4 ticks enqueued and run',
            async () => (await tasksOf(b, 'sec')).filter((t) => t.state === 'succeeded').length >= 4,
            30_000,
            100,
          );
          await Promise.all(workers.map((w) => w.stop({ timeout: 5000 })));
          const stoppedAt = Date.now();
          const whileStopped = (await tasksOf(b, 'sec')).length;
          await sleep(2500);
          assert.equal((await tasksOf(b, 'sec')).length, whileStopped, 'no tick is enqueued while no worker runs');
          // Every worker restarted: the ticks of the last 2.5 s (on time: < 30 s) and the next run.
          workers = start();
          await Promise.all(workers.map((w) => w.start()));
          await eventually(
            'ticks after the restart',
            async () => (await tasksOf(b, 'sec')).some((t) => t.runAt > stoppedAt + 3000 && t.state === 'succeeded'),
            30_000,
            100,
          );
          await Promise.all(workers.map((w) => w.stop({ timeout: 5000 })));
          const ticks = (await tasksOf(b, 'sec')).map((t) => t.runAt);
          assertContiguous(ticks, 1000, 'two in-process workers, stopped and restarted');
          assert.equal((await q.getSchedule('each-second'))?.lastRun?.tick, ticks[ticks.length - 1]);
        } finally {
          await other.close();
        }
      }),
    );

    if (target.sharedAcrossProcesses === false) {
      it(
        'worker processes on one schedule',
        { skip: `${target.kind} keeps its state in one process: other processes cannot share its schedules` },
        () => {},
      );
      return;
    }

    it(
      `4 worker processes × ${SOAK_MS / 1000} s on every: 1000, all killed (SIGKILL) halfway and restarted: exactly one task per tick`,
      { todo, timeout: SOAK_MS + 240_000 },
      (t) =>
        withBackend(target, async (b, config) => {
          const q = new TaskQueue(b);
          const dir = mkdtempSync(join(tmpdir(), 'sitq-sched-'));
          const ledger = (i: number) => join(dir, `ledger-${i}`);
          const created = await q.schedule('soak', { every: 1000 }, 'test.ledger', null);
          const children: ChildProcess[] = [];
          const env = { SITQ_TEST_CONCURRENCY: '2', SITQ_TEST_LEASE: '3000' };
          let firstReadyAt = 0;
          let killedAt = 0;
          let restartedAt = 0;
          try {
            const first = await Promise.all([0, 1, 2, 3].map((i) => startWorkerProcess(config, ledger(i), env, children)));
            firstReadyAt = Date.now();
            await sleep(SOAK_MS / 2);
            for (const child of first) child.kill('SIGKILL');
            killedAt = Date.now();
            await Promise.all(first.map(exited));
            await sleep(2000);
            await Promise.all([4, 5, 6, 7].map((i) => startWorkerProcess(config, ledger(i), env, children)));
            restartedAt = Date.now();
            await sleep(SOAK_MS / 2);
            await eventually(
              'a tick after the restart',
              async () => (await tasksOf(b, 'default')).some((t) => t.runAt > killedAt + 3000),
              30_000,
              200,
            );
          } finally {
            const codes = await stopAll(children.filter((c) => c.signalCode === null));
            assert.deepEqual(codes, [0, 0, 0, 0], 'a worker process crashed or hung on stop');
          }
          const tasks = await tasksOf(b, 'default');
          const ticks = tasks.map((t) => t.runAt);
          assertContiguous(ticks, 1000, `4 processes × ${SOAK_MS} ms`);
          assert.ok(ticks[0] <= created.createdAt + 1000, 'the first tick was enqueued');
          assert.ok(ticks.length >= Math.floor(SOAK_MS / 1000), `${ticks.length} ticks in ${SOAK_MS} ms + 2 s down`);
          assert.deepEqual(
            tasks.map((t) => t.idempotencyKey),
            ticks.map((t) => tickIdempotencyKey('soak', t)),
          );
          // Every task ran (a run cut by SIGKILL runs again after its lease: at least once).
          const ran = new Set([0, 1, 2, 3, 4, 5, 6, 7].flatMap((i) => readLedger(ledger(i))).map(([id]) => id));
          const notRun = tasks.filter((t) => !ran.has(t.id) && t.runAt < Date.now() - 10_000);
          assert.deepEqual(
            notRun.map((t) => t.id),
            [],
            'tasks enqueued by the schedule that never ran',
          );
          // How late the live schedulers enqueued (the ticks before the first workers were ready and
          // those of the downtime are enqueued when workers are there).
          const live = (x: TaskRecord) => (x.runAt > firstReadyAt && x.runAt < killedAt - 1000) || x.runAt > restartedAt;
          const late = tasks
            .filter(live)
            .map((x) => x.enqueuedAt - x.runAt)
            .sort((x, y) => x - y);
          t.diagnostic(
            `${ticks.length} ticks, ${late.length} of them while workers ran (start-up ${Math.round((firstReadyAt - created.createdAt) / 100) / 10} s, restart gap ${Math.round((restartedAt - killedAt) / 100) / 10} s): enqueued after their tick by median ${late[late.length >> 1]} ms, p95 ${late[Math.floor(late.length * 0.95)]} ms, max ${late[late.length - 1]} ms`,
          );
        }),
    );
  });
}
