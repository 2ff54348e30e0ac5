// The SQLite backend's behaviour: in-process wake-ups, the WAL checkpoint thread, claim order and
// batch sizes, the counter table, several processes claiming from one file, and 100,000 tasks.
// Split from sqlite.test.ts, which keeps the conformance suite and the options.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SqliteBackend } from '../../shared/backends/sqlite/index.js';
import type { TaskState } from '../../shared/core/types.js';
import { eventually, newTask, sleep } from '../conformance/harness.js';
import {
  freshPath,
  claimAll,
  succeed,
  withSqlite,
  rawConnection,
  runChild,
  BACKEND_MODULE,
  sqliteEventTransport,
} from './sqlite-helpers.js';

describe('sqlite backend', () => {
  describe('behaviour', () => {
    it('a local enqueue wakes a waiting claim at once (sub-millisecond when idle)', () =>
      withSqlite({ pollInterval: 10_000 }, async (b) => {
        const samples: number[] = [];
        for (let i = 0; i < 60; i++) {
          const waiting = b.claim({ ...claimAll, max: 1, waitMs: 5000 });
          await sleep(2);
          const t0 = performance.now();
          await b.enqueue([newTask()]);
          const [got] = await waiting;
          samples.push(performance.now() - t0);
          await b.complete([succeed(got.lease)]);
        }
        samples.sort((x, y) => x - y);
        const p50 = samples[Math.floor(samples.length / 2)];
        // The benchmark target is 1 ms; allow for a busy test machine.
        assert.ok(p50 < 5, `enqueue-to-claim p50 ${p50.toFixed(2)} ms with a 10 s poll interval`);
      }));

    it('backends on the same file in one process wake each other', async () => {
      const path = freshPath();
      const producer = new SqliteBackend({ path, pollInterval: 10_000 });
      await producer.connect();
      await withSqlite({ path, pollInterval: 10_000 }, async (consumer) => {
        const waiting = consumer.claim({ ...claimAll, waitMs: 5000 });
        await sleep(50);
        const t0 = Date.now();
        await producer.enqueue([newTask()]);
        assert.equal((await waiting).length, 1);
        assert.ok(Date.now() - t0 < 500);
      });
      await producer.close();
    });

    it('close() ends a waiting claim and a waitForFinish at once, empty', async () => {
      const b = new SqliteBackend({ path: freshPath(), pollInterval: 10_000 });
      await b.connect();
      await b.enqueue([newTask({ queue: 'elsewhere' })]);
      const [task] = (await b.listTasks({})).tasks;
      const waiting = b.claim({ ...claimAll, waitMs: 10_000 });
      const finishing = b.waitForFinish(task.id, 10_000);
      await sleep(50);
      const t0 = Date.now();
      await b.destroy();
      assert.deepEqual(await waiting, []);
      assert.equal(await finishing, null);
      assert.ok(Date.now() - t0 < 1000);
    });

    it('checkpoints the WAL on a background thread, not inside commits', () =>
      withSqlite({}, async (b, path) => {
        const before = statSync(path).size;
        // ~1.5 MB of tasks: far below the 40 MB at which a commit would checkpoint by itself, so
        // only the background thread can move these pages from the WAL into the database file.
        for (let i = 0; i < 40; i++) await b.enqueue(Array.from({ length: 100 }, () => newTask({ payload: new Uint8Array(200) })));
        assert.ok(statSync(`${path}-wal`).size > 1_000_000);
        const started = Date.now();
        while (statSync(path).size < before + 1_000_000) {
          if (Date.now() - started > 5000)
            throw new Error(`the database file stayed at ${statSync(path).size} bytes: no background checkpoint`);
          await sleep(20);
        }
      }));

    it('claims across several queues in claim order, once each, and ignores repeated queue names', () =>
      withSqlite({}, async (b) => {
        const now = Date.now();
        const a1 = newTask({ queue: 'a', priority: 1, runAt: now - 5 });
        const b9 = newTask({ queue: 'b', priority: 9, runAt: now });
        const b1 = newTask({ queue: 'b', priority: 1, runAt: now - 50 });
        const c5 = newTask({ queue: 'c', priority: 5, runAt: now });
        await b.enqueue([a1, b9, b1, c5]);
        const got = await b.claim({ ...claimAll, queues: ['a', 'b', 'a', 'b'], max: 10 });
        assert.deepEqual(
          got.map((c) => c.record.id),
          [b9.id, b1.id, a1.id],
        );
        assert.deepEqual(
          (await b.claim({ ...claimAll, queues: ['c'] })).map((c) => c.record.id),
          [c5.id],
        );
      }));

    it('claims as many as each call asks, whatever batch sizes follow one another, with the record as stored', () =>
      withSqlite({}, async (b, path) => {
        const tasks = Array.from({ length: 20 }, (_, i) => newTask({ queue: i % 2 ? 'odd' : 'even', priority: i }));
        await b.enqueue(tasks);
        const sizes: number[] = [];
        const claimed = [];
        for (const [queues, max] of [
          [['even'], 3],
          [['even'], 1],
          [['odd', 'even'], 2],
          [['even'], 3],
          [['odd'], 5],
          [['odd', 'even'], 4],
        ] as const) {
          const got = await b.claim({ ...claimAll, queues: [...queues], max });
          sizes.push(got.length);
          claimed.push(...got);
        }
        assert.deepEqual(sizes, [3, 1, 2, 3, 5, 4]);
        assert.equal(new Set(claimed.map((c) => c.record.id)).size, 18);
        // Highest priority first in every queue: the first even claim takes 18, 16, 14.
        assert.deepEqual(
          claimed.slice(0, 3).map((c) => c.record.priority),
          [18, 16, 14],
        );
        // What a claim returns is what getTask reads back from the row.
        for (const c of claimed) {
          const stored = await b.getTask(c.record.id);
          assert.deepEqual(c.record, stored);
          assert.equal(c.lease.owner, claimAll.workerId);
          assert.equal(c.record.queue, c.record.priority % 2 ? 'odd' : 'even');
        }
        const db = rawConnection(path);
        const running = db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM sitq_tasks WHERE state = 'running'`).get();
        db.close();
        assert.equal(running?.n, 18);
      }));

    it('counts stay exact through every move (the counter table agrees with the rows)', () =>
      withSqlite({}, async (b, path) => {
        const tasks = Array.from({ length: 12 }, (_, i) => newTask({ queue: i % 2 ? 'odd' : 'even', maxAttempts: 1 }));
        await b.enqueue(tasks);
        await b.enqueue([newTask({ runAt: Date.now() + 150 }), newTask({ queue: 'odd', runAt: Date.now() + 60_000 })]);
        const claimed = await b.claim({ ...claimAll, queues: ['even', 'odd'], max: 8, leaseMs: 200 });
        await b.complete([
          succeed(claimed[0].lease),
          { lease: claimed[1].lease, outcome: 'dead', error: { name: 'E', message: 'x' }, finishedAt: Date.now() },
        ]);
        await b.complete([
          {
            lease: claimed[2].lease,
            outcome: 'retry',
            error: { name: 'E', message: 'again' },
            runAt: Date.now() + 60_000,
            finishedAt: Date.now(),
          },
        ]);
        await b.release([claimed[3].lease]);
        await b.cancel(tasks[11].id);
        await b.requeue(claimed[1].record.id);
        await sleep(300); // the delayed task comes due; the other leases expire (maxAttempts 1: dead)
        await b.claim({ ...claimAll, queues: ['nobody'] });
        await b.purge({ olderThanMs: 0 });
        const db = rawConnection(path);
        const truth = new Map<string, Record<string, number>>();
        for (const r of db
          .prepare<[], { queue: string; state: TaskState; n: number }>(
            'SELECT queue, state, count(*) AS n FROM sitq_tasks GROUP BY queue, state',
          )
          .all()) {
          truth.set(r.queue, { ...(truth.get(r.queue) ?? {}), [r.state]: r.n });
        }
        db.close();
        const counted = await b.counts();
        assert.ok(counted.length > 0);
        for (const c of counted) {
          const nonZero = Object.fromEntries(Object.entries(c.counts).filter(([, n]) => n > 0));
          assert.deepEqual(nonZero, truth.get(c.queue) ?? {}, `queue ${c.queue}`);
        }
        assert.deepEqual(counted.map((c) => c.queue).sort(), [...truth.keys()].sort());
      }));

    it('four processes claiming from one file never get the same task', async () => {
      const path = freshPath();
      await withSqlite({ path }, async (b) => {
        const ids: string[] = [];
        for (let i = 0; i < 4; i++) {
          const batch = Array.from({ length: 500 }, () => newTask());
          ids.push(...batch.map((t) => t.id));
          await b.enqueue(batch);
        }
        const code = `
          import { SqliteBackend } from ${JSON.stringify(BACKEND_MODULE)};
          const b = new SqliteBackend({ path: ${JSON.stringify(path)} });
          await b.connect();
          process.stdout.write('READY\\n');
          await new Promise((r) => process.stdin.once('data', r));
          const mine = [];
          for (;;) {
            const got = await b.claim({ workerId: 'p' + process.pid, queues: ['default'], max: 7, leaseMs: 60000 });
            if (got.length === 0) break;
            mine.push(...got.map((c) => c.record.id));
            // Yield between claims, so that four processes on two cores really interleave.
            await new Promise((r) => setTimeout(r, 1));
            await b.complete(got.map((c) => ({ lease: c.lease, outcome: 'succeeded', result: new Uint8Array(0), finishedAt: Date.now() })));
          }
          await b.close();
          process.stdout.write(JSON.stringify(mine));`;
        // All four start claiming together, so a slow spawn on a busy machine cannot let one drain the file.
        let go!: () => void;
        const goSignal = new Promise<void>((r) => (go = r));
        let readyCount = 0;
        const outputs = await Promise.all(
          [1, 2, 3, 4].map(() => runChild(code, 60_000, { ready: () => ++readyCount === 4 && go(), go: goSignal })),
        );
        const perProcess = outputs.map((o) => JSON.parse(o) as string[]);
        const all = perProcess.flat();
        assert.equal(all.length, 2000, 'a task was claimed twice or never');
        assert.deepEqual(new Set(all), new Set(ids));
        assert.ok(perProcess.filter((p) => p.length > 0).length >= 2, 'one process did all the work');
        const q = (await b.counts()).find((c) => c.queue === 'default');
        assert.equal(q?.counts.succeeded, 2000);
      });
    });

    it('stays fast with 100,000 tasks: claim, counts and listings use indexes', () =>
      withSqlite({}, async (b) => {
        const now = Date.now();
        for (let i = 0; i < 100; i++) {
          await b.enqueue(
            Array.from({ length: 1000 }, (_, j) => {
              const k = i * 1000 + j;
              return newTask({ queue: k % 10 === 0 ? 'rare' : 'main', priority: k % 10, runAt: k % 3 === 0 ? now + 3_600_000 : now - k });
            }),
          );
        }
        // Best of three, so that a busy machine's hiccup is not taken for a scan.
        const timed = async <T>(what: string, limitMs: number, fn: () => Promise<T>): Promise<T> => {
          let value = await fn();
          let best = Infinity;
          for (let i = 0; i < 3; i++) {
            const t0 = performance.now();
            value = await fn();
            best = Math.min(best, performance.now() - t0);
          }
          assert.ok(best < limitMs, `${what} took ${best.toFixed(1)} ms with 100,000 tasks`);
          return value;
        };
        // Each limit is far above what an index gives and far below what a scan of 100,000 rows costs here.
        const claimed = await timed('a claim of 10', 40, () => b.claim({ ...claimAll, queues: ['main'], max: 10 }));
        assert.deepEqual(
          claimed.map((c) => c.record.priority),
          Array(10).fill(9),
        );
        await timed('a claim from two queues', 40, () => b.claim({ ...claimAll, queues: ['rare', 'main'], max: 10 }));
        const counts = await timed('counts', 40, () => b.counts());
        assert.equal(
          counts.reduce((n, c) => n + Object.values(c.counts).reduce((x, y) => x + y, 0), 0),
          100_000,
        );
        await timed('listTasks by queue', 40, () => b.listTasks({ queue: 'rare', limit: 50 }));
        await timed('listTasks of dead tasks', 40, () => b.listTasks({ state: 'dead' }));
        await timed('listTasks page 100', 60, () => b.listTasks({ limit: 50, offset: 5000 }));
        await timed('listQueues', 20, () => b.listQueues());
        await timed('an idle claim of an empty queue', 20, () => b.claim({ ...claimAll, queues: ['empty'] }));
      }));

    it('a subscriber that joined before any event was written still reports a gap when the first rows it would read were pruned', () =>
      withSqlite({}, async (b, path) => {
        const gaps: string[] = [];
        const unsubscribe = await b.subscribe({ events() {}, gap: (reason) => gaps.push(reason) });
        try {
          // No event row yet: the subscriber starts before row 1. Another connection's writers
          // then prune rows 1.. before it looks.
          await (await sqliteEventTransport({ type: 'sqlite', path })).cut(b);
          await eventually('the gap', async () => gaps.length > 0, 10_000);
          assert.match(gaps[0], /^events 1-\d+ were pruned before this subscriber read them$/);
        } finally {
          await unsubscribe();
        }
      }));
  });
});
