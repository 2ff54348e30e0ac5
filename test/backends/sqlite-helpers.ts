// Helpers the SQLite backend's test files share: a temp folder of files (removed when the file's
// tests end), a connected backend on a new file, a raw connection of the test's own that writes
// behind the backend's back, and a child process running a module snippet.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import type { BackendConfig } from '../../shared/backends/index.js';
import { openSqlite } from '../../shared/backends/sqlite/driver.js';
import { EventLog, KEEP_ROWS } from '../../shared/backends/sqlite/events.js';
import { SqliteBackend, type SqliteOptions } from '../../shared/backends/sqlite/index.js';
import type { WakeupHub } from '../../shared/backends/sqlite/wakeup.js';
import { INSERT_COLUMNS, INSERT_VALUES, insertValues } from '../../shared/backends/sqlite/rows.js';
import { ConfigurationError } from '../../shared/core/errors.js';
import { jsonSerializer } from '../../shared/core/serializers.js';
import type { NewTask } from '../../shared/core/types.js';
import { newTask, withConnected, type EventTransportCut } from '../conformance/harness.js';

export const DIR = mkdtempSync(join(tmpdir(), 'sitq-sqlite-test-'));
after(() => rmSync(DIR, { recursive: true, force: true }));
export const freshPath = () => join(DIR, `t-${randomBytes(5).toString('hex')}.db`);

export const claimAll = { workerId: 'w-test', queues: ['default'], max: 100, leaseMs: 30_000 };
export const succeed = (lease: { taskId: string; owner: string; token: number }) => ({
  lease,
  outcome: 'succeeded' as const,
  result: jsonSerializer.serialize(null),
  finishedAt: Date.now(),
});

/** A connected backend on a new file, destroyed (file removed) afterwards. */
export async function withSqlite<T>(options: SqliteOptions, fn: (b: SqliteBackend, path: string) => Promise<T>): Promise<T> {
  const path = options.path ?? freshPath();
  return withConnected(new SqliteBackend({ ...options, path }), (backend) => fn(backend, path));
}

/** A plain better-sqlite3 connection of the test's own, for looking at (and locking) the file. */
export function rawConnection(path: string): BetterSqlite3.Database {
  return new BetterSqlite3(path, { timeout: 0 });
}

/** Runs `write` in one transaction on a connection of the test's own: as another process's
 *  backend would write the file, but no in-process wake-up reaches the backend under test. */
function behindTheBacksBack(path: string, write: (db: BetterSqlite3.Database) => void): void {
  const db = rawConnection(path);
  db.pragma('busy_timeout = 5000');
  db.transaction(() => write(db))();
  db.close();
}

/** One statement, written behind the backend's back. */
export function writeBehindTheBacksBack(path: string, sql: string, ...args: unknown[]): void {
  behindTheBacksBack(path, (db) => db.prepare(sql).run(...args));
}

/** A pending task, row and count in one transaction, inserted as the backend's enqueue does
 *  (its columns and values from rows.ts), behind its back. */
export function insertBehindTheBacksBack(path: string, task: NewTask): void {
  const values = insertValues(task, 'pending');
  behindTheBacksBack(path, (db) => {
    db.prepare(`INSERT INTO sitq_tasks (${INSERT_COLUMNS}) VALUES (${INSERT_VALUES})`).run(...values);
    db.prepare(`INSERT INTO sitq_counts (queue, state, n) VALUES (?, 'pending', 1) ON CONFLICT DO UPDATE SET n = n + 1`).run(task.queue);
  });
}

/** Runs an ES module snippet in a child process; resolves with its stdout. */
export function runChild(code: string, timeoutMs = 60_000, started?: { ready: () => void; go: Promise<void> }): Promise<string> {
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

export const BACKEND_MODULE = new URL('../../shared/backends/sqlite/index.js', import.meta.url).href;
export const MIGRATIONS_DIR = new URL('../../shared/backends/sqlite/migrations/', import.meta.url);

export function rejectsWithConfiguration(options: SqliteOptions, option: RegExp): void {
  assert.throws(
    () => new SqliteBackend(options),
    (err: unknown) => err instanceof ConfigurationError && option.test(err.option),
    `expected a ConfigurationError naming ${option} for ${JSON.stringify(options)}`,
  );
}

export async function roundTrip(b: SqliteBackend): Promise<void> {
  const task = newTask();
  await b.enqueue([task]);
  const [claimed] = await b.claim(claimAll);
  assert.equal(claimed?.record.id, task.id);
  assert.deepEqual(await b.complete([succeed(claimed.lease)]), [true]);
  assert.equal((await b.getTask(task.id))?.state, 'succeeded');
}

/**
 * ConformanceTarget.eventTransport for SQLite: events travel through sitq_events rows, which
 * writers prune to the last KEEP_ROWS. A subscriber that had not read rows before they were
 * pruned has lost them: another connection (the backend's own driver) writes KEEP_ROWS + 1024 rows
 * of events through the backend's EventLog in one transaction, so its own pruning removes rows
 * the subscriber had not read by the time it looks. (The events are of a queue the test does not
 * follow.)
 */
export async function sqliteEventTransport(config: BackendConfig): Promise<EventTransportCut> {
  return {
    config,
    async cut() {
      const db = openSqlite((config as { path: string }).path, { timeout: 5000 });
      try {
        const log = new EventLog(db, { eventsWritten() {} } as unknown as WakeupHub);
        db.transaction(() => {
          for (let i = 0; i < KEEP_ROWS + 1024; i++) log.append([['c', `filler-${i}`, 'sitq-test-filler', Date.now(), null, null]]);
        })();
      } finally {
        db.close();
      }
    },
    async dispose() {},
  };
}
