// The SQLite backend's file: opening it, its schema version and migrations, several processes on
// one file (compare-and-set, creating the schema once) and what destroy() removes. Split from
// sqlite.test.ts, which keeps the conformance suite and the options.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SqliteBackend } from '../../shared/backends/sqlite/index.js';
import { SCHEMA_VERSION } from '../../shared/backends/sqlite/schema.js';
import { ConnectionError } from '../../shared/core/errors.js';
import { newTask } from '../conformance/harness.js';
import {
  DIR,
  freshPath,
  withSqlite,
  rawConnection,
  insertBehindTheBacksBack,
  runChild,
  BACKEND_MODULE,
  MIGRATIONS_DIR,
  roundTrip,
} from './sqlite-helpers.js';

describe('sqlite backend', () => {
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
});
