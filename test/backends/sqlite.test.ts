// The SQLite backend: the shared conformance suite, then every option. What only this backend has
// is split by responsibility: the file (schema version, processes on one file, destroy) in
// sqlite-file.test.ts, claims, wake-ups, counts and scale in sqlite-behaviour.test.ts; shared
// helpers in sqlite-helpers.ts. Each test works on a file of its own in a temp folder removed at
// the end.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SqliteBackend, type SqliteOptions } from '../../shared/backends/sqlite/index.js';
import { SCHEMA_VERSION } from '../../shared/backends/sqlite/schema.js';
import { ConfigurationError, ConnectionError } from '../../shared/core/errors.js';
import { openSqlite } from '../../shared/backends/sqlite/driver.js';
import { exerciseBackend } from '../conformance/index.js';
import { newTask, sleep } from '../conformance/harness.js';
import {
  DIR,
  freshPath,
  claimAll,
  withSqlite,
  rawConnection,
  writeBehindTheBacksBack,
  insertBehindTheBacksBack,
  runChild,
  rejectsWithConfiguration,
  roundTrip,
  sqliteEventTransport,
} from './sqlite-helpers.js';

await exerciseBackend({
  kind: 'sqlite',
  freshConfig: () => ({ type: 'sqlite', path: freshPath() }),
  unreachableConfig: () => ({ type: 'sqlite', path: join(DIR, 'no-such-folder', 'x.db'), connectTimeout: 1000 }),
  eventTransport: sqliteEventTransport,
  async writeLayoutVersion(config, version) {
    // Through the backend's own driver (node:sqlite or better-sqlite3), as the file runs on both.
    const db = openSqlite((config as { path: string }).path, { timeout: 5000 });
    db.prepare(`UPDATE sitq_meta SET value = ? WHERE key = 'schema_version'`).run(version === 1 ? SCHEMA_VERSION : version);
    db.close();
  },
});

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
});
