// PostgreSQL backend: the shared conformance suite, then its options, schema, migrations and pool,
// against the real server on 127.0.0.1:5432 (its behaviour under claims, crashes and network
// faults: postgres-behaviour.test.ts).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import pg from 'pg';
import { PostgresBackend, PoolTimeoutError, type PostgresOptions } from '../../shared/backends/postgres/index.js';
import { ConfigurationError, ConnectionError } from '../../shared/core/errors.js';
import type { QueueCounts } from '../../shared/core/types.js';
import { exerciseBackend } from '../conformance/index.js';
import { eventually, newTask, sleep } from '../conformance/harness.js';
import { serverSkip } from '../helpers/servers.js';
import { admin, freshSchema, openAdmin, SERVER, serverConnections, withPostgres } from './postgres-helpers.js';

const MIGRATIONS_DIR = new URL('../../shared/backends/postgres/migrations/', import.meta.url);
/** Every migration the backend ships (1, 2, ...), from the .sql files next to it. */
const MIGRATIONS = readdirSync(MIGRATIONS_DIR)
  .map((file) => /^(\d+)_/.exec(file)?.[1])
  .filter((v): v is string => v !== undefined)
  .map(Number)
  .sort((a, b) => a - b);

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
  // The server ends the LISTEN connection (pg_terminate_backend, found by its application_name);
  // the backend opens it again and LISTENs anew.
  async eventTransport(config) {
    return {
      config,
      async cut() {
        const name = `sitq listen (${(config as { schema: string }).schema})`;
        const client = new pg.Client(SERVER);
        await client.connect();
        try {
          const { rows } = await client.query<{ ok: boolean }>(
            'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1',
            [name],
          );
          assert.deepEqual(
            rows.map((r) => r.ok),
            [true],
            `one LISTEN connection named ${name}`,
          );
        } finally {
          await client.end();
        }
      },
      async dispose() {},
    };
  },
});

const skip = await serverSkip('postgres');

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

/** Runs `fn` while a connection of its own folds the schema's count rows in a loop (fold_counts()). */
async function whileFolding(schema: string, fn: () => Promise<void>): Promise<void> {
  const folder = new pg.Client(SERVER);
  await folder.connect();
  let working = true;
  const folds = (async () => {
    while (working) await folder.query(`SELECT "${schema}".fold_counts()`);
  })();
  try {
    await fn();
  } finally {
    working = false;
    await folds.catch(() => {});
    await folder.end();
  }
}

/** counts() of each queue equals a GROUP BY over its tasks (a due delayed task reads as pending). */
async function assertCountsExact(backend: PostgresBackend, schema: string, queues: readonly string[]): Promise<QueueCounts[]> {
  const { rows } = await admin().query<{ queue: string; state: string; n: number }>(
    `SELECT queue, CASE WHEN state = 'delayed' AND run_at <= (extract(epoch from now()) * 1000)::bigint THEN 'pending' ELSE state END AS state,
       count(*)::int AS n FROM "${schema}".tasks GROUP BY 1, 2`,
  );
  const counted = await backend.counts();
  for (const queue of queues) {
    const expected = { pending: 0, delayed: 0, running: 0, succeeded: 0, dead: 0, cancelled: 0 };
    for (const row of rows) if (row.queue === queue) expected[row.state as keyof typeof expected] = row.n;
    assert.deepEqual(counted.find((q) => q.queue === queue)?.counts, expected, queue);
  }
  return counted;
}

function rejectsWithConfiguration(options: PostgresOptions, option: RegExp): void {
  assert.throws(
    () => new PostgresBackend(options),
    (err: unknown) => err instanceof ConfigurationError && option.test(err.option),
  );
}

describe('postgres backend', { skip }, () => {
  openAdmin();

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
        const { rows } = await admin().query<{ table_name: string }>(
          'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
          [schema],
        );
        assert.deepEqual(
          rows.map((r) => r.table_name),
          ['counts', 'events_wanted', 'migrations', 'state', 'tasks', 'workers'],
        );
        const versions = await admin().query<{ version: number }>(`SELECT version FROM "${schema}".migrations ORDER BY version`);
        assert.ok(MIGRATIONS.length >= 2);
        assert.deepEqual(
          versions.rows.map((r) => r.version),
          MIGRATIONS,
        );
        await backend.destroy();
        const left = await admin().query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema]);
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
          const versions = await admin().query<{ version: number }>(`SELECT version FROM "${schema}".migrations ORDER BY version`);
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

    it('counts stay exact while claims, completions and folds of the count rows run at once (migrations 007, 010)', () =>
      withPostgres({}, async (backend, schema) => {
        const queues = ['fold-a', 'fold-b'];
        for (let i = 0; i < 20; i++) await backend.enqueue(Array.from({ length: 15 }, (_, j) => newTask({ queue: queues[j % 2] })));
        await backend.enqueue([newTask({ queue: 'fold-a', runAt: Date.now() + 60_000 })]);
        await whileFolding(schema, async () => {
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
        });
        const counted = await assertCountsExact(backend, schema, queues);
        assert.equal(counted.find((q) => q.queue === 'fold-a')?.counts.pending, 1);
        assert.equal(counted.find((q) => q.queue === 'fold-b')?.counts.succeeded, 10);
        // A fold leaves a few rows per queue and state (and one per future due time of a delayed task).
        await admin().query(`SELECT "${schema}".fold_counts()`);
        const left = await admin().query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".counts`);
        assert.ok(left.rows[0].n <= 8, `${left.rows[0].n} count rows after a fold`);
      }));

    it('claims, completions, releases, cancels and requeues count their own moves (migration 010)', () =>
      withPostgres({}, async (backend, schema) => {
        const q = 'moves';
        const lease = (owner: string, leaseMs = 60_000) => backend.claim({ workerId: owner, queues: [q], max: 1, leaseMs });
        const error = { name: 'E', message: 'x' };
        const finishedAt = Date.now();
        // A lease that runs out with attempts left is reclaimed (running to running), one without is buried.
        await backend.enqueue([newTask({ queue: q, maxAttempts: 1 })]);
        await lease('crashed', 50);
        await backend.enqueue([newTask({ queue: q, maxAttempts: 5, priority: 9 })]);
        const [expiring] = await lease('crashed', 50);
        await sleep(100);
        const again = await backend.claim({ workerId: 'w', queues: [q], max: 2, leaseMs: 60_000 });
        assert.equal(again.length, 1);
        const [reclaimed] = again;
        assert.equal(reclaimed.record.id, expiring.record.id);
        assert.equal(reclaimed.record.attempts, 2);
        await assertCountsExact(backend, schema, [q]);
        assert.equal((await backend.counts()).find((c) => c.queue === q)?.counts.dead, 1);
        // Retries now and later, a release, a dead end.
        const due = Date.now();
        await backend.enqueue([
          newTask({ queue: q }),
          newTask({ queue: q }),
          newTask({ queue: q }),
          newTask({ queue: q, runAt: due + 50 }),
        ]);
        const [a] = await lease('w');
        const [b] = await lease('w');
        const [c] = await lease('w');
        await backend.complete([
          { lease: reclaimed.lease, outcome: 'retry', error, runAt: Date.now() + 60_000, finishedAt },
          { lease: a.lease, outcome: 'retry', error, runAt: 0, finishedAt },
          { lease: b.lease, outcome: 'dead', error, finishedAt },
        ]);
        await backend.release([c.lease]);
        await assertCountsExact(backend, schema, [q]);
        // Cancels from each state, requeues of both finished kinds, a due delayed task claimed.
        await sleep(60);
        const delayed = newTask({ queue: q, runAt: Date.now() + 60_000 });
        await backend.enqueue([delayed]);
        assert.equal(await backend.cancel(delayed.id), 'delayed');
        assert.equal(await backend.cancel(c.record.id), 'pending');
        const running = (await lease('w'))[0];
        assert.equal(await backend.cancel(running.record.id), 'running');
        assert.equal(await backend.requeue(delayed.id), true);
        assert.equal(await backend.requeue(b.record.id), true);
        for (let claimed = await lease('w'); claimed.length > 0; claimed = await lease('w'))
          await backend.complete([{ lease: claimed[0].lease, outcome: 'succeeded', result: new Uint8Array(), finishedAt }]);
        const counted = await assertCountsExact(backend, schema, [q]);
        assert.deepEqual(counted.find((x) => x.queue === q)?.counts, {
          pending: 0,
          delayed: 1,
          running: 0,
          succeeded: 3,
          dead: 1,
          cancelled: 2,
        });
      }));

    it('enqueues count their own tasks, exactly while folds run, and fold now and then (migration 008)', () =>
      withPostgres({}, async (backend, schema) => {
        const triggers = await admin().query<{ tgname: string }>(
          `SELECT tgname FROM pg_trigger WHERE tgrelid = '"${schema}".tasks'::regclass AND NOT tgisinternal ORDER BY 1`,
        );
        assert.deepEqual(
          triggers.rows.map((r) => r.tgname),
          ['tasks_count_deleted'],
        );
        await whileFolding(schema, async () => {
          const soon = Date.now() + 60_000;
          await Promise.all(
            Array.from({ length: 10 }, async (_, w) => {
              for (let i = 0; i < 30; i++) {
                const queue = ['count-a', 'count-b'][(w + i) % 2];
                if (i % 10 === 0) await backend.enqueue([newTask({ queue }), newTask({ queue: 'count-c', runAt: soon + i })]);
                else await backend.enqueue([newTask(i % 3 === 0 ? { queue, runAt: soon } : { queue })]);
              }
            }),
          );
          // A taken idempotency key inserts nothing, so it counts nothing.
          await backend.enqueue([newTask({ queue: 'count-a', idempotencyKey: 'k' })]);
          assert.equal((await backend.enqueue([newTask({ queue: 'count-a', idempotencyKey: 'k' })]))[0].created, false);
        });
        await assertCountsExact(backend, schema, ['count-a', 'count-b', 'count-c']);
        // With nothing but enqueues, the enqueues fold the count rows themselves (about one in 256):
        // 3,000 of them leave far fewer rows (all folded away: one in 8e-6 runs).
        await admin().query(`SELECT "${schema}".fold_counts()`);
        for (let i = 0; i < 3000; i += 20)
          await Promise.all(Array.from({ length: 20 }, () => backend.enqueue([newTask({ queue: 'count-d' })])));
        const left = await admin().query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".counts`);
        assert.ok(left.rows[0].n < 3000, `${left.rows[0].n} count rows after 3,000 enqueues`);
        assert.equal((await backend.counts()).find((q) => q.queue === 'count-d')?.counts.pending, 3000);
      }));

    it('several backends connecting to a new schema at once migrate it exactly once', async () => {
      const schema = freshSchema();
      const backends = Array.from({ length: 5 }, () => new PostgresBackend({ ...SERVER, schema }));
      try {
        await Promise.all(backends.map((b) => b.connect()));
        const versions = await admin().query(`SELECT version FROM "${schema}".migrations`);
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
});
