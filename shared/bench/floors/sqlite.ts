// SQLite raw floor: one UPDATE … RETURNING claims a batch (the sub-select picks the next pending
// ids and the UPDATE re-checks nothing else can have them: one connection, one statement), one
// UPDATE acknowledges the batch. Same library (better-sqlite3) and the profile's PRAGMAs, on a
// temp file.
import BetterSqlite3 from 'better-sqlite3';
import type { Database, Statement } from 'better-sqlite3';
import { resolveOptions, type SqliteOptions } from '../../backends/sqlite/options.js';
import { benchId, removeSqliteFiles } from '../namespace.js';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { FloorDriver } from './types.js';

export class SqliteFloor implements FloorDriver<number> {
  readonly method = 'UPDATE … RETURNING claims a batch, UPDATE … WHERE id IN (…) acks it (one statement each)';
  private db: Database | undefined;
  private claimStmt: Statement<[number], { id: number; payload: Buffer }> | undefined;
  private ackStmt: Statement<[string]> | undefined;
  private readonly path: string;

  constructor(private readonly options: SqliteOptions) {
    const resolved = resolveOptions(options);
    this.path = resolved.inMemory ? ':memory:' : join(tmpdir(), `sitq-bench-floor_${benchId()}.db`);
  }

  async setup(tasks: number, payload: Buffer): Promise<void> {
    const o = resolveOptions({ ...this.options, path: this.path });
    const db = new BetterSqlite3(this.path, { timeout: o.busyTimeout });
    this.db = db;
    db.pragma(`journal_mode = ${o.journalMode}`);
    db.pragma(`synchronous = ${o.synchronous}`);
    db.pragma(`cache_size = ${o.cacheSize}`);
    db.exec(`CREATE TABLE jobs (id INTEGER PRIMARY KEY, state INTEGER NOT NULL, attempts INTEGER NOT NULL, payload BLOB NOT NULL)`);
    db.exec(`CREATE INDEX jobs_pending ON jobs (id) WHERE state = 0`);
    const insert = db.prepare(`INSERT INTO jobs (state, attempts, payload) VALUES (0, 0, ?)`);
    db.transaction(() => {
      for (let i = 0; i < tasks; i++) insert.run(payload);
    })();
    this.claimStmt = db.prepare(
      `UPDATE jobs SET state = 1, attempts = attempts + 1 WHERE id IN (SELECT id FROM jobs WHERE state = 0 ORDER BY id LIMIT ?) RETURNING id, payload`,
    );
    this.ackStmt = db.prepare(`UPDATE jobs SET state = 2 WHERE state = 1 AND id IN (SELECT value FROM json_each(?))`);
  }

  async claim(max: number): Promise<number[]> {
    return this.claimStmt!.all(max).map((r) => r.id);
  }

  async ack(ids: number[]): Promise<void> {
    this.ackStmt!.run(JSON.stringify(ids));
  }

  async teardown(): Promise<void> {
    this.db?.close();
    this.db = undefined;
    if (this.path !== ':memory:') removeSqliteFiles(this.path);
  }
}
