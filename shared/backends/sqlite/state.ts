// The coordination-state store (Backend.getState and the rest) on the sitq_state table
// (migrations/004-state.sql). A compare-and-set is ONE conditional statement inside a write
// transaction (BEGIN IMMEDIATE): an INSERT that does nothing when the key exists (expected version
// 0), else an UPDATE whose WHERE names the expected version. Whichever process's statement runs
// second sees the first one's row and changes nothing.
import type { StateEntry } from '../../core/backend.js';
import { writeTransaction } from './connection.js';
import type { Database, Statement } from './driver.js';

/** Above every key: keys are ASCII (STATE_KEY), and BINARY collation compares UTF-8 bytes. */
const AFTER_EVERY_KEY = '\u{10FFFF}';

export class StateStore {
  private readonly get: Statement<[key: string], StateEntry>;
  private readonly list: Statement<[from: string, to: string], StateEntry>;
  private readonly setTx: (key: string, value: string, expectedVersion: number) => StateEntry | null;
  private readonly deleteTx: (key: string, expectedVersion: number | undefined) => boolean;

  constructor(db: Database) {
    this.get = db.prepare(`SELECT key, value, version FROM sitq_state WHERE key = ?`);
    // A key range, so the primary key answers it (a prefix ends in "/", so it is whole words).
    this.list = db.prepare(`SELECT key, value, version FROM sitq_state WHERE key >= ? AND key < ? ORDER BY key`);
    const create = db.prepare<[key: string, value: string]>(
      `INSERT INTO sitq_state (key, value, version) VALUES (?, ?, 1) ON CONFLICT (key) DO NOTHING`,
    );
    const update = db.prepare<[value: string, key: string, expected: number]>(
      `UPDATE sitq_state SET value = ?, version = version + 1 WHERE key = ? AND version = ?`,
    );
    const remove = db.prepare<[key: string]>(`DELETE FROM sitq_state WHERE key = ?`);
    const removeAt = db.prepare<[key: string, expected: number]>(`DELETE FROM sitq_state WHERE key = ? AND version = ?`);
    this.setTx = writeTransaction(db, (key: string, value: string, expected: number) => {
      const written = expected === 0 ? create.run(key, value) : update.run(value, key, expected);
      return written.changes === 1 ? { key, value, version: expected + 1 } : null;
    });
    this.deleteTx = writeTransaction(
      db,
      (key: string, expected: number | undefined) => (expected === undefined ? remove.run(key) : removeAt.run(key, expected)).changes === 1,
    );
  }

  read(key: string): StateEntry | null {
    const row = this.get.get(key);
    return row ? { key: row.key, value: row.value, version: row.version } : null;
  }

  write(key: string, value: string, expectedVersion: number): StateEntry | null {
    return this.setTx(key, value, expectedVersion);
  }

  delete(key: string, expectedVersion: number | undefined): boolean {
    return this.deleteTx(key, expectedVersion);
  }

  listPrefix(prefix: string): StateEntry[] {
    return this.list.all(prefix, prefix + AFTER_EVERY_KEY).map((row) => ({ key: row.key, value: row.value, version: row.version }));
  }
}
