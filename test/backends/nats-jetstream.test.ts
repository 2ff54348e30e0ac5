// The NATS backend's JetStream mechanics against the real server on 127.0.0.1:4222: tasks over
// the server's max_payload, leases as consumer ack waits, retries, delayed tasks and listings, an
// enqueue that died halfway, and clients creating the structures at once. Split from
// nats.test.ts, which keeps the conformance suite and the options.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createInbox } from 'nats';
import { NatsBackend } from '../../shared/backends/nats/index.js';
import { metaKeys } from '../../shared/backends/nats/names.js';
import { createOrJoin } from '../../shared/backends/nats/setup.js';
import type { StoredTask } from '../../shared/backends/nats/records.js';
import { ConfigurationError } from '../../shared/core/errors.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { jsonSerializer } from '../../shared/core/serializers.js';
import { Worker } from '../../shared/core/worker.js';
import { eventually, newTask, sleep } from '../conformance/harness.js';
import { serverSkip } from '../helpers/servers.js';
import { silentLogger } from '../../shared/core/logger.js';
import { claimOne, freshStream, withNats, sessionOf, withClient } from './nats-helpers.js';

const sharedSkip = await serverSkip('nats');

describe("nats: tasks over the server's max_payload (1 MiB here)", { skip: sharedSkip }, () => {
  const pad = (bytes: number) => 'x'.repeat(bytes);

  it('a payload of about 1 MB is refused at enqueue naming the limit, and the tasks beside it run', () =>
    withNats({}, async (backend) => {
      const q = new TaskQueue(backend);
      await assert.rejects(q.enqueue('sitq.sleep', { ms: 1, pad: pad(1_048_000) }), (e: unknown) => {
        assert.ok(e instanceof ConfigurationError, String(e));
        assert.match(e.message, /payload: expected a serialized payload of at most \d+ bytes .*max_payload of 1048576/);
        return true;
      });
      // Before, the big task was stored, poisoned every claim batch it was in, and the tasks
      // claimed with it died of LeaseExpiredError without ever running.
      const ids = await q.enqueueMany('sitq.echo', [1, 2, 3, 4, 5], { maxAttempts: 2 });
      const worker = new Worker(backend, { lease: 5000, pollInterval: 200, logger: silentLogger });
      await worker.start();
      try {
        const results = await Promise.all(ids.map((id) => q.getResult(id, { timeout: 20_000 })));
        assert.deepEqual(
          results.map((r) => r?.status),
          Array(5).fill('succeeded'),
        );
      } finally {
        await worker.stop({ timeout: 2000 });
      }
    }));

  it('enqueueMany with one item over the limit stores none of the batch', () =>
    withNats({}, async (backend) => {
      const q = new TaskQueue(backend);
      await assert.rejects(
        q.enqueueMany('sitq.echo', [{ n: 1 }, { pad: pad(2 * 1024 * 1024) }, { n: 3 }]),
        (e: unknown) => e instanceof ConfigurationError && /payloads\[1\]/.test(e.message),
      );
      // The backend's own enqueue refuses too (a caller below TaskQueue).
      const big = newTask({ payload: new Uint8Array(2 * 1024 * 1024) });
      await assert.rejects(backend.enqueue([newTask(), big]), ConfigurationError);
      assert.equal((await backend.listTasks({})).total, 0);
    }));

  it('a result over the limit ends the task dead with the reason, and the worker stops within its timeout', () =>
    withNats({}, async (backend) => {
      const q = new TaskQueue(backend);
      const worker = new Worker(backend, { tasks: { 'big.result': () => pad(1_100_000) }, pollInterval: 200, logger: silentLogger });
      await worker.start();
      let stopped = false;
      try {
        const r = await q.getResult(await q.enqueue('big.result', null), { timeout: 20_000 });
        assert.equal(r?.status, 'dead');
        assert.equal(r?.error?.name, 'UnrecoverableError');
        assert.match(r?.error?.message ?? '', /result is \d+ bytes serialized.*over the nats backend's limit of \d+ bytes/);
        const t0 = Date.now();
        await worker.stop({ timeout: 2000 });
        stopped = true;
        assert.ok(Date.now() - t0 < 10_000, `stop took ${Date.now() - t0} ms`);
      } finally {
        // Before the fix stop() never returned (the report was retried forever): do not hang the file.
        if (!stopped) await Promise.race([worker.stop({ timeout: 100 }), sleep(15_000)]);
      }
    }));
});

describe('nats: JetStream mechanics', { skip: sharedSkip }, () => {
  it('the lease is the level consumer ack wait, and follows the leaseMs of the claims', () =>
    withNats({}, async (b, stream) => {
      await b.enqueue([newTask(), newTask({ priority: 4 })]);
      await b.claim({ ...claimOne, leaseMs: 1234 });
      await withClient(async (nc) => {
        const jsm = await nc.jetstreamManager();
        const waits = async () =>
          (await Promise.all(['q_default_0', 'q_default_4'].map((c) => jsm.consumers.info(stream, c)))).map((i) => [
            (i.config.ack_wait ?? 0) / 1e6,
            i.config.max_deliver,
            i.config.filter_subject,
          ]);
        assert.deepEqual(await waits(), [
          [1234, -1, `${stream}.q.default.0`],
          [1234, -1, `${stream}.q.default.4`],
        ]);
        await b.claim({ ...claimOne, leaseMs: 2345 });
        assert.deepEqual(
          (await waits()).map((w) => w[0]),
          [2345, 2345],
        );
      });
    }));

  it('a retry comes back as a new message (delayed index, then the stream), not as a NAK of the delivery it ran from', () =>
    withNats({}, async (b, stream) => {
      const [later, now] = [newTask(), newTask()];
      await b.enqueue([later, now]);
      const claimed = await b.claim({ ...claimOne, max: 2 });
      const lease = (task: { id: string }) => claimed.find((c) => c.record.id === task.id)!.lease;
      const error = { name: 'E', message: 'x' };
      const runAt = Date.now() + 300;
      await b.complete([
        { lease: lease(later), outcome: 'retry', error, runAt, finishedAt: Date.now() },
        { lease: lease(now), outcome: 'retry', error, runAt: Date.now() - 1, finishedAt: Date.now() },
      ]);
      await withClient(async (nc) => {
        const jsm = await nc.jetstreamManager();
        // Nothing is held for a backoff: nats-server before 2.11 can lose a NAKed message's
        // redelivery for a whole ack wait (leases.ts, retryLater).
        await eventually(
          'both deliveries to be acked',
          async () => (await jsm.consumers.info(stream, 'q_default_0')).num_ack_pending === 0,
          3000,
        );
        assert.ok(await sessionOf(b).meta.get(metaKeys.delayed(later.id)), 'the later retry is not in the delayed index');
        // The one due now is claimable at once, from its new message.
        const first = await b.claim(claimOne);
        assert.deepEqual(
          first.map((c) => [c.record.id, c.record.attempts]),
          [[now.id, 2]],
        );
        const again = await b.claim({ ...claimOne, waitMs: 3000 });
        assert.ok(Date.now() >= runAt);
        assert.deepEqual(
          again.map((c) => [c.record.id, c.record.attempts]),
          [[later.id, 2]],
        );
        await b.complete(
          [...first, ...again].map((c) => ({
            lease: c.lease,
            outcome: 'succeeded' as const,
            result: jsonSerializer.serialize(1),
            finishedAt: Date.now(),
          })),
        );
        await eventually('the messages to be acked away', async () => (await jsm.streams.info(stream)).state.messages === 0, 3000);
      });
    }));

  it('a task that would jump the stream order is still claimed by runAt', () =>
    withNats({}, async (b) => {
      const now = Date.now();
      const [first, second] = [newTask({ runAt: now, enqueuedAt: now }), newTask({ runAt: now, enqueuedAt: now })];
      await b.enqueue([first, second]);
      const urgent = newTask({ runAt: now - 60_000 }); // backdated: enqueued after, due before
      await b.enqueue([urgent]);
      const got = [];
      for (let i = 0; i < 3; i++) got.push((await b.claim(claimOne))[0]?.record.id);
      assert.deepEqual(got, [urgent.id, first.id, second.id]);
    }));

  it('a pull refused with 408 Requests Pending is not the whole backlog: the level stays out of order and is claimed by runAt', () =>
    withNats({}, async (b, stream) => {
      const now = Date.now();
      const [first, second] = [newTask({ runAt: now, enqueuedAt: now }), newTask({ runAt: now, enqueuedAt: now })];
      await b.enqueue([first, second]);
      const urgent = newTask({ runAt: now - 60_000 }); // backdated: marks the level out of order
      await b.enqueue([urgent]);
      const s = sessionOf(b);
      assert.equal(s.levels.isOutOfOrder('default', 0), true);
      const consumer = s.names.consumer('default', 0);
      await s.topology.ensureConsumer({ queue: 'default', level: 0, consumer }, claimOne.leaseMs);
      await withClient(async (nc) => {
        const jsm = await nc.jetstreamManager();
        const next = `$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`;
        const reply = (request: object) => {
          const sub = nc.subscribe(createInbox(), { max: 1 });
          nc.publish(next, JSON.stringify(request), { reply: sub.getSubject() });
          return (async () => {
            for await (const m of sub) return m;
            throw new Error('no reply');
          })();
        };
        // Hold open the moment between a message's arrival and its delivery to a waiting pull
        // (in production: an enqueue or a NAK-back while another worker's claim waits): a holder
        // keeps the first message at the consumer's max_ack_pending of 1, so the other two wait
        // undelivered while another worker's pull for 64 waits on the consumer.
        await jsm.consumers.update(stream, consumer, { max_ack_pending: 1 });
        const held = await reply({ batch: 1, no_wait: true });
        assert.equal(held.headers?.get('Sitq-Id'), first.id);
        const waiter = nc.subscribe(createInbox());
        nc.publish(next, JSON.stringify({ batch: 64, expires: 60_000 * 1e6 }), { reply: waiter.getSubject() });
        await nc.flush();
        // What an immediate pull is answered now: refused, two messages waiting.
        const probe = await reply({ batch: 64, no_wait: true });
        assert.deepEqual([probe.headers?.code, probe.headers?.description], [408, 'Requests Pending']);
        assert.deepEqual(await b.claim(claimOne), []);
        // A read of the mark sent after the claim is served after any clear the claim sent.
        const mark = await s.meta.last(metaKeys.level('default', 0), true);
        assert.equal(mark.entry?.value.length, 1, 'the claim cleared the out-of-order mark');
        assert.equal(s.levels.isOutOfOrder('default', 0), true);
        // Let the consumer go: the waiting pull leaves first, the held message goes back.
        waiter.unsubscribe();
        await nc.flush();
        await jsm.consumers.update(stream, consumer, { max_ack_pending: -1 });
        nc.publish(held.reply!, '-NAK');
        await nc.flush();
      });
      const got = [];
      for (let i = 0; i < 3; i++) got.push((await b.claim(claimOne))[0]?.record.id);
      assert.deepEqual(got, [urgent.id, first.id, second.id]);
    }));

  it('two processes moving one due delayed task publish it once', () =>
    withNats({}, async (a, streamName) => {
      const b = new NatsBackend({ streamName });
      try {
        const task = newTask({ runAt: Date.now() + 200 });
        await a.enqueue([task]);
        await b.connect();
        await sleep(300);
        const [ca, cb] = await Promise.all([a.claim(claimOne), b.claim(claimOne)]);
        assert.equal(ca.length + cb.length, 1);
        const held = [...ca, ...cb][0];
        await a.complete([{ lease: held.lease, outcome: 'succeeded', result: jsonSerializer.serialize(1), finishedAt: Date.now() }]);
        await withClient(async (nc) => {
          const jsm = await nc.jetstreamManager();
          await eventually('no stray copy left in the stream', async () => (await jsm.streams.info(streamName)).state.messages === 0, 3000);
        });
        assert.deepEqual(await b.claim(claimOne), []);
      } finally {
        await b.close();
      }
    }));

  it('another process can report under a lease: the record, not a cache, decides', () =>
    withNats({}, async (a, streamName) => {
      const b = new NatsBackend({ streamName });
      try {
        await a.enqueue([newTask()]);
        const [c] = await a.claim(claimOne);
        assert.deepEqual(await b.renew([{ ...c.lease, token: c.lease.token + 1 }], 30_000), [false]);
        assert.deepEqual(await b.renew([c.lease], 30_000), [true]);
        assert.deepEqual(
          await b.complete([{ lease: c.lease, outcome: 'succeeded', result: jsonSerializer.serialize('b'), finishedAt: Date.now() }]),
          [true],
        );
        // a's cached revision is stale now; its report is checked against the record and refused.
        assert.deepEqual(
          await a.complete([{ lease: c.lease, outcome: 'dead', error: { name: 'E', message: 'late' }, finishedAt: Date.now() }]),
          [false],
        );
        assert.equal((await a.getTask(c.lease.taskId))?.state, 'succeeded');
        await withClient(async (nc) => {
          const jsm = await nc.jetstreamManager();
          await eventually(
            'the message to be acked through the stored ack subject',
            async () => (await jsm.streams.info(streamName)).state.messages === 0,
            3000,
          );
        });
      } finally {
        await b.close();
      }
    }));

  it('cancel and requeue leave no message that could run a task twice', () =>
    withNats({}, async (b, stream) => {
      // Cancelled before delivery, then requeued: its old message and the new one both exist.
      const twice = newTask();
      await b.enqueue([twice]);
      assert.equal(await b.cancel(twice.id), 'pending');
      assert.equal(await b.requeue(twice.id), true);
      // A retry waiting out its backoff in the delayed index is cancelled: its entry is removed.
      const retried = newTask();
      await b.enqueue([retried]);
      let claimed = await b.claim({ ...claimOne, max: 10 });
      const held = claimed.find((c) => c.record.id === retried.id)!;
      const first = claimed.find((c) => c.record.id === twice.id);
      await b.complete([
        { lease: held.lease, outcome: 'retry', error: { name: 'E', message: 'x' }, runAt: Date.now() + 60_000, finishedAt: Date.now() },
      ]);
      assert.equal(await b.cancel(retried.id), 'delayed');
      const runs = first ? [first] : [];
      for (let i = 0; i < 3; i++) {
        claimed = await b.claim({ ...claimOne, max: 10 });
        runs.push(...claimed);
        await b.complete(
          claimed.map((c) => ({
            lease: c.lease,
            outcome: 'succeeded' as const,
            result: jsonSerializer.serialize(1),
            finishedAt: Date.now(),
          })),
        );
      }
      if (first)
        await b.complete([{ lease: first.lease, outcome: 'succeeded', result: jsonSerializer.serialize(1), finishedAt: Date.now() }]);
      assert.deepEqual(
        runs.map((c) => c.record.id),
        [twice.id],
        'a task ran twice, or a cancelled one ran',
      );
      await withClient(async (nc) => {
        const jsm = await nc.jetstreamManager();
        await eventually('every message to be gone', async () => (await jsm.streams.info(stream)).state.messages === 0, 3000);
      });
    }));

  it('many result waits share one subscription', () =>
    withNats({}, async (b, stream) => {
      const tasks = Array.from({ length: 200 }, () => newTask());
      await b.enqueue(tasks);
      const waits = tasks.map((t) => b.waitForFinish(t.id, 20_000));
      await sleep(200);
      await withClient(async (nc) => {
        const jsm = await nc.jetstreamManager();
        assert.ok((await jsm.streams.info(`KV_${stream}_TASKS`)).state.consumer_count <= 1, 'one consumer per wait');
      });
      let left = tasks.length;
      while (left > 0) {
        const claimed = await b.claim({ ...claimOne, max: 50 });
        await b.complete(
          claimed.map((c) => ({
            lease: c.lease,
            outcome: 'succeeded',
            result: jsonSerializer.serialize(c.record.id),
            finishedAt: Date.now(),
          })),
        );
        left -= claimed.length;
      }
      const done = await Promise.all(waits);
      assert.deepEqual(
        done.map((r) => r && jsonSerializer.deserialize(r.result!)),
        tasks.map((t) => t.id),
      );
    }));

  it('listings follow state changes made after an earlier listing', () =>
    withNats({}, async (b) => {
      const task = newTask();
      await b.enqueue([task]);
      assert.equal((await b.listTasks({ state: 'pending' })).total, 1);
      const [c] = await b.claim(claimOne);
      await b.complete([{ lease: c.lease, outcome: 'dead', error: { name: 'E', message: 'x' }, finishedAt: Date.now() }]);
      assert.deepEqual(
        (await b.listTasks({ state: 'dead' })).tasks.map((t) => t.id),
        [task.id],
      );
      assert.equal((await b.listTasks({ state: 'pending' })).total, 0);
      await b.requeue(task.id);
      assert.deepEqual(
        (await b.listTasks({ state: 'pending' })).tasks.map((t) => [t.id, t.finishedAt]),
        [[task.id, undefined]],
      );
    }));

  it('counts and pages over 5,000 tasks stay quick after the first read', () =>
    withNats({}, async (b) => {
      for (let i = 0; i < 5; i++) await b.enqueue(Array.from({ length: 1000 }, () => newTask({ queue: 'bulk' })));
      const t0 = Date.now();
      assert.equal((await b.counts()).find((q) => q.queue === 'bulk')?.counts.pending, 5000);
      const firstRead = Date.now() - t0;
      const t1 = Date.now();
      const page = await b.listTasks({ queue: 'bulk', limit: 100, offset: 4900 });
      assert.equal(page.total, 5000);
      assert.equal(page.tasks.length, 100);
      const later = Date.now() - t1;
      assert.ok(firstRead < 10_000 && later < 3000, `first read ${firstRead} ms, a later page ${later} ms`);
    }));
});

describe('nats: an enqueue that died halfway is finished by the next enqueue of its key', { skip: sharedSkip }, () => {
  // A producer killed between its writes (key, record, work message) left the key naming a task
  // that does not exist, or one that no claim will ever see (the schedules' 4-process test, which
  // SIGKILLs its schedulers, caught it). The next enqueue of the key finishes the job.
  const keyOf = (queue: string, key: string) => metaKeys.idempotency(queue, key);
  const encode = (s: string) => new TextEncoder().encode(s);

  it("a key whose record was never written: the record is written under the key's id and runs once", () =>
    withNats({}, async (b) => {
      const orphanId = newTask().id;
      assert.ok((await sessionOf(b).meta.create(keyOf('default', 'k-dangling'), encode(orphanId))) !== null);
      const [outcome] = await b.enqueue([newTask({ idempotencyKey: 'k-dangling' })]);
      assert.deepEqual(outcome, { id: orphanId, created: false });
      assert.equal((await b.getTask(orphanId))?.state, 'pending');
      const claimed = await b.claim({ ...claimOne, max: 10, waitMs: 3000 });
      assert.deepEqual(
        claimed.map((c) => c.record.id),
        [orphanId],
      );
      assert.deepEqual(await b.claim({ ...claimOne, max: 10, waitMs: 300 }), []);
    }));

  it('a record whose work message was never published: it is published and claimed once', () =>
    withNats({}, async (b) => {
      const t = newTask({ idempotencyKey: 'k-silent' });
      const rec: StoredTask = { ...t, state: 'pending', attempts: 0, token: 0, idemKey: keyOf('default', 'k-silent') };
      assert.ok((await sessionOf(b).meta.create(keyOf('default', 'k-silent'), encode(t.id))) !== null);
      assert.ok((await sessionOf(b).store.write(rec, 0)) !== null);
      assert.deepEqual(await b.claim({ ...claimOne, waitMs: 300 }), [], 'no message: nothing to claim');
      assert.deepEqual(await b.enqueue([newTask({ idempotencyKey: 'k-silent' })]), [{ id: t.id, created: false }]);
      const claimed = await b.claim({ ...claimOne, max: 10, waitMs: 3000 });
      assert.deepEqual(
        claimed.map((c) => c.record.id),
        [t.id],
      );
    }));

  it('a repeated enqueue of a task already published adds no second delivery', () =>
    withNats({}, async (b) => {
      const [first] = await b.enqueue([newTask({ idempotencyKey: 'k-twice' })]);
      for (let i = 0; i < 3; i++)
        assert.deepEqual(await b.enqueue([newTask({ idempotencyKey: 'k-twice' })]), [{ id: first.id, created: false }]);
      const claimed = await b.claim({ ...claimOne, max: 10, waitMs: 2000 });
      assert.deepEqual(
        claimed.map((c) => c.record.id),
        [first.id],
      );
      assert.deepEqual(await b.claim({ ...claimOne, max: 10, waitMs: 500 }), []);
    }));
});

describe('nats: clients that create the stream and buckets at the same moment', () => {
  // nats-server 2.9 can refuse the slower of two identical creates with "subjects overlap with an
  // existing stream"; the desktop's packed core met it when its health check and an enqueue
  // opened a new profile at once.
  it('a create refused because another client created the structure meanwhile runs again and finds it', async () => {
    let calls = 0;
    const made = await createOrJoin(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('subjects overlap with an existing stream');
        return 'the twin';
      },
      async () => true,
    );
    assert.equal(made, 'the twin');
    assert.equal(calls, 2);
  });

  it('a create refused with nothing there is reported as it failed, without a second try', async () => {
    let calls = 0;
    const refusal = new Error('insufficient resources');
    await assert.rejects(
      createOrJoin(
        async () => {
          calls += 1;
          throw refusal;
        },
        async () => false,
      ),
      (e: unknown) => e === refusal,
    );
    assert.equal(calls, 1);
  });

  it('eight backends connecting at once to a new stream all open on one stream and two buckets', { skip: sharedSkip }, async () => {
    const streamName = freshStream();
    const backends = Array.from({ length: 8 }, () => new NatsBackend({ servers: 'nats://127.0.0.1:4222', streamName }));
    try {
      await Promise.all(backends.map((b) => b.connect()));
      const [outcome] = await backends[0]!.enqueue([newTask({ name: 'sitq.echo' })]);
      assert.equal((await backends[7]!.getTask(outcome!.id))?.state, 'pending');
      const names = await withClient(async (nc) => {
        const found: string[] = [];
        for await (const name of (await nc.jetstreamManager()).streams.names()) if (name.includes(streamName)) found.push(name);
        return found.sort();
      });
      assert.deepEqual(names, [`KV_${streamName}_META`, `KV_${streamName}_TASKS`, streamName]);
    } finally {
      await backends[0]!.destroy().catch(() => {});
      await Promise.all(backends.map((b) => b.close()));
    }
  });
});
