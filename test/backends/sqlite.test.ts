// The SQLite backend: the shared conformance suite, then every option and what only this backend
// has (the file, its locks, several processes on one file, in-process wake-ups, the counter table).
// Each test works on a file of its own in a temp folder removed at the end.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteBackend, type SqliteOptions } from '../../shared/backends/sqlite/index.js';
import { SCHEMA_VERSION } from '../../shared/backends/sqlite/schema.js';
import { ConfigurationError, ConnectionError } from '../../shared/core/errors.js';
import { jsonSerializer } from '../../shared/core/serializers.js';
import type { NewTask, TaskState } from '../../shared/core/types.js';
import { openSqlite } from '../../shared/backends/sqlite/driver.js';
import { exerciseBackend } from '../conformance/index.js';
import { newTask, sleep } from '../conformance/harness.js';

const DIR = mkdtempSync(join(tmpdir(), 'sitq-sqlite-test-'));
after(() => rmSync(DIR, { recursive: true, force: true }));
const freshPath = () => join(DIR, `t-${randomBytes(5).toString('hex')}.db`);

await exerciseBackend({
  kind: 'sqlite',
  freshConfig: () => ({ type: 'sqlite', path: freshPath() }),
  unreachableConfig: () => ({ type: 'sqlite', path: join(DIR, 'no-such-folder', 'x.db'), connectTimeout: 1000 }),
  async writeLayoutVersion(config, version) {
    // Through the backend's own driver (node:sqlite or better-sqlite3), as the file runs on both.
    const db = openSqlite((config as { path: string }).path, { timeout: 5000 });
    db.prepare(`UPDATE sitq_meta SET value = ? WHERE key = 'schema_version'`).run(version === 1 ? SCHEMA_VERSION : version);
    db.close();
  },
});

const claimAll = { workerId: 'w-test', queues: ['default'], max: 100, leaseMs: 30_000 };
const succeed = (lease: { taskId: string; owner: string; token: number }) => ({
  lease,
  outcome: 'succeeded' as const,
  result: jsonSerializer.serialize(null),
  finishedAt: Date.now(),
});

/** A connected backend on a new file, destroyed (file removed) afterwards. */
async function withSqlite<T>(options: SqliteOptions, fn: (b: SqliteBackend, path: string) => Promise<T>): Promise<T> {
  const path = options.path ?? freshPath();
  const backend = new SqliteBackend({ ...options, path });
  await backend.connect();
  try {
    return await fn(backend, path);
  } finally {
    await backend.destroy().catch(() => {});
    await backend.close();
  }
}

/** A plain better-sqlite3 connection of the test's own, for looking at (and locking) the file. */
function rawConnection(path: string): BetterSqlite3.Database {
  return new BetterSqlite3(path, { timeout: 0 });
}

/** Writes to the file as another process's backend would (row and count in one transaction), but
 *  from a connection of the test's own: no in-process wake-up reaches the backend under test. */
function writeBehindTheBacksBack(path: string, sql: string, ...args: unknown[]): void {
  const db = rawConnection(path);
  db.pragma('busy_timeout = 5000');
  db.transaction(() => db.prepare(sql).run(...args))();
  db.close();
}

function insertBehindTheBacksBack(path: string, task: NewTask): void {
  writeBehindTheBacksBack(
    path,
    `INSERT INTO sitq_tasks (id, seq, queue, name, payload, serializer, priority, run_at, enqueued_at, max_attempts, backoff, state)
     VALUES (?, 1000000, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')`,
    task.id,
    task.queue,
    task.name,
    task.payload,
    task.serializer,
    task.priority,
    task.runAt,
    task.enqueuedAt,
    task.maxAttempts,
    JSON.stringify(task.backoff),
  );
  writeBehindTheBacksBack(
    path,
    `INSERT INTO sitq_counts (queue, state, n) VALUES (?, 'pending', 1) ON CONFLICT DO UPDATE SET n = n + 1`,
    task.queue,
  );
}

/** Runs an ES module snippet in a child process; resolves with its stdout. */
function runChild(code: string, timeoutMs = 60_000, started?: { ready: () => void; go: Promise<void> }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    if (started) {
      // Barrier: the child prints READY once connected and waits for a line on stdin.
      void started.go.then(() => child.stdin.end('go\n'));
    } else child.stdin.end();
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (started && out.startsWith('READY\n')) {
        out = out.slice('READY\n'.length);
        started.ready();
        started = undefined;
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`child exited with ${code}: ${err}`));
    });
  });
}

const BACKEND_MODULE = new URL('../../shared/backends/sqlite/index.js', import.meta.url).href;
const MIGRATIONS_DIR = new URL('../../shared/backends/sqlite/migrations/', import.meta.url);

function rejectsWithConfiguration(options: SqliteOptions, option: RegExp): void {
  assert.throws(
    () => new SqliteBackend(options),
    (err: unknown) => err instanceof ConfigurationError && option.test(err.option),
    `expected a ConfigurationError naming ${option} for ${JSON.stringify(options)}`,
  );
}

async function roundTrip(b: SqliteBackend): Promise<void> {
  const task = newTask();
  await b.enqueue([task]);
  const [claimed] = await b.claim(claimAll);
  assert.equal(claimed?.record.id, task.id);
  assert.deepEqual(await b.complete([succeed(claimed.lease)]), [true]);
  assert.equal((await b.getTask(task.id))?.state, 'succeeded');
}

describe('sqlite backend', () => {
  describe('options', () => {
    it('rejects bad values with a ConfigurationError naming the option, and unknown options', () => {
      rejectsWithConfiguration({ path: '' }, /^sqlite\.path$/);
      rejectsWithConfiguration({ journalMode: 'WALL' as never }, /^sqlite\.journalMode$/);
      rejectsWithConfiguration({ synchronous: 'SOMETIMES' as never }, /^sqlite\.synchronous$/);
      rejectsWithConfiguration({ cacheSize: 1.5 }, /^sqlite\.cacheSize$/);
      rejectsWithConfiguration({ busyTimeout: -1 }, /^sqlite\.busyTimeout$/);
      rejectsWithConfiguration({ connectTimeout: 0 }, /^sqlite\.connectTimeout$/);
      rejectsWithConfiguration({ pollInterval: 0 }, /^sqlite\.pollInterval$/);
      rejectsWithConfiguration({ paht: 'x.db' } as SqliteOptions, /paht/);
    });

    it('defaults: sitq.db, WAL, synchronous NORMAL, 2000 cache pages, busy timeout 5000 ms', async () => {
      assert.equal(new SqliteBackend().address, 'sqlite:sitq.db');
      await withSqlite({}, async (b, path) => {
        assert.equal(b.address, `sqlite:${path}`);
        assert.deepEqual(await b.pragmas(), { journalMode: 'WAL', synchronous: 'NORMAL', cacheSize: 2000, busyTimeout: 5000 });
      });
    });

    for (const journalMode of ['WAL', 'DELETE', 'TRUNCATE', 'PERSIST', 'MEMORY', 'OFF'] as const) {
      it(`journalMode ${journalMode} is in force and the queue works in it`, () =>
        withSqlite({ journalMode }, async (b, path) => {
          assert.equal((await b.pragmas()).journalMode, journalMode);
          await roundTrip(b);
          // WAL is a property of the file: another connection sees it too.
          if (journalMode === 'WAL') {
            const db = rawConnection(path);
            assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
            db.close();
          }
        }));
    }

    it('path ":memory:" uses journal mode MEMORY, refuses WAL, and is private to its backend', async () => {
      rejectsWithConfiguration({ path: ':memory:', journalMode: 'WAL' }, /^sqlite\.journalMode$/);
      const a = new SqliteBackend({ path: ':memory:' });
      const b = new SqliteBackend({ path: ':memory:', journalMode: 'OFF' });
      await a.connect();
      await b.connect();
      try {
        assert.equal(a.address, 'sqlite::memory:');
        assert.equal((await a.pragmas()).journalMode, 'MEMORY');
        assert.equal((await b.pragmas()).journalMode, 'OFF');
        await roundTrip(a);
        assert.deepEqual(await b.listQueues(), [], 'two in-memory databases share data');
      } finally {
        await a.destroy();
        await b.close();
      }
    });

    it('a journalMode the file cannot switch to while others use it is a ConfigurationError', () =>
      withSqlite({}, async (_b, path) => {
        const other = new SqliteBackend({ path, journalMode: 'DELETE', connectTimeout: 300 });
        await assert.rejects(
          other.connect(),
          (err: unknown) => err instanceof ConfigurationError && err.option === 'sqlite.journalMode' && /WAL/.test(err.message),
        );
      }));

    for (const synchronous of ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const) {
      it(`synchronous ${synchronous} is in force`, () =>
        withSqlite({ synchronous }, async (b) => {
          assert.equal((await b.pragmas()).synchronous, synchronous);
          await roundTrip(b);
        }));
    }

    it('cacheSize sets PRAGMA cache_size: pages when positive, KiB when negative', async () => {
      await withSqlite({ cacheSize: 500 }, async (b) => assert.equal((await b.pragmas()).cacheSize, 500));
      await withSqlite({ cacheSize: -8192 }, async (b) => assert.equal((await b.pragmas()).cacheSize, -8192));
    });

    it('busyTimeout: a write waits that long for another connection’s lock, then fails with ConnectionError', () =>
      withSqlite({ busyTimeout: 300 }, async (b, path) => {
        assert.equal((await b.pragmas()).busyTimeout, 300);
        const locker = rawConnection(path);
        locker.exec('BEGIN IMMEDIATE');
        try {
          const t0 = Date.now();
          await assert.rejects(
            b.enqueue([newTask()]),
            (err: unknown) => err instanceof ConnectionError && /busyTimeout \(300 ms\)/.test(err.message),
          );
          const waited = Date.now() - t0;
          assert.ok(waited >= 250 && waited < 3000, `gave up after ${waited} ms, expected ~300`);
        } finally {
          locker.exec('ROLLBACK');
          locker.close();
        }
        await roundTrip(b);
      }));

    it('busyTimeout: a lock released in time (by another process) only delays the write', () =>
      withSqlite({ busyTimeout: 10_000 }, async (b, path) => {
        const holder = runChild(`
          import Database from ${JSON.stringify(new URL('../../../node_modules/better-sqlite3/lib/index.js', import.meta.url).href)};
          const db = new Database(${JSON.stringify(path)});
          db.exec('BEGIN IMMEDIATE');
          process.stdout.write('locked\\n');
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600);
          db.exec('COMMIT');
          db.close();`);
        // Wait until the child holds the lock (a write that fails at once tells us).
        const probe = rawConnection(path);
        const deadline = Date.now() + 20_000;
        for (;;) {
          try {
            probe.exec('BEGIN IMMEDIATE');
            probe.exec('ROLLBACK');
          } catch {
            break;
          }
          if (Date.now() > deadline) throw new Error('the child never took the lock');
          await sleep(5);
        }
        probe.close();
        const t0 = Date.now();
        const [outcome] = await b.enqueue([newTask()]);
        assert.equal(outcome.created, true);
        assert.ok(Date.now() - t0 >= 100, 'the write did not wait for the lock');
        await holder;
      }));

    it('connectTimeout bounds how long connect() waits to set up a locked new file, then ConnectionError', async () => {
      const path = freshPath();
      // Another process is writing to a file that has no sitq schema yet: connect must wait for it.
      const locker = rawConnection(path);
      locker.pragma('journal_mode = WAL');
      locker.exec('BEGIN IMMEDIATE');
      locker.exec('CREATE TABLE app (x)');
      const late = new SqliteBackend({ path, connectTimeout: 400, busyTimeout: 60_000 });
      try {
        const t0 = Date.now();
        await assert.rejects(
          late.connect(),
          (err: unknown) => err instanceof ConnectionError && /connectTimeout \(400 ms\)/.test(err.message),
        );
        const waited = Date.now() - t0;
        assert.ok(waited >= 350 && waited < 3000, `connect gave up after ${waited} ms, expected ~400`);
      } finally {
        locker.exec('COMMIT');
        locker.close();
      }
      // Once the schema is there, connecting takes no lock at all; statements then wait busyTimeout.
      await withSqlite({ path, connectTimeout: 400, busyTimeout: 7000 }, async (b) => {
        const holder = rawConnection(path);
        holder.exec('BEGIN IMMEDIATE');
        try {
          const other = new SqliteBackend({ path, connectTimeout: 400 });
          await other.connect();
          await other.close();
        } finally {
          holder.exec('ROLLBACK');
          holder.close();
        }
        assert.equal((await b.pragmas()).busyTimeout, 7000);
      });
    });

    it('pollInterval: work written by another process is found within it; local work at once', async () => {
      for (const pollInterval of [30, 800]) {
        await withSqlite({ pollInterval }, async (b, path) => {
          const waiting = b.claim({ ...claimAll, waitMs: 5000 });
          await sleep(100);
          const insertedAt = Date.now();
          const task = newTask();
          insertBehindTheBacksBack(path, task);
          const [got] = await waiting;
          const after = Date.now() - insertedAt;
          assert.equal(got?.record.id, task.id);
          if (pollInterval === 30) assert.ok(after < 400, `found after ${after} ms with pollInterval 30`);
          else assert.ok(after >= 300 && after < 2000, `found after ${after} ms with pollInterval 800`);
          // waitForFinish polls the same way for a report from elsewhere.
          const finishing = b.waitForFinish(task.id, 5000);
          await sleep(50);
          writeBehindTheBacksBack(path, `UPDATE sitq_tasks SET state = 'succeeded', finished_at = ? WHERE id = ?`, Date.now(), task.id);
          const doneAt = Date.now();
          assert.equal((await finishing)?.state, 'succeeded');
          if (pollInterval === 30) assert.ok(Date.now() - doneAt < 400);
        });
      }
    });
  });

  describe('the file', () => {
    it('a path that cannot be opened is a ConnectionError naming SQLite and the path', async () => {
      const missing = new SqliteBackend({ path: join(DIR, 'nope', 'deeper', 'x.db') });
      await assert.rejects(
        missing.connect(),
        (err: unknown) => err instanceof ConnectionError && /SQLite at sqlite:.*nope.*folder.*does not exist/.test(err.message),
      );
      const folder = join(DIR, `folder-${randomBytes(3).toString('hex')}`);
      mkdirSync(folder);
      await assert.rejects(new SqliteBackend({ path: folder }).connect(), ConnectionError);
      const junk = join(DIR, 'junk.db');
      writeFileSync(junk, 'this is not a database, '.repeat(100));
      await assert.rejects(
        new SqliteBackend({ path: junk }).connect(),
        (err: unknown) => err instanceof ConnectionError && /not a database/.test(err.message),
      );
      assert.ok(existsSync(junk), 'a failed connect touched a file that is not ours');
    });

    it('using the backend before connect() (or after close()) is a ConnectionError', async () => {
      const b = new SqliteBackend({ path: freshPath() });
      await assert.rejects(b.enqueue([newTask()]), (err: unknown) => err instanceof ConnectionError && /connect\(\)/.test(err.message));
      const [node] = await b.nodes();
      assert.equal(node.reachable, false);
    });

    it('records its schema version in its own table, leaving PRAGMA user_version to the application', () =>
      withSqlite({}, async (b, path) => {
        const db = rawConnection(path);
        assert.equal(db.prepare(`SELECT value FROM sitq_meta WHERE key = 'schema_version'`).pluck().get(), SCHEMA_VERSION);
        assert.equal(db.pragma('user_version', { simple: true }), 0);
        db.pragma('user_version = 42');
        db.close();
        const again = new SqliteBackend({ path });
        await again.connect();
        await again.close();
        await roundTrip(b);
      }));

    it('refuses a database written by a newer sitq', () =>
      withSqlite({}, async (_b, path) => {
        const db = rawConnection(path);
        db.prepare(`UPDATE sitq_meta SET value = 99 WHERE key = 'schema_version'`).run();
        db.close();
        await assert.rejects(
          new SqliteBackend({ path }).connect(),
          (err: unknown) => err instanceof ConnectionError && /version 99.*newer/.test(err.message),
        );
      }));

    it('a file at schema version 3 (before migration 004 added the state table) is migrated on connect, keeping its tasks', async () => {
      // The file as sitq left it at version 3: the shipped migrations 001-003, one task.
      const path = freshPath();
      const db = rawConnection(path);
      db.exec(`CREATE TABLE sitq_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT, WITHOUT ROWID`);
      for (const file of readdirSync(MIGRATIONS_DIR)
        .filter((f) => /^00[1-3]-.*\.sql$/.test(f))
        .sort())
        db.exec(readFileSync(new URL(file, MIGRATIONS_DIR), 'utf8'));
      db.exec(`INSERT INTO sitq_meta (key, value) VALUES ('schema_version', 3), ('next_seq', 1)`);
      db.close();
      const task = newTask();
      insertBehindTheBacksBack(path, task);
      await withSqlite({ path }, async (b) => {
        assert.equal((await b.getTask(task.id))?.state, 'pending');
        assert.deepEqual(await b.setState('queues/default', '{"paused":true}', 0), {
          key: 'queues/default',
          value: '{"paused":true}',
          version: 1,
        });
        const after = rawConnection(path);
        assert.equal(after.prepare(`SELECT value FROM sitq_meta WHERE key = 'schema_version'`).pluck().get(), SCHEMA_VERSION);
        assert.deepEqual(after.prepare(`SELECT key, value, version FROM sitq_state`).all(), [
          { key: 'queues/default', value: '{"paused":true}', version: 1 },
        ]);
        after.close();
      });
    });

    it('compare-and-set holds across processes on one file: every increment counted once', async () => {
      const path = freshPath();
      const PER_PROCESS = 20;
      // Each child increments a counter with read + compare-and-set, retrying the writes it loses.
      const code = `
        import { SqliteBackend } from ${JSON.stringify(BACKEND_MODULE)};
        const b = new SqliteBackend({ path: ${JSON.stringify(path)} });
        await b.connect();
        console.log('READY');
        await new Promise((resolve) => process.stdin.once('data', resolve));
        let lost = 0;
        for (let done = 0; done < ${PER_PROCESS}; ) {
          const current = await b.getState('counter');
          const next = String(Number(current?.value ?? 0) + 1);
          if (await b.setState('counter', next, current?.version ?? 0)) done += 1;
          else { lost += 1; await new Promise((r) => setTimeout(r, 1)); }
        }
        await b.close();
        console.log(lost);`;
      // Every child connects (creating the schema) before any starts writing, so they overlap.
      let go!: () => void;
      const gate = new Promise<void>((resolve) => (go = resolve));
      const readies = [0, 1, 2].map(() => {
        let ready!: () => void;
        return { promise: new Promise<void>((resolve) => (ready = resolve)), ready };
      });
      const children = readies.map((r) => runChild(code, 120_000, { ready: r.ready, go: gate }));
      await Promise.all(readies.map((r) => r.promise));
      go();
      const lost = (await Promise.all(children)).map((out) => Number(out.trim()));
      await withSqlite({ path }, async (b) => {
        const counter = await b.getState('counter');
        assert.equal(counter?.value, String(3 * PER_PROCESS), `lost writes per process: ${lost.join(', ')}`);
        assert.equal(counter?.version, 3 * PER_PROCESS);
      });
    });

    it('several processes opening a new file at once create the schema once', async () => {
      const path = freshPath();
      const code = `
        import { SqliteBackend } from ${JSON.stringify(BACKEND_MODULE)};
        const b = new SqliteBackend({ path: ${JSON.stringify(path)} });
        await b.connect();
        await b.enqueue([{ id: 'p-' + process.pid, queue: 'default', name: 'x', payload: new Uint8Array([1]), serializer: 'json', priority: 0, runAt: Date.now(), enqueuedAt: Date.now(), maxAttempts: 1, backoff: { type: 'fixed', baseMs: 1, maxMs: 1, jitter: 0 } }]);
        await b.close();`;
      await Promise.all([1, 2, 3, 4].map(() => runChild(code)));
      await withSqlite({ path }, async (b) => {
        assert.equal((await b.listTasks({})).total, 4);
      });
    });

    it('destroy() deletes a file that holds nothing else, with its -wal and -shm', async () => {
      const path = freshPath();
      const b = new SqliteBackend({ path });
      await b.connect();
      await b.enqueue([newTask()]);
      assert.ok(existsSync(path) && existsSync(`${path}-wal`));
      await b.destroy();
      for (const f of [path, `${path}-wal`, `${path}-shm`]) assert.equal(existsSync(f), false, `${f} is left`);
      await b.close();
      // On a file that does not exist, and without connecting first, it is a no-op.
      await new SqliteBackend({ path }).destroy();
      assert.equal(existsSync(path), false);
    });

    it('destroy() keeps the (emptied) file while another process still has it open', async () => {
      const path = freshPath();
      const b = new SqliteBackend({ path });
      await b.connect();
      await b.enqueue([newTask()]);
      const other = rawConnection(path);
      other.prepare('SELECT count(*) FROM sitq_meta').get(); // holds the WAL open, as a live process would
      try {
        await b.destroy();
        assert.ok(existsSync(path), 'the file was deleted under a connection still using it');
        const tables = other.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table'`).pluck().all();
        assert.deepEqual(tables, []);
      } finally {
        other.close();
      }
      await b.destroy(); // now alone: the empty file goes
      assert.equal(existsSync(path), false);
    });

    it('destroy() in a file shared with an application drops only sitq’s tables', async () => {
      const path = freshPath();
      const app = rawConnection(path);
      app.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL)');
      app.prepare('INSERT INTO orders (total) VALUES (?)').run(9.5);
      app.close();
      const b = new SqliteBackend({ path });
      await b.connect();
      await b.enqueue([newTask()]);
      assert.ok(await b.setState('schedules/nightly', '{}', 0));
      await b.destroy();
      const db = rawConnection(path);
      const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`).pluck().all();
      assert.deepEqual(tables, ['orders']);
      assert.equal(db.prepare('SELECT total FROM orders').pluck().get(), 9.5);
      db.close();
    });
  });

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
  });
});
