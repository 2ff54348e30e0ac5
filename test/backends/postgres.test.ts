// PostgreSQL backend: the shared conformance suite, then what only this backend has (its options,
// its pool, migrations, the LISTEN connection), against the real server on 127.0.0.1:5432.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { PostgresBackend, PoolTimeoutError, type PostgresOptions } from '../../shared/backends/postgres/index.js';
import { ConfigurationError, ConnectionError } from '../../shared/core/errors.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { defineTask } from '../../shared/core/tasks.js';
import { Worker } from '../../shared/core/worker.js';
import { FaultProxy } from '../../bench/faults/proxy.js';
import { exerciseBackend } from '../conformance/index.js';
import { eventually, newTask, sleep, withConnected } from '../conformance/harness.js';
import { serverSkip, SERVERS } from '../helpers/servers.js';
import { clusterSkip, startPrimary, type Cluster } from '../ha/pg-cluster.js';

const MIGRATIONS_DIR = new URL('../../shared/backends/postgres/migrations/', import.meta.url);
/** Every migration the backend ships (1, 2, ...), from the .sql files next to it. */
const MIGRATIONS = readdirSync(MIGRATIONS_DIR)
  .map((file) => /^(\d+)_/.exec(file)?.[1])
  .filter((v): v is string => v !== undefined)
  .map(Number)
  .sort((a, b) => a - b);

const SERVER = { host: SERVERS.postgres.host, port: SERVERS.postgres.port, user: 'postgres', database: 'test' };
const freshSchema = () => `sitq_test_${randomBytes(5).toString('hex')}`;

await exerciseBackend({
  kind: 'postgres',
  server: 'postgres',
  freshConfig: () => ({ type: 'postgres', ...SERVER, schema: freshSchema() }),
  async writeLayoutVersion(config, version) {
    // A newer sitq's migration is a row with a higher version; version 1 removes it again.
    const client = new pg.Client(SERVER);
    await client.connect();
    const table = `"${(config as { schema: string }).schema}".migrations`;
    try {
      if (version === 1) await client.query(`DELETE FROM ${table} WHERE version >= 999`);
      else await client.query(`INSERT INTO ${table} (version, name) VALUES ($1, 'from a newer sitq')`, [version]);
    } finally {
      await client.end();
    }
  },
  unreachableConfig: () => ({ type: 'postgres', ...SERVER, port: 1, connectTimeout: 1000 }),
});

const skip = await serverSkip('postgres');

/** An admin connection of the test itself, for looking at (and interfering with) the server. */
let admin: pg.Client;

/** A connected backend in a fresh schema; destroyed and closed after `fn`. */
async function withPostgres<T>(options: PostgresOptions, fn: (backend: PostgresBackend, schema: string) => Promise<T>): Promise<T> {
  const schema = freshSchema();
  return withConnected(new PostgresBackend({ ...SERVER, schema, ...options }), (backend) => fn(backend, schema));
}

async function serverConnections(schema: string, role: 'pool' | 'listen'): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1 ORDER BY pid', [
    `sitq ${role} (${schema})`,
  ]);
  return rows.map((row) => row.pid);
}

/** Holds an ACCESS EXCLUSIVE lock on the schema's tasks table, so every query on it blocks (and
 *  keeps its pool connection busy) until `release` is called. */
async function lockTasks(schema: string): Promise<{ release(): Promise<void> }> {
  const locker = new pg.Client(SERVER);
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query(`LOCK TABLE "${schema}".tasks IN ACCESS EXCLUSIVE MODE`);
  return {
    async release() {
      await locker.query('COMMIT');
      await locker.end();
    },
  };
}

/** How many sitq LISTEN connections the server on `port` has. */
async function listening(cluster: Cluster): Promise<number> {
  const rows = await cluster.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'sitq listen%'",
  );
  return rows[0].n;
}

const echo = defineTask('pg.echo', async (value: unknown) => value);

function rejectsWithConfiguration(options: PostgresOptions, option: RegExp): void {
  assert.throws(
    () => new PostgresBackend(options),
    (err: unknown) => err instanceof ConfigurationError && option.test(err.option),
  );
}

describe('postgres backend', { skip }, () => {
  before(async () => {
    admin = new pg.Client(SERVER);
    await admin.connect();
  });
  after(async () => {
    await admin?.end();
  });

  describe('options', () => {
    it('rejects bad values naming the option, and options it does not have', () => {
      rejectsWithConfiguration({ poolSize: 0 }, /^postgres\.poolSize$/);
      rejectsWithConfiguration({ maxOverflow: -1 }, /^postgres\.maxOverflow$/);
      rejectsWithConfiguration({ poolTimeout: 1.5 }, /^postgres\.poolTimeout$/);
      rejectsWithConfiguration({ poolRecycle: -1 }, /^postgres\.poolRecycle$/);
      rejectsWithConfiguration({ connectTimeout: 0 }, /^postgres\.connectTimeout$/);
      rejectsWithConfiguration({ schema: 'Bad-Name' }, /^postgres\.schema$/);
      rejectsWithConfiguration({ connectionString: 'mysql://x' }, /^postgres\.connectionString$/);
      rejectsWithConfiguration({ queryTimeout: -1 }, /^postgres\.queryTimeout$/);
      rejectsWithConfiguration({ keepAlive: 1.5 }, /^postgres\.keepAlive$/);
      // hosts lists every server: a host, port or connection string beside it would be ambiguous.
      rejectsWithConfiguration({ hosts: [] }, /^postgres\.hosts$/);
      rejectsWithConfiguration({ hosts: ['db1:5432', 'db2:99999'] }, /^postgres\.hosts\.1$/);
      rejectsWithConfiguration({ hosts: [{ host: 'db1', port: 0 }] }, /^postgres\.hosts\.0\.port$/);
      rejectsWithConfiguration({ hosts: ['db1'], host: 'db2' }, /^postgres\.host$/);
      rejectsWithConfiguration({ hosts: ['db1'], port: 5433 }, /^postgres\.port$/);
      rejectsWithConfiguration({ hosts: ['db1'], connectionString: 'postgres://u@h/db' }, /^postgres\.connectionString$/);
      rejectsWithConfiguration({ failoverTimeout: 1000 }, /^postgres\.failoverTimeout$/);
      rejectsWithConfiguration({ connectionString: 'postgres://u:pw@db1:5432,db2:5432/jobs' }, /^postgres\.connectionString$/);
      // pg itself would throw a bare TypeError for this at connect time.
      rejectsWithConfiguration({ connectionString: 'postgres://u@h:99999999/x' }, /^postgres\.connectionString$/);
      rejectsWithConfiguration({ hosts: ['db1'], failoverTimeout: 0 }, /^postgres\.failoverTimeout$/);
      // A host entry that carries credentials is refused without echoing them.
      assert.throws(
        () => new PostgresBackend({ hosts: ['alice:pw-s3cret@db1:5432'] }),
        (err: unknown) => err instanceof ConfigurationError && err.option === 'postgres.hosts.0' && !err.message.includes('pw-s3cret'),
      );
      rejectsWithConfiguration({ connectionString: 'postgres://u@h/db', host: 'other' }, /^postgres\.host$/);
      assert.throws(
        () => new PostgresBackend({ password: 42 } as unknown as PostgresOptions),
        (err: unknown) => err instanceof ConfigurationError && !err.message.includes('42') && err.message.includes('(hidden)'),
      );
    });

    it('describes its address without the password, from a connection string or from fields', () => {
      const fromUrl = new PostgresBackend({
        connectionString: 'postgresql://alice:s3cret@db.example:6432/jobs?sslmode=require',
        schema: 'q1',
      });
      assert.equal(fromUrl.address, 'postgres://alice@db.example:6432/jobs (schema q1)');
      const fromFields = new PostgresBackend({ host: 'db.example', port: 5433, user: 'bob', password: 's3cret', database: 'work' });
      assert.equal(fromFields.address, 'postgres://bob@db.example:5433/work (schema sitq)');
      assert.ok(!fromFields.address.includes('s3cret'));
      const ha = new PostgresBackend({
        hosts: ['db1', 'db2:5433', '[::1]:5434', { host: 'db3' }],
        user: 'bob',
        password: 's3cret',
        database: 'work',
      });
      assert.equal(ha.address, 'postgres://bob@db1:5432,db2:5433,[::1]:5434,db3:5432/work (schema sitq)');
    });

    it('never shows the password: not in the address, not in connection errors', async () => {
      const backend = new PostgresBackend({ ...SERVER, port: 1, password: 'pw-s3cret', connectTimeout: 1000 });
      await assert.rejects(backend.connect(), (err: unknown) => {
        assert.ok(err instanceof ConnectionError);
        assert.ok(!err.message.includes('pw-s3cret') && !String(err.stack).includes('pw-s3cret'));
        assert.match(err.message, /postgres:\/\/postgres@127\.0\.0\.1:1\/test/);
        return true;
      });
      await backend.close();
      // Trust authentication ignores it, so a password given as a field still connects here.
      const withPassword = new PostgresBackend({ ...SERVER, password: 'pw-s3cret', schema: freshSchema() });
      await withPassword.connect();
      await withPassword.destroy();
      await withPassword.close();
    });

    it('a database that does not exist is a ConnectionError that says so', async () => {
      const backend = new PostgresBackend({ ...SERVER, database: 'sitq_no_such_database' });
      await assert.rejects(
        backend.connect(),
        (err: unknown) => err instanceof ConnectionError && /sitq_no_such_database/.test(err.message) && /does not exist/.test(err.message),
      );
      await backend.close();
    });

    it('connects with a connection string as with fields', async () => {
      const schema = freshSchema();
      const backend = new PostgresBackend({
        connectionString: `postgres://${SERVER.user}@${SERVER.host}:${SERVER.port}/${SERVER.database}`,
        schema,
      });
      try {
        await backend.connect();
        assert.match((await backend.ping()).serverVersion, /^PostgreSQL \d+\.\d+$/);
      } finally {
        await backend.destroy().catch(() => {});
        await backend.close();
      }
    });

    it('keeps every table in its schema, records migrations, and destroy() drops the schema', () =>
      withPostgres({}, async (backend, schema) => {
        await backend.enqueue([newTask()]);
        assert.ok(await backend.setState('schedules/nightly', '{}', 0));
        const { rows } = await admin.query<{ table_name: string }>(
          'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
          [schema],
        );
        assert.deepEqual(
          rows.map((r) => r.table_name),
          ['counts', 'migrations', 'state', 'tasks', 'workers'],
        );
        const versions = await admin.query<{ version: number }>(`SELECT version FROM "${schema}".migrations ORDER BY version`);
        assert.ok(MIGRATIONS.length >= 2);
        assert.deepEqual(
          versions.rows.map((r) => r.version),
          MIGRATIONS,
        );
        await backend.destroy();
        const left = await admin.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema]);
        assert.equal(left.rowCount, 0);
        // Used again after destroy(), the backend starts a new, empty schema.
        assert.deepEqual(await backend.listQueues(), []);
        assert.equal(await backend.getState('schedules/nightly'), null);
        await backend.enqueue([newTask()]);
        assert.deepEqual(await backend.listQueues(), ['default']);
      }));

    it('a schema at migration 4 (before the state table) is migrated on connect, keeping its tasks', async () => {
      // The schema as sitq left it at migration 4: the shipped files 001-004, one task.
      const schema = freshSchema();
      const old = new pg.Client(SERVER);
      await old.connect();
      try {
        await old.query(`CREATE SCHEMA "${schema}"; SET search_path TO "${schema}"`);
        await old.query(
          'CREATE TABLE migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
        );
        for (const file of readdirSync(MIGRATIONS_DIR)
          .filter((f) => /^00[1-4]_.*\.sql$/.test(f))
          .sort()) {
          await old.query(readFileSync(new URL(file, MIGRATIONS_DIR), 'utf8'));
          await old.query('INSERT INTO migrations (version, name) VALUES ($1, $2)', [Number(file.slice(0, 3)), file]);
        }
        const task = newTask();
        await old.query(
          `INSERT INTO tasks (id, queue, name, payload, serializer, priority, run_at, enqueued_at, max_attempts, backoff, state)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending')`,
          [
            task.id,
            task.queue,
            task.name,
            Buffer.from(task.payload),
            task.serializer,
            task.priority,
            task.runAt,
            task.enqueuedAt,
            task.maxAttempts,
            JSON.stringify(task.backoff),
          ],
        );
        const backend = new PostgresBackend({ ...SERVER, schema });
        await backend.connect();
        try {
          assert.equal((await backend.getTask(task.id))?.state, 'pending');
          // Migration 007 counted the tasks already there.
          assert.equal((await backend.counts()).find((q) => q.queue === task.queue)?.counts.pending, 1);
          assert.deepEqual(await backend.setState('queues/default', '{"paused":true}', 0), {
            key: 'queues/default',
            value: '{"paused":true}',
            version: 1,
          });
          const versions = await admin.query<{ version: number }>(`SELECT version FROM "${schema}".migrations ORDER BY version`);
          assert.deepEqual(
            versions.rows.map((r) => r.version),
            MIGRATIONS,
          );
        } finally {
          await backend.destroy();
          await backend.close();
        }
      } finally {
        await old.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
        await old.end();
      }
    });

    it('counts stay exact while claims, completions and folds of the count rows run at once (migration 007)', () =>
      withPostgres({}, async (backend, schema) => {
        const queues = ['fold-a', 'fold-b'];
        for (let i = 0; i < 20; i++) await backend.enqueue(Array.from({ length: 15 }, (_, j) => newTask({ queue: queues[j % 2] })));
        await backend.enqueue([newTask({ queue: 'fold-a', runAt: Date.now() + 60_000 })]);
        const folder = new pg.Client(SERVER);
        await folder.connect();
        let working = true;
        try {
          const folds = (async () => {
            while (working) await folder.query(`SELECT "${schema}".fold_counts()`);
          })();
          await Promise.all(
            Array.from({ length: 4 }, async (_, w) => {
              for (;;) {
                const claimed = await backend.claim({ workerId: `w${w}`, queues, max: 5, leaseMs: 30_000 });
                if (claimed.length === 0) return;
                const finishedAt = Date.now();
                await backend.complete(
                  claimed.map((c, i) =>
                    i === 0
                      ? { lease: c.lease, outcome: 'dead' as const, error: { name: 'E', message: 'x' }, finishedAt }
                      : { lease: c.lease, outcome: 'succeeded' as const, result: new Uint8Array(), finishedAt },
                  ),
                );
              }
            }),
          );
          await backend.enqueue([newTask({ queue: 'fold-a', runAt: Date.now() + 300 })]);
          await sleep(400); // due now, unclaimed: it reads as pending
          await backend.prune({ queue: 'fold-b', state: 'succeeded', keepNewest: 10, limit: 1000 });
          working = false;
          await folds;
          const { rows } = await admin.query<{ queue: string; state: string; n: number }>(
            `SELECT queue, CASE WHEN state = 'delayed' AND run_at <= (extract(epoch from now()) * 1000)::bigint THEN 'pending' ELSE state END AS state,
               count(*)::int AS n FROM "${schema}".tasks GROUP BY 1, 2`,
          );
          const counted = await backend.counts();
          for (const queue of queues) {
            const expected = { pending: 0, delayed: 0, running: 0, succeeded: 0, dead: 0, cancelled: 0 };
            for (const row of rows) if (row.queue === queue) expected[row.state as keyof typeof expected] = row.n;
            assert.deepEqual(counted.find((q) => q.queue === queue)?.counts, expected, queue);
          }
          assert.equal(counted.find((q) => q.queue === 'fold-a')?.counts.pending, 1);
          assert.equal(counted.find((q) => q.queue === 'fold-b')?.counts.succeeded, 10);
          // A fold leaves a few rows per queue and state (and one per future due time of a delayed task).
          await folder.query(`SELECT "${schema}".fold_counts()`);
          const left = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".counts`);
          assert.ok(left.rows[0].n <= 8, `${left.rows[0].n} count rows after a fold`);
        } finally {
          working = false;
          await folder.end();
        }
      }));

    it('several backends connecting to a new schema at once migrate it exactly once', async () => {
      const schema = freshSchema();
      const backends = Array.from({ length: 5 }, () => new PostgresBackend({ ...SERVER, schema }));
      try {
        await Promise.all(backends.map((b) => b.connect()));
        const versions = await admin.query(`SELECT version FROM "${schema}".migrations`);
        assert.equal(versions.rowCount, MIGRATIONS.length);
      } finally {
        await backends[0].destroy();
        await Promise.all(backends.map((b) => b.close()));
      }
    });

    it('maxOverflow opens extra connections for a burst and overflowIdleTimeout closes them again', () =>
      withPostgres({ poolSize: 2, maxOverflow: 3, overflowIdleTimeout: 300 }, async (backend, schema) => {
        const task = newTask();
        await backend.enqueue([task]);
        const lock = await lockTasks(schema);
        // Seven readers at once: five connections (2 + 3 overflow), two wait in line.
        const reads = Array.from({ length: 7 }, () => backend.getTask(task.id));
        await eventually('the burst to open every allowed connection', async () => (await serverConnections(schema, 'pool')).length === 5);
        await sleep(100);
        assert.equal(backend.poolConnections, 5, 'the pool went beyond poolSize + maxOverflow');
        await lock.release();
        assert.ok((await Promise.all(reads)).every((r) => r?.id === task.id));
        await eventually('the overflow connections to close', async () => (await serverConnections(schema, 'pool')).length === 2, 5000);
        assert.equal(backend.poolConnections, 2);
        await sleep(500);
        assert.equal((await serverConnections(schema, 'pool')).length, 2, 'core connections were closed too');
      }));

    it('poolTimeout: a caller that finds every connection busy fails with PoolTimeoutError instead of hanging', () =>
      withPostgres({ poolSize: 1, maxOverflow: 0, poolTimeout: 300 }, async (backend, schema) => {
        const task = newTask();
        await backend.enqueue([task]);
        const lock = await lockTasks(schema);
        const holder = backend.getTask(task.id);
        await sleep(100);
        const t0 = Date.now();
        await assert.rejects(backend.counts(), (err: unknown) => {
          assert.ok(err instanceof PoolTimeoutError && err instanceof ConnectionError);
          assert.match(err.message, /poolSize 1 \+ maxOverflow 0/);
          assert.match(err.message, /poolTimeout 300 ms/);
          assert.match(err.message, new RegExp(`schema ${schema}`));
          return true;
        });
        const waited = Date.now() - t0;
        assert.ok(waited >= 250 && waited < 2000, `gave up after ${waited} ms`);
        await lock.release();
        assert.equal((await holder)?.id, task.id);
        // The pool is healthy again afterwards.
        assert.equal((await backend.getTask(task.id))?.id, task.id);
      }));

    it('poolRecycle replaces connections older than its age', () =>
      withPostgres({ poolSize: 2, poolRecycle: 400 }, async (backend, schema) => {
        await backend.ping();
        const before = await serverConnections(schema, 'pool');
        assert.ok(before.length >= 1);
        await sleep(700);
        await backend.ping();
        const afterRecycle = await serverConnections(schema, 'pool');
        assert.ok(afterRecycle.length >= 1);
        assert.deepEqual(
          afterRecycle.filter((pid) => before.includes(pid)),
          [],
          'a connection outlived poolRecycle',
        );
      }));

    it('connectTimeout bounds a connect to a server that accepts but never answers', async () => {
      const sockets: Socket[] = [];
      const silent: Server = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const port = (silent.address() as { port: number }).port;
      const backend = new PostgresBackend({ ...SERVER, port, connectTimeout: 500 });
      try {
        const t0 = Date.now();
        await assert.rejects(backend.connect(), (err: unknown) => {
          assert.ok(err instanceof ConnectionError, `expected ConnectionError, got ${String(err)}`);
          assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
          return true;
        });
        const took = Date.now() - t0;
        assert.ok(took >= 450 && took < 3000, `connect gave up after ${took} ms, expected ~500`);
      } finally {
        await backend.close();
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });

    it('passes ssl through to pg (this server has no TLS, so ssl: true is refused clearly)', async () => {
      const backend = new PostgresBackend({ ...SERVER, schema: freshSchema(), ssl: { rejectUnauthorized: false }, connectTimeout: 2000 });
      try {
        await assert.rejects(backend.connect(), (err: unknown) => err instanceof ConnectionError && /SSL/i.test(err.message));
      } finally {
        await backend.close();
      }
    });
  });

  describe('behaviour', () => {
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
            const { rows } = await admin.query<{ hot: number; all: number }>(
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
        await admin.query(
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
          await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name IN ($1, $2)', [
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
