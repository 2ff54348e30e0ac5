// PostgreSQL backend: how it behaves under claims, crashes, lost connections and network faults,
// against the real server on 127.0.0.1:5432 (its options, schema and pool: postgres.test.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { PostgresBackend } from '../../shared/backends/postgres/index.js';
import { ConnectionError } from '../../shared/core/errors.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { defineTask } from '../../shared/core/tasks.js';
import { Worker } from '../../shared/core/worker.js';
import { FaultProxy } from '../../bench/faults/proxy.js';
import { eventually, newTask, sleep } from '../conformance/harness.js';
import { serverSkip } from '../helpers/servers.js';
import { clusterSkip, startPrimary, type Cluster } from '../ha/pg-cluster.js';
import { admin, freshSchema, openAdmin, SERVER, serverConnections, withPostgres } from './postgres-helpers.js';

const skip = await serverSkip('postgres');

/** How many sitq LISTEN connections the server on `port` has. */
async function listening(cluster: Cluster): Promise<number> {
  const rows = await cluster.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'sitq listen%'",
  );
  return rows[0].n;
}

const echo = defineTask('pg.echo', async (value: unknown) => value);

describe('postgres backend', { skip }, () => {
  openAdmin();

  describe('behaviour', () => {
    it('sends task events only while some process subscribes; wake-ups always (migration 009)', () =>
      withPostgres({}, async (backend, schema) => {
        const listener = new pg.Client(SERVER);
        const heard: string[] = [];
        listener.on('notification', (n) => heard.push(n.payload ?? ''));
        await listener.connect();
        try {
          await listener.query(`LISTEN "sitq:${schema}"`);
          const cycle = async (queue: string) => {
            await backend.enqueue([newTask({ queue })]);
            const [claimed] = await backend.claim({ queues: [queue], max: 1, workerId: 'w', leaseMs: 30_000 });
            const done = { outcome: 'succeeded' as const, result: new Uint8Array(), finishedAt: Date.now() };
            assert.deepEqual(await backend.complete([{ ...done, lease: claimed.lease }]), [true]);
          };
          await cycle('quiet');
          await eventually('the wake-up of the first enqueue', async () => heard.includes('q:quiet'), 5000, 20);
          await sleep(200);
          assert.deepEqual(
            heard.filter((p) => p.startsWith('e:')),
            [],
            'events were notified with no subscriber',
          );

          const kinds: string[] = [];
          const unsubscribe = await backend.subscribe({ events: (events) => kinds.push(...events.map((e) => e.kind)), gap: () => {} });
          await cycle('loud');
          await eventually('the events of the second task', async () => kinds.includes('succeeded'), 5000, 20);
          assert.deepEqual(kinds, ['enqueued', 'started', 'succeeded']);
          assert.ok(heard.includes('q:loud'));
          await unsubscribe();
        } finally {
          await listener.end();
        }
      }));

    it('claims across several queues in one order', () =>
      withPostgres({}, async (backend) => {
        const now = Date.now();
        const a = newTask({ queue: 'a', priority: 1, runAt: now - 10 });
        const b = newTask({ queue: 'b', priority: 5, runAt: now - 5 });
        const c = newTask({ queue: 'c', priority: 9 });
        await backend.enqueue([a, b, c]);
        const got = await backend.claim({ workerId: 'w', queues: ['a', 'b'], max: 10, leaseMs: 10_000 });
        assert.deepEqual(
          got.map((x) => x.record.id),
          [b.id, a.id],
        );
      }));

    it('claims and renewals are HOT updates (they touch no index), so the hot path stays cheap', () =>
      withPostgres({}, async (backend, schema) => {
        // The schema leaves half of each page free (migration 002) so that a claim's new row
        // version fits beside the old one. A second update of the row (the renewal) fits only once
        // the page has been pruned of versions no snapshot can see, and a transaction with an id
        // open anywhere on the server (another test's, a benchmark's; even in another database)
        // holds that back: one left open made 195 of these 400 updates non-HOT. What this test
        // checks is that the statements change no indexed column, so it gives every page room for
        // all three versions of its rows first, and is then independent of its neighbours.
        const { rows: options } = await admin().query<{ reloptions: string[] | null }>(
          `SELECT reloptions FROM pg_class WHERE oid = $1::regclass`,
          [`"${schema}".tasks`],
        );
        assert.deepEqual(options[0].reloptions, ['fillfactor=50']);
        await admin().query(`ALTER TABLE "${schema}".tasks SET (fillfactor = 10)`);
        await backend.enqueue(Array.from({ length: 200 }, () => newTask()));
        const claimed = [];
        for (let got; (got = await backend.claim({ workerId: 'w', queues: ['default'], max: 10, leaseMs: 60_000 })).length > 0;)
          claimed.push(...got);
        assert.equal(claimed.length, 200);
        assert.ok(
          (
            await backend.renew(
              claimed.map((c) => c.lease),
              60_000,
            )
          ).every(Boolean),
        );
        // 400 updates (claim + renew); statistics reach pg_stat_user_tables within a second or so.
        const hot = await eventually(
          'the table statistics',
          async () => {
            const { rows } = await admin().query<{ hot: number; all: number }>(
              `SELECT n_tup_hot_upd::int AS hot, n_tup_upd::int AS all FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'tasks'`,
              [schema],
            );
            return rows[0]?.all >= 400 ? rows[0] : undefined;
          },
          10_000,
          200,
        );
        assert.ok(hot.hot >= 0.9 * hot.all, `only ${hot.hot} of ${hot.all} updates were HOT`);
      }));

    it('a claim undone by a server crash (it commits asynchronously) does not hand out its fencing token again', () =>
      withPostgres({}, async (backend, schema) => {
        const task = newTask();
        await backend.enqueue([task]);
        const [lost] = await backend.claim({ workerId: 'w', queues: ['default'], max: 1, leaseMs: 60_000 });
        // What recovery leaves when the claim's commit never reached the disk: the row as enqueued.
        await sleep(5); // a restart takes far longer than this
        await admin().query(
          `UPDATE ${schema}.tasks SET state = 'pending', attempts = 0, token = 0, lease_owner = NULL, lease_expires_at = NULL, started_at = NULL WHERE id = $1`,
          [task.id],
        );
        const [again] = await backend.claim({ workerId: 'w', queues: ['default'], max: 1, leaseMs: 60_000 });
        assert.equal(again?.record.id, task.id);
        assert.notEqual(again.lease.token, lost.lease.token, 'the fencing token repeated');
        const done = { outcome: 'succeeded' as const, result: new Uint8Array(), finishedAt: Date.now() };
        assert.deepEqual(await backend.complete([{ ...done, lease: lost.lease }]), [false], 'a report under the undone claim counted');
        assert.deepEqual(await backend.complete([{ ...done, lease: again.lease }]), [true]);
      }));

    it('only the claim commits asynchronously: the setting does not outlive it on its connection', () =>
      withPostgres({ poolSize: 1, maxOverflow: 0 }, async (backend) => {
        await backend.enqueue([newTask()]);
        assert.equal((await backend.claim({ workerId: 'w', queues: ['default'], max: 1, leaseMs: 60_000 })).length, 1);
        // The one pooled connection that just claimed: enqueues and completions on it stay durable.
        const { pool } = (
          backend as unknown as { session: { pool: { query(s: { text: string }): Promise<{ rows: { sync: string }[] }> } } }
        ).session;
        const { rows } = await pool.query({ text: `SELECT current_setting('synchronous_commit') AS sync` });
        assert.equal(rows[0]?.sync, 'on');
      }));

    it('an enqueue batch that repeats an idempotency key stores the first only', () =>
      withPostgres({}, async (backend) => {
        const first = newTask({ idempotencyKey: 'dup' });
        const second = newTask({ idempotencyKey: 'dup' });
        const plain = newTask();
        const outcomes = await backend.enqueue([first, plain, second]);
        assert.deepEqual(outcomes, [
          { id: first.id, created: true },
          { id: plain.id, created: true },
          { id: first.id, created: false },
        ]);
      }));

    it('a blocking claim wakes when a delayed task falls due, not at the next poll', () =>
      withPostgres({}, async (backend) => {
        const due = Date.now() + 300;
        await backend.enqueue([newTask({ runAt: due })]);
        const got = await backend.claim({ workerId: 'w', queues: ['default'], max: 1, leaseMs: 10_000, waitMs: 5000 });
        const late = Date.now() - due;
        assert.equal(got.length, 1);
        assert.ok(late >= 0 && late < 250, `claimed ${late} ms after the due time`);
      }));

    it("a waiting claimer takes over a crashed worker's task when its lease expires, not at the next poll", () =>
      withPostgres({}, async (backend) => {
        await backend.enqueue([newTask()]);
        const [lost] = await backend.claim({ workerId: 'crashed', queues: ['default'], max: 1, leaseMs: 300 });
        const expires = lost.record.leaseExpiresAt!;
        const [again] = await backend.claim({ workerId: 'w', queues: ['default'], max: 1, leaseMs: 10_000, waitMs: 5000 });
        assert.equal(again?.record.id, lost.record.id);
        const late = Date.now() - expires;
        assert.ok(late < 400, `taken over ${late} ms after the lease expired`);
      }));

    it('a claim that only buries an exhausted lease goes on to the ready task behind it', () =>
      withPostgres({}, async (backend) => {
        const doomed = newTask({ maxAttempts: 1 });
        await backend.enqueue([doomed]);
        await backend.claim({ workerId: 'crashed', queues: ['default'], max: 1, leaseMs: 100 });
        const next = newTask();
        await backend.enqueue([next]);
        await sleep(200);
        const t0 = Date.now();
        const [got] = await backend.claim({ workerId: 'w', queues: ['default'], max: 1, leaseMs: 10_000, waitMs: 5000 });
        assert.equal(got?.record.id, next.id);
        assert.ok(Date.now() - t0 < 500, `took ${Date.now() - t0} ms`);
        assert.equal((await backend.getTask(doomed.id))?.state, 'dead');
      }));

    it('close() ends a waiting claim with nothing; connect() opens again', () =>
      withPostgres({}, async (backend) => {
        const waiting = backend.claim({ workerId: 'w', queues: ['default'], max: 1, leaseMs: 10_000, waitMs: 10_000 });
        await sleep(100);
        const t0 = Date.now();
        await backend.close();
        assert.deepEqual(await waiting, []);
        assert.ok(Date.now() - t0 < 1500, 'close() waited for the claim');
        await assert.rejects(backend.getTask('x'), ConnectionError);
        await backend.connect();
        assert.equal(await backend.getTask('x'), null);
      }));

    it('the LISTEN connection comes back after pg_terminate_backend, and so do pool connections', () =>
      withPostgres({}, async (backend, schema) => {
        const producer = new PostgresBackend({ ...SERVER, schema });
        try {
          await producer.connect();
          const [listener] = await serverConnections(schema, 'listen');
          assert.ok(listener, 'no LISTEN connection');
          await admin().query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name IN ($1, $2)', [
            `sitq listen (${schema})`,
            `sitq pool (${schema})`,
          ]);
          // Reads go on at once: one whose pooled connection turns out dead is retried on a new one.
          assert.ok(Array.isArray(await backend.counts()));
          await eventually(
            'a new LISTEN connection',
            async () => {
              const now = await serverConnections(schema, 'listen');
              return now.length === 2 && !now.includes(listener); // the consumer's and the producer's
            },
            10_000,
            50,
          );
          // A blocking claim is woken by the notification, well before the 1 s fallback poll.
          const waiting = backend.claim({ workerId: 'w', queues: ['default'], max: 1, leaseMs: 10_000, waitMs: 5000 });
          await sleep(200);
          const t0 = Date.now();
          await producer.enqueue([newTask()]);
          assert.equal((await waiting).length, 1);
          assert.ok(Date.now() - t0 < 600, `woken after ${Date.now() - t0} ms`);
        } finally {
          await producer.close();
        }
      }));

    it(
      'survives a server restart: a running Worker and TaskQueue carry on by themselves, and LISTEN comes back',
      { skip: clusterSkip() },
      async () => {
        const cluster = await startPrimary();
        const options = { host: cluster.host, port: cluster.port, user: 'postgres', database: 'postgres', connectTimeout: 1000 };
        const queue = new TaskQueue(new PostgresBackend(options));
        const worker = new Worker(new PostgresBackend(options), { tasks: [echo], maxConcurrency: 4, pollInterval: 500 });
        const outage: Error[] = [];
        worker.on('backend-error', (err) => outage.push(err));
        try {
          await queue.connect();
          await worker.start();
          assert.ok((await queue.getResult(await queue.enqueue(echo, 1), { timeout: 10_000 }))?.isSuccess());

          await cluster.stop();
          const t0 = Date.now();
          await assert.rejects(queue.enqueue(echo, 2), ConnectionError);
          assert.ok(Date.now() - t0 < 3000, 'a query hung while the server was down');
          await sleep(1500);
          await cluster.start();

          // No restart of anything: the same queue stores again, the same worker runs it.
          const id = await eventually('enqueues to work again', () => queue.enqueue(echo, 3).catch(() => undefined), 15_000, 100);
          assert.ok(
            (await queue.getResult(id, { timeout: 20_000 }))?.isSuccess(),
            'the worker did not run a task enqueued after the restart',
          );
          assert.ok(
            outage.length > 0 && outage.every((err) => err instanceof ConnectionError),
            'the outage was not reported as ConnectionError',
          );
          await eventually('both LISTEN connections to return', async () => (await listening(cluster)) === 2, 15_000, 100);
        } finally {
          await worker.stop({ timeout: 5000 }).catch(() => {});
          await queue.close();
          await cluster.remove();
        }
      },
    );

    it('a silent network stall: calls fail within queryTimeout, the worker notices and carries on after, the LISTEN connection is replaced', async () => {
      const proxy = await FaultProxy.start(SERVER.host, SERVER.port);
      const schema = freshSchema();
      const direct = { ...SERVER, schema };
      const throughProxy = { ...direct, port: proxy.port, queryTimeout: 1000, keepAlive: 1000, connectTimeout: 1000 };
      const backend = new PostgresBackend(throughProxy);
      const worker = new Worker(backend, { tasks: [echo], maxConcurrency: 2, pollInterval: 500 });
      const errors: { at: number; err: Error }[] = [];
      worker.on('backend-error', (err) => errors.push({ at: Date.now(), err }));
      const queue = new TaskQueue(new PostgresBackend(direct));
      try {
        await worker.start();
        await eventually(
          "the worker's LISTEN connection",
          async () => (await serverConnections(schema, 'listen')).length === 1,
          10_000,
          50,
        );

        proxy.stall({ holdNew: true });
        const stalledAt = Date.now();
        await assert.rejects(backend.counts(), (err: unknown) => err instanceof ConnectionError && /timeout/i.test(err.message));
        const failedAfter = Date.now() - stalledAt;
        assert.ok(failedAfter < 8000, `a call through the stalled link failed only after ${failedAfter} ms`);
        await eventually(
          'the worker to report the stall',
          async () => errors.some((e) => e.at >= stalledAt && e.err instanceof ConnectionError),
          15_000,
          50,
        );
        // The keep-alive ping (every keepAlive ms, answered within 5 s) finds the silent LISTEN
        // connection and drops it: the server sees it close.
        await eventually(
          'the stalled LISTEN connection to be dropped',
          async () => (await serverConnections(schema, 'listen')).length === 0,
          20_000,
          100,
        );

        proxy.heal();
        await queue.connect();
        const id = await queue.enqueue(echo, 'after');
        assert.ok((await queue.getResult(id, { timeout: 30_000 }))?.isSuccess(), 'the worker did not recover from the stall');
        await eventually(
          'a new LISTEN connection through the healed link',
          async () => (await serverConnections(schema, 'listen')).length === 2,
          20_000,
          100,
        );
      } finally {
        await worker.stop({ timeout: 5000 }).catch(() => {});
        await queue.backend.destroy().catch(() => {});
        await queue.close();
        await proxy.close();
      }
    });
  });
});
