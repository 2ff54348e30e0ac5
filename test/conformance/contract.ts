// The Backend contract, driven directly: claims, order, leases, fencing, inspection.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { createBackend } from '../../shared/backends/index.js';
import { ConfigurationError, ConnectionError, LayoutTooNewError } from '../../shared/core/errors.js';
import type { ListTasksQuery } from '../../shared/core/types.js';
import { jsonSerializer, v8Serializer } from '../../shared/core/serializers.js';
import { eventually, newTask, sleep, withBackend, type ConformanceTarget } from './harness.js';

const claimAll = { workerId: 'w-test', queues: ['default'], max: 100, leaseMs: 30_000 };

export function contractSuite(target: ConformanceTarget): void {
  describe('contract', () => {
    it('stores a task and reads it back whole', () =>
      withBackend(target, async (b) => {
        const task = newTask({
          name: 'x.y',
          priority: 3,
          maxAttempts: 5,
          timeoutMs: 1234,
          payload: jsonSerializer.serialize({ a: [1, 'b'] }),
        });
        const [outcome] = await b.enqueue([task]);
        assert.deepEqual(outcome, { id: task.id, created: true });
        const rec = await b.getTask(task.id);
        assert.ok(rec);
        assert.equal(rec.state, 'pending');
        assert.equal(rec.name, 'x.y');
        assert.equal(rec.queue, 'default');
        assert.equal(rec.priority, 3);
        assert.equal(rec.maxAttempts, 5);
        assert.equal(rec.timeoutMs, 1234);
        assert.equal(rec.attempts, 0);
        assert.equal(rec.enqueuedAt, task.enqueuedAt);
        assert.equal(rec.runAt, task.runAt);
        assert.deepEqual(rec.backoff, task.backoff);
        assert.deepEqual(jsonSerializer.deserialize(rec.payload), { a: [1, 'b'] });
        assert.equal(await b.getTask('no-such-task'), null);
      }));

    it('an idempotency key returns the first task of its queue instead of storing a second', () =>
      withBackend(target, async (b) => {
        const first = newTask({ idempotencyKey: 'order-42' });
        const second = newTask({ idempotencyKey: 'order-42' });
        const [a] = await b.enqueue([first]);
        const [c] = await b.enqueue([second]);
        assert.deepEqual(a, { id: first.id, created: true });
        assert.deepEqual(c, { id: first.id, created: false });
        assert.equal(await b.getTask(second.id), null);
        const counts = await b.counts();
        assert.equal(counts.find((q) => q.queue === 'default')?.counts.pending, 1);
        // Keys are unique within a queue: the same key in another queue is another task.
        const elsewhere = newTask({ queue: 'other', idempotencyKey: 'order-42' });
        assert.deepEqual(await b.enqueue([elsewhere]), [{ id: elsewhere.id, created: true }]);
        const [again] = await b.enqueue([newTask({ queue: 'other', idempotencyKey: 'order-42' })]);
        assert.deepEqual(again, { id: elsewhere.id, created: false });
      }));

    it('claims at most max, highest priority first, then runAt, then enqueue order', () =>
      withBackend(target, async (b) => {
        const now = Date.now();
        const low1 = newTask({ priority: 0, runAt: now - 10 });
        const low2 = newTask({ priority: 0, runAt: now - 10 });
        const earlier = newTask({ priority: 0, runAt: now - 1000 });
        const high = newTask({ priority: 7, runAt: now });
        await b.enqueue([low1, low2]);
        await b.enqueue([earlier]);
        await b.enqueue([high]);
        const first = await b.claim({ ...claimAll, max: 2 });
        assert.deepEqual(
          first.map((c) => c.record.id),
          [high.id, earlier.id],
        );
        const rest = await b.claim({ ...claimAll, max: 10 });
        assert.deepEqual(
          rest.map((c) => c.record.id),
          [low1.id, low2.id],
        );
        for (const c of [...first, ...rest]) {
          assert.equal(c.record.state, 'running');
          assert.equal(c.record.attempts, 1);
          assert.equal(c.lease.owner, 'w-test');
          assert.equal(c.lease.taskId, c.record.id);
        }
        assert.deepEqual(await b.claim({ ...claimAll }), []);
      }));

    it('equal-time tasks are claimed in enqueue order', () =>
      withBackend(target, async (b) => {
        const at = Date.now() - 5;
        const tasks = Array.from({ length: 20 }, () => newTask({ runAt: at }));
        await b.enqueue(tasks.slice(0, 10));
        await b.enqueue(tasks.slice(10));
        const got: string[] = [];
        while (got.length < 20) {
          const batch = await b.claim({ ...claimAll, max: 3 });
          assert.ok(batch.length > 0);
          got.push(...batch.map((c) => c.record.id));
        }
        assert.deepEqual(
          got,
          tasks.map((t) => t.id),
        );
      }));

    it('never claims a delayed task early, and claims it once due', () =>
      withBackend(target, async (b) => {
        const due = Date.now() + 400;
        const task = newTask({ runAt: due });
        await b.enqueue([task]);
        assert.equal((await b.counts()).find((q) => q.queue === 'default')?.counts.delayed, 1);
        assert.deepEqual(await b.claim(claimAll), []);
        const claimed = await eventually(
          'the delayed task to be claimable',
          async () => {
            const c = await b.claim(claimAll);
            return c.length ? c : undefined;
          },
          5000,
          10,
        );
        assert.ok(Date.now() >= due, 'claimed before its runAt');
        assert.equal(claimed[0].record.id, task.id);
      }));

    it('a blocking claim returns as soon as a task is enqueued, and honours its signal', () =>
      withBackend(target, async (b) => {
        const started = Date.now();
        const waiting = b.claim({ ...claimAll, waitMs: 5000 });
        await sleep(100);
        const task = newTask();
        await b.enqueue([task]);
        const got = await waiting;
        assert.equal(got[0]?.record.id, task.id);
        assert.ok(Date.now() - started < 3000, 'the claim waited for its whole timeout');
        const controller = new AbortController();
        const idle = b.claim({ ...claimAll, waitMs: 10_000, signal: controller.signal });
        const abortedAt = Date.now();
        setTimeout(() => controller.abort(), 50);
        assert.deepEqual(await idle, []);
        assert.ok(Date.now() - abortedAt < 2000, 'an aborted claim kept waiting');
      }));

    it('keeps named queues apart', () =>
      withBackend(target, async (b) => {
        const a = newTask({ queue: 'alpha' });
        const c = newTask({ queue: 'beta' });
        await b.enqueue([a, c]);
        const fromAlpha = await b.claim({ ...claimAll, queues: ['alpha'] });
        assert.deepEqual(
          fromAlpha.map((x) => x.record.id),
          [a.id],
        );
        assert.deepEqual(await b.claim({ ...claimAll, queues: ['alpha'] }), []);
        assert.deepEqual((await b.claim({ ...claimAll, queues: ['default'] })).length, 0);
        const fromBeta = await b.claim({ ...claimAll, queues: ['beta'] });
        assert.deepEqual(
          fromBeta.map((x) => x.record.id),
          [c.id],
        );
        assert.deepEqual((await b.listQueues()).filter((q) => q === 'alpha' || q === 'beta').sort(), ['alpha', 'beta']);
      }));

    it('fences a completion reported under a lost lease', () =>
      withBackend(target, async (b) => {
        const task = newTask();
        await b.enqueue([task]);
        const [first] = await b.claim({ ...claimAll, workerId: 'w-first', leaseMs: 300 });
        await sleep(450);
        const [second] = await b.claim({ ...claimAll, workerId: 'w-second', leaseMs: 30_000 });
        assert.equal(second?.record.id, task.id, 'an expired lease was not reclaimed');
        assert.equal(second.record.attempts, 2);
        assert.notEqual(second.lease.token, first.lease.token);
        assert.deepEqual(await b.renew([first.lease], 30_000), [false]);
        const stale = jsonSerializer.serialize('stale');
        assert.deepEqual(await b.complete([{ lease: first.lease, outcome: 'succeeded', result: stale, finishedAt: Date.now() }]), [false]);
        assert.equal((await b.getTask(task.id))?.state, 'running');
        assert.deepEqual(await b.renew([second.lease], 30_000), [true]);
        const fresh = jsonSerializer.serialize('fresh');
        assert.deepEqual(await b.complete([{ lease: second.lease, outcome: 'succeeded', result: fresh, finishedAt: Date.now() }]), [true]);
        const rec = await b.getTask(task.id);
        assert.equal(rec?.state, 'succeeded');
        assert.equal(jsonSerializer.deserialize(rec!.result!), 'fresh');
        assert.deepEqual(
          await b.complete([{ lease: second.lease, outcome: 'dead', error: { name: 'E', message: 'late' }, finishedAt: Date.now() }]),
          [false],
        );
        assert.equal((await b.getTask(task.id))?.state, 'succeeded');
      }));

    it('a renewed lease is not taken over', () =>
      withBackend(target, async (b) => {
        await b.enqueue([newTask()]);
        const [held] = await b.claim({ ...claimAll, leaseMs: 300 });
        for (let i = 0; i < 4; i++) {
          await sleep(150);
          assert.deepEqual(await b.renew([held.lease], 300), [true]);
        }
        assert.deepEqual(await b.claim(claimAll), []);
      }));

    it('an expired lease past maxAttempts makes the task dead, not claimable again', () =>
      withBackend(target, async (b) => {
        const task = newTask({ maxAttempts: 1 });
        await b.enqueue([task]);
        await b.claim({ ...claimAll, leaseMs: 200 });
        await sleep(350);
        assert.deepEqual(await b.claim(claimAll), []);
        const rec = await eventually(
          'the task to be marked dead',
          async () => {
            const r = await b.getTask(task.id);
            return r?.state === 'dead' ? r : undefined;
          },
          5000,
        );
        assert.equal(rec.error?.name, 'LeaseExpiredError');
      }));

    it("a reclaimed lease is recorded as LeaseExpiredError on the task, replacing an earlier attempt's error", () =>
      withBackend(target, async (b) => {
        const task = newTask({ maxAttempts: 5 });
        await b.enqueue([task]);
        const claimOne = async (leaseMs: number) =>
          (
            await eventually(
              'the task to be claimable',
              async () => {
                const got = await b.claim({ ...claimAll, leaseMs });
                return got.length > 0 ? got : undefined;
              },
              5000,
            )
          )[0];
        const first = await claimOne(30_000);
        const now = Date.now();
        assert.deepEqual(
          await b.complete([
            { lease: first.lease, outcome: 'retry', error: { name: 'Error', message: 'boom' }, runAt: now, finishedAt: now },
          ]),
          [true],
        );
        const second = await claimOne(200);
        assert.equal(second.record.error?.message, 'boom');
        // Its worker "dies": no report, the lease runs out, the next claim takes the task over.
        await sleep(350);
        const third = await claimOne(30_000);
        assert.equal(third.record.attempts, 3);
        assert.equal(third.record.error?.name, 'LeaseExpiredError');
        assert.match(third.record.error?.message ?? '', /attempt 2 of 5/);
        assert.equal((await b.getTask(task.id))?.error?.name, 'LeaseExpiredError');
      }));

    it('release makes an unstarted claim ready at once, in its place, without using an attempt', () =>
      withBackend(target, async (b) => {
        const [t1, t2] = [newTask(), newTask()];
        await b.enqueue([t1, t2]);
        const claimed = await b.claim({ ...claimAll, max: 2 });
        await b.release(claimed.map((c) => c.lease));
        const again = await b.claim({ ...claimAll, workerId: 'w-other', max: 2 });
        assert.deepEqual(
          again.map((c) => c.record.id),
          [t1.id, t2.id],
        );
        assert.deepEqual(
          again.map((c) => c.record.attempts),
          [1, 1],
        );
      }));

    it('retry makes a task delayed until its runAt; dead and succeeded finish it', () =>
      withBackend(target, async (b) => {
        const [r, d, s] = [newTask(), newTask(), newTask()];
        await b.enqueue([r, d, s]);
        const claimed = await b.claim({ ...claimAll, max: 3 });
        const lease = (id: string) => claimed.find((c) => c.record.id === id)!.lease;
        const now = Date.now();
        const accepted = await b.complete([
          {
            lease: lease(r.id),
            outcome: 'retry',
            error: { name: 'Error', message: 'boom', stack: 'Error: boom\n    at x' },
            runAt: now + 400,
            finishedAt: now,
          },
          { lease: lease(d.id), outcome: 'dead', error: { name: 'Error', message: 'fatal' }, finishedAt: now },
          { lease: lease(s.id), outcome: 'succeeded', result: jsonSerializer.serialize(7), finishedAt: now },
        ]);
        assert.deepEqual(accepted, [true, true, true]);
        const retried = await b.getTask(r.id);
        assert.equal(retried?.state, 'delayed');
        assert.equal(retried?.error?.message, 'boom');
        assert.equal(retried?.runAt, now + 400);
        const dead = await b.getTask(d.id);
        assert.equal(dead?.state, 'dead');
        assert.equal(dead?.finishedAt, now);
        assert.equal(dead?.error?.message, 'fatal');
        const done = await b.getTask(s.id);
        assert.equal(done?.state, 'succeeded');
        assert.ok(done?.startedAt && done.startedAt <= now + 1);
        assert.deepEqual(await b.claim(claimAll), []);
        const again = await eventually(
          'the retried task to be due',
          async () => {
            const c = await b.claim(claimAll);
            return c.length ? c : undefined;
          },
          5000,
          10,
        );
        assert.equal(again[0].record.id, r.id);
        assert.equal(again[0].record.attempts, 2);
        assert.ok(Date.now() >= now + 400);
      }));

    it('cancels waiting and running tasks, answering the state each was cancelled from; a finished one stays', () =>
      withBackend(target, async (b) => {
        const [waiting, delayed, running] = [newTask(), newTask({ runAt: Date.now() + 60_000 }), newTask()];
        await b.enqueue([running]);
        const [held] = await b.claim(claimAll);
        await b.enqueue([waiting, delayed]);
        assert.equal(await b.cancel(waiting.id), 'pending');
        assert.equal(await b.cancel(delayed.id), 'delayed');
        assert.equal(await b.cancel(running.id), 'running');
        assert.equal(await b.cancel('no-such-task'), null);
        for (const t of [waiting, delayed, running]) {
          const r = await b.getTask(t.id);
          assert.equal(r?.state, 'cancelled');
          assert.ok(r?.finishedAt !== undefined && r.finishedAt > 0, 'finishedAt is set');
        }
        assert.equal(await b.cancel(waiting.id), null);
        assert.equal(await b.cancel(running.id), null);
        // The running task's lease is fenced: its holder's renewal and report are refused.
        assert.deepEqual(await b.renew([held.lease], 30_000), [false]);
        assert.deepEqual(
          await b.complete([{ lease: held.lease, outcome: 'succeeded', result: jsonSerializer.serialize(1), finishedAt: Date.now() }]),
          [false],
        );
        await b.release([held.lease]);
        assert.equal((await b.getTask(running.id))?.state, 'cancelled');
        assert.deepEqual(await b.claim(claimAll), []);
      }));

    it('requeues a dead task with its attempts reset', () =>
      withBackend(target, async (b) => {
        const task = newTask({ maxAttempts: 1 });
        await b.enqueue([task]);
        const [c] = await b.claim(claimAll);
        await b.complete([{ lease: c.lease, outcome: 'dead', error: { name: 'Error', message: 'x' }, finishedAt: Date.now() }]);
        assert.equal(await b.requeue(task.id), true);
        assert.equal((await b.getTask(task.id))?.state, 'pending');
        const [again] = await b.claim(claimAll);
        assert.equal(again.record.id, task.id);
        assert.equal(again.record.attempts, 1);
        assert.ok(again.lease.token !== c.lease.token, 'a fencing token repeated after a requeue');
        assert.equal(await b.requeue(task.id), false, 'requeued a running task');
      }));

    it('counts by state per queue, lists tasks in pages, purges old finished tasks', () =>
      withBackend(target, async (b) => {
        const tasks = Array.from({ length: 7 }, () => newTask({ queue: 'inspect' }));
        await b.enqueue(tasks);
        await b.enqueue([newTask({ queue: 'inspect', runAt: Date.now() + 60_000 })]);
        const claimed = await b.claim({ ...claimAll, queues: ['inspect'], max: 3 });
        const old = Date.now() - 60_000;
        await b.complete([
          { lease: claimed[0].lease, outcome: 'succeeded', result: jsonSerializer.serialize(1), finishedAt: old },
          { lease: claimed[1].lease, outcome: 'dead', error: { name: 'E', message: 'x' }, finishedAt: Date.now() },
        ]);
        await b.cancel(tasks[6].id);
        const q = (await b.counts()).find((c) => c.queue === 'inspect');
        assert.deepEqual(q?.counts, { pending: 3, delayed: 1, running: 1, succeeded: 1, dead: 1, cancelled: 1 });
        assert.ok(q!.oldestPendingAgeMs >= 0);
        const page1 = await b.listTasks({ queue: 'inspect', limit: 3 });
        assert.equal(page1.total, 8);
        assert.equal(page1.tasks.length, 3);
        const page3 = await b.listTasks({ queue: 'inspect', limit: 3, offset: 6 });
        assert.equal(page3.tasks.length, 2);
        const allIds = new Set(
          [...page1.tasks, ...(await b.listTasks({ queue: 'inspect', limit: 3, offset: 3 })).tasks, ...page3.tasks].map((t) => t.id),
        );
        assert.equal(allIds.size, 8, 'pages overlap or miss tasks');
        const pending = await b.listTasks({ queue: 'inspect', state: 'pending' });
        assert.equal(pending.total, 3);
        assert.ok(pending.tasks.every((t) => t.state === 'pending'));
        assert.equal((await b.listTasks({ state: 'dead' })).tasks[0]?.error?.message, 'x');
        assert.equal(await b.purge({ olderThanMs: 30_000 }), 1);
        assert.equal(await b.getTask(claimed[0].record.id), null);
        assert.equal(await b.purge({ olderThanMs: 0, queue: 'inspect' }), 2);
        const after = (await b.counts()).find((c) => c.queue === 'inspect');
        assert.deepEqual(after?.counts, { pending: 3, delayed: 1, running: 1, succeeded: 0, dead: 0, cancelled: 0 });
      }));

    it('a page near the end of a listing (read from the other end) is the same slice of the newest-first order', () =>
      withBackend(target, async (b) => {
        // Tasks in every state, in two queues, several sharing an enqueue time (a tie the order breaks).
        const at = Date.now();
        const tied = Array.from({ length: 9 }, () => newTask({ queue: 'paging', enqueuedAt: at, runAt: at }));
        const later = Array.from({ length: 14 }, (_, i) => newTask({ queue: i % 3 === 0 ? 'paging-other' : 'paging' }));
        const delayed = Array.from({ length: 3 }, () => newTask({ queue: 'paging', runAt: Date.now() + 60_000 }));
        const soonDue = Array.from({ length: 2 }, () => newTask({ queue: 'paging', runAt: Date.now() + 200 }));
        await b.enqueue(tied);
        await b.enqueue(later);
        await b.enqueue([...delayed, ...soonDue]);
        const claimed = await b.claim({ ...claimAll, queues: ['paging'], max: 8 });
        assert.equal(claimed.length, 8);
        await b.complete([
          ...claimed
            .slice(0, 4)
            .map((c) => ({ lease: c.lease, outcome: 'succeeded' as const, result: jsonSerializer.serialize(1), finishedAt: Date.now() })),
          { lease: claimed[4].lease, outcome: 'dead', error: { name: 'E', message: 'x' }, finishedAt: Date.now() },
        ]);
        await b.cancel(later[1].id);
        await sleep(400); // soonDue's time has come: they read as pending (or were promoted to it)

        const queueCounts = (await b.counts()).find((c) => c.queue === 'paging')?.counts;
        for (const queue of ['paging', undefined]) {
          for (const state of [undefined, 'pending', 'delayed', 'running', 'succeeded', 'dead', 'cancelled'] as const) {
            const filter = { queue, state };
            const whole = await b.listTasks({ ...filter, limit: 1000 });
            const ids = whole.tasks.map((t) => t.id);
            assert.equal(whole.total, ids.length, `total of ${JSON.stringify(filter)}`);
            if (queue !== undefined && state !== undefined)
              assert.equal(queueCounts?.[state], ids.length, `counts() against the listing of ${state}`);
            for (const limit of [1, 4, 7]) {
              for (let offset = 0; offset <= ids.length + 1; offset++) {
                const page = await b.listTasks({ ...filter, limit, offset });
                assert.equal(page.total, ids.length, `total of ${JSON.stringify(filter)} at offset ${offset}`);
                assert.deepEqual(
                  page.tasks.map((t) => t.id),
                  ids.slice(offset, offset + limit),
                  `${JSON.stringify(filter)} limit ${limit} offset ${offset}`,
                );
              }
            }
          }
        }
        const all = await b.listTasks({ queue: 'paging', limit: 1000 });
        assert.equal(all.total, 23);
        for (const t of tied) assert.ok(all.tasks.some((r) => r.id === t.id));
      }));

    it('searches tasks by id, name, error or JSON payload text, ignoring case, in pages and with the filters', () =>
      withBackend(target, async (b) => {
        const mail = newTask({ queue: 'search', name: 'mail.send', payload: jsonSerializer.serialize({ to: 'Alice@Example.com' }) });
        const resize = newTask({ queue: 'search', name: 'images.Resize', payload: jsonSerializer.serialize({ url: 'a.png' }) });
        // The same text in a payload of another serializer is not searched (its bytes are not text).
        const binary = newTask({ queue: 'search', payload: v8Serializer.serialize({ to: 'alice@example.com' }), serializer: 'v8' });
        const failing = newTask({ queue: 'search', name: 'billing.charge', priority: 9 });
        const batch = Array.from({ length: 12 }, (_, i) =>
          newTask({ queue: 'search', payload: jsonSerializer.serialize({ tag: 'needle-batch', i }) }),
        );
        const elsewhere = newTask({ queue: 'search-other', payload: jsonSerializer.serialize({ tag: 'needle-batch' }) });
        await b.enqueue([mail, resize, binary, failing]);
        await b.enqueue(batch);
        await b.enqueue([elsewhere]);
        const [claimed] = await b.claim({ ...claimAll, queues: ['search'], max: 1 });
        assert.equal(claimed.record.id, failing.id);
        await b.complete([
          {
            lease: claimed.lease,
            outcome: 'dead',
            error: { name: 'GatewayError', message: 'upstream PAYMENTS gateway timed out' },
            finishedAt: Date.now(),
          },
        ]);

        const ids = async (search: string, more: { state?: 'pending' | 'dead'; queue?: string } = {}) => {
          const page = await b.listTasks({ search, limit: 100, ...more });
          assert.equal(page.total, page.tasks.length, `total of "${search}"`);
          return page.tasks.map((t) => t.id).sort();
        };
        assert.deepEqual(await ids('ALICE@'), [mail.id], 'payload text, any case; not the v8 payload');
        assert.deepEqual(await ids('resize'), [resize.id], 'name, any case');
        assert.deepEqual(await ids(resize.id), [resize.id], 'id');
        assert.deepEqual(await ids('payments gateway'), [failing.id], 'error message');
        assert.deepEqual(await ids('gatewayerror'), [failing.id], 'error name');
        assert.deepEqual(await ids('payments', { state: 'dead' }), [failing.id]);
        assert.deepEqual(await ids('payments', { state: 'pending' }), []);
        assert.deepEqual(await ids('nothing-like-this'), []);
        assert.deepEqual(await ids('needle-batch'), [...batch.map((t) => t.id), elsewhere.id].sort(), 'every queue');
        assert.deepEqual(await ids('needle-batch', { queue: 'search' }), batch.map((t) => t.id).sort(), 'one queue');

        // Pages of matches: newest first, as without a search, none twice, none missed.
        const pages = [];
        for (let offset = 0; offset < 15; offset += 5)
          pages.push(await b.listTasks({ queue: 'search', search: 'needle-batch', limit: 5, offset }));
        assert.deepEqual(
          pages.map((p) => p.total),
          [12, 12, 12],
        );
        assert.deepEqual(
          pages.map((p) => p.tasks.length),
          [5, 5, 2],
        );
        const unsearched = (await b.listTasks({ queue: 'search', limit: 100 })).tasks
          .map((t) => t.id)
          .filter((id) => batch.some((t) => t.id === id));
        assert.deepEqual(
          pages.flatMap((p) => p.tasks.map((t) => t.id)),
          unsearched,
        );

        // A blank search is no search; an over-long one is refused, naming the option.
        assert.equal((await b.listTasks({ queue: 'search', search: '   ', limit: 100 })).total, 16);
        await assert.rejects(b.listTasks({ search: 'x'.repeat(201) }), /listTasks\.search: expected text of at most 200 characters/);
      }));

    it('listTasks refuses the same bad arguments on every backend, naming each (shared/core/rules.ts)', () =>
      withBackend(target, async (b) => {
        await b.enqueue([newTask()]);
        const refused = async (query: object, option: string) =>
          assert.rejects(
            b.listTasks(query as ListTasksQuery),
            (e: unknown) => e instanceof ConfigurationError && e.issues.some((i) => i.option === option),
            `${JSON.stringify(query)} → ${option}`,
          );
        await refused({ limit: 5000 }, 'listTasks.limit');
        await refused({ limit: 0 }, 'listTasks.limit');
        await refused({ limit: 2.5 }, 'listTasks.limit');
        await refused({ offset: -1 }, 'listTasks.offset');
        await refused({ state: 'bogus' }, 'listTasks.state');
        await refused({ queue: 42 }, 'listTasks.queue');
        // The bounds themselves are accepted.
        assert.equal((await b.listTasks({ limit: 1000, offset: 0 })).total, 1);
        assert.equal((await b.listTasks({ limit: 1, offset: 5 })).tasks.length, 0);
      }));

    it('waitForFinish resolves promptly on finish and null after its timeout or for an unknown id', () =>
      withBackend(target, async (b) => {
        const task = newTask();
        await b.enqueue([task]);
        let t0 = Date.now();
        assert.equal(await b.waitForFinish(task.id, 300), null);
        const waited = Date.now() - t0;
        assert.ok(waited >= 280 && waited < 2000, `timed out after ${waited} ms, expected ~300`);
        assert.equal(await b.waitForFinish('no-such-task', 200), null);
        const waiting = b.waitForFinish(task.id, 10_000);
        const [c] = await b.claim(claimAll);
        await sleep(50);
        await b.complete([{ lease: c.lease, outcome: 'succeeded', result: jsonSerializer.serialize('ok'), finishedAt: Date.now() }]);
        t0 = Date.now();
        const rec = await waiting;
        assert.equal(rec?.state, 'succeeded');
        assert.ok(Date.now() - t0 < 500, 'waitForFinish was slow to notice the result');
      }));

    it('tracks live workers by heartbeat', () =>
      withBackend(target, async (b) => {
        const info = {
          id: 'w-hb',
          hostname: 'h',
          pid: 1,
          queues: ['default', 'mail'],
          concurrency: 2,
          startedAt: Date.now(),
          seenAt: Date.now(),
          running: 1,
          processed: 5,
          failed: 0,
        };
        await b.heartbeat(info, 400);
        const [seen] = await b.listWorkers();
        assert.equal(seen?.id, 'w-hb');
        assert.equal(seen.processed, 5);
        // The queues it serves come back as written: the health check and sitq_queue_workers count by them.
        assert.deepEqual(seen.queues, ['default', 'mail']);
        await sleep(600);
        assert.deepEqual(await b.listWorkers(), [], 'a worker outlived its heartbeat');
        await b.heartbeat(info, 10_000);
        await b.removeWorker('w-hb');
        assert.deepEqual(await b.listWorkers(), []);
      }));

    it('answers ping with the server version and lists its node', () =>
      withBackend(target, async (b) => {
        const info = await b.ping();
        assert.match(info.serverVersion, /\d+\.\d+/);
        const nodes = await b.nodes();
        assert.ok(nodes.length >= 1);
        assert.ok(nodes.some((n) => n.serving && n.reachable));
        assert.ok(!/password|secret/i.test(b.address));
      }));

    it('a call before connect() fails with BackendClosedError naming connect(), or connects by itself; never an error about the driver not being loaded yet', () => {
      // A process of its own: each backend loads its driver package on first use, so here nothing
      // has loaded it yet (in this process other tests have).
      const backends = new URL('../../shared/backends/index.js', import.meta.url).href;
      const script = `import { createBackend } from ${JSON.stringify(backends)};
        const b = createBackend(${JSON.stringify(target.freshConfig())});
        const out = await b.getState('a').then((v) => 'answered ' + JSON.stringify(v), (e) => e.constructor.name + ': ' + e.message);
        await b.destroy().catch(() => {});
        await b.close();
        console.log(out);`;
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 }).trim();
      assert.match(out, /^(answered null|BackendClosedError: .*connect\(\) was not called.*)$/);
    });

    const writeLayout = target.writeLayoutVersion;
    it(
      'refuses a store whose layout version is newer than this sitq knows, with LayoutTooNewError; an older sitq never misreads it',
      {
        skip: writeLayout
          ? false
          : `${target.kind}: this run gives no writeLayoutVersion (a backend that keeps nothing between processes has no stored layout)`,
      },
      async () => {
        const config = target.freshConfig();
        const first = createBackend(config);
        await first.connect();
        await first.close();
        await writeLayout!(config, 999);
        const second = createBackend(config);
        try {
          await assert.rejects(
            second.connect(),
            (err: unknown) =>
              err instanceof LayoutTooNewError && err.found === 999 && /layout version 999, newer than this sitq knows/.test(err.message),
          );
        } finally {
          await second.close();
          await writeLayout!(config, 1).catch(() => {});
          const cleanup = createBackend(config);
          await cleanup
            .connect()
            .then(() => cleanup.destroy())
            .catch(() => {});
          await cleanup.close();
        }
      },
    );

    const unreachable = target.unreachableConfig;
    it(
      'fails to connect to an unreachable server with ConnectionError, within the connect timeout',
      { skip: unreachable ? false : `${target.kind} has no server that could be unreachable` },
      async () => {
        const backend = createBackend(unreachable!());
        const t0 = Date.now();
        await assert.rejects(backend.connect(), (err: unknown) => {
          assert.ok(err instanceof ConnectionError, `expected ConnectionError, got ${String(err)}`);
          return true;
        });
        assert.ok(Date.now() - t0 < 4000, `connect took ${Date.now() - t0} ms`);
        await backend.close();
      },
    );
  });
}
