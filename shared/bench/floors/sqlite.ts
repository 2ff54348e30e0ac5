// SQLite raw floor: one UPDATE … RETURNING claims a batch under a lease (owner + expiry, so a
// crashed claimer's tasks can be taken back), one UPDATE acknowledges the batch if the lease is
// still the claimer's. Same driver as the backend (node:sqlite or better-sqlite3: backends/sqlite/
// driver.ts) and the profile's PRAGMAs, on a temp file.
import { openSqlite, type Database, type Statement } from '../../backends/sqlite/driver.js';
import { resolveOptions, type SqliteOptions } from '../../backends/sqlite/options.js';
import { removeSqliteFiles } from '../../backends/sqlite/files.js';
import { benchId } from '../bench-id.js';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { LEASE_MS, type FloorDriver } from './types.js';

export class SqliteFloor implements FloorDriver<number> {
  readonly method = 'UPDATE … RETURNING claims a batch under a lease, UPDATE … WHERE id IN (…) AND owner = ? acks it (one statement each)';
  readonly enqueueMethod =
    "INSERT INTO jobs … VALUES (…) (one prepared statement, autocommit, the profile's journal and synchronous settings)";
  private db: Database | undefined;
  /** By batch size: a bound LIMIT would make SQLite re-prepare the statement on every claim (see claim). */
  private readonly claimStmts = new Map<number, Statement<[string, number], { id: number; payload: Uint8Array }>>();
  private ackStmt: Statement<[string, string]> | undefined;
  private insertStmt: Statement<[Buffer]> | undefined;
  private readonly owner = `floor-${benchId()}`;
  private readonly path: string;

  constructor(private readonly options: SqliteOptions) {
    const resolved = resolveOptions(options);
    this.path = resolved.inMemory ? ':memory:' : join(tmpdir(), `sitq-bench-floor_${benchId()}.db`);
  }

  async setup(tasks: number, payload: Buffer): Promise<void> {
    const o = resolveOptions({ ...this.options, path: this.path });
    const db = openSqlite(this.path, { timeout: o.busyTimeout });
    this.db = db;
    db.pragma(`journal_mode = ${o.journalMode}`);
    db.pragma(`synchronous = ${o.synchronous}`);
    db.pragma(`cache_size = ${o.cacheSize}`);
    db.exec(
      `CREATE TABLE jobs (id INTEGER PRIMARY KEY, state INTEGER NOT NULL, attempts INTEGER NOT NULL, owner TEXT, lease_expires_at INTEGER, payload BLOB NOT NULL)`,
    );
    db.exec(`CREATE INDEX jobs_pending ON jobs (id) WHERE state = 0`);
    const insert = db.prepare<[Buffer]>(`INSERT INTO jobs (state, attempts, payload) VALUES (0, 0, ?)`);
    this.insertStmt = insert;
    db.transaction(() => {
      for (let i = 0; i < tasks; i++) insert.run(payload);
    })();
    this.ackStmt = db.prepare(
      `UPDATE jobs SET state = 2, owner = NULL, lease_expires_at = NULL WHERE state = 1 AND owner = ? AND id IN (SELECT value FROM json_each(?))`,
    );
  }

  async claim(max: number): Promise<number[]> {
    return this.claimStatement(max)
      .all(this.owner, Date.now() + LEASE_MS)
      .map((r) => r.id);
  }

  /**
   * The batch size is written into the SQL: SQLite (3.46 and later) plans a bound LIMIT from its
   * value and re-prepares the statement whenever it is bound again, which cost the floor about 15%
   * of its time. The loop asks for `concurrency` tasks, fewer only at the end: a few statements.
   */
  private claimStatement(max: number): Statement<[string, number], { id: number; payload: Uint8Array }> {
    let statement = this.claimStmts.get(max);
    if (!statement) {
      statement = this.db!.prepare(
        `UPDATE jobs SET state = 1, attempts = attempts + 1, owner = ?, lease_expires_at = ?
         WHERE id IN (SELECT id FROM jobs WHERE state = 0 ORDER BY id LIMIT ${Math.trunc(max)}) RETURNING id, payload`,
      );
      this.claimStmts.set(max, statement);
    }
    return statement;
  }

  async ack(ids: number[]): Promise<void> {
    this.ackStmt!.run(this.owner, JSON.stringify(ids));
  }

  async enqueueOne(payload: Buffer): Promise<void> {
    this.insertStmt!.run(payload);
  }

  async teardown(): Promise<void> {
    this.claimStmts.clear();
    this.db?.close();
    this.db = undefined;
    if (this.path !== ':memory:') removeSqliteFiles(this.path);
  }
}
