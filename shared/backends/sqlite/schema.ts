// Versioned schema. The version lives in our own `sitq_meta` table rather than PRAGMA user_version,
// so a sitq queue can share a file with an application that uses user_version itself.
import type { Database } from './driver.js';
import { readFileSync } from 'node:fs';

/** Applied in order; migration N (1-based) brings the schema to version N. Never edit a shipped one. */
const MIGRATIONS = [
  '001-initial.sql',
  '002-idempotency-per-queue.sql',
  '003-headers-progress-log.sql',
  '004-state.sql',
  '005-retention.sql',
  '006-events.sql',
  '007-pending-listing.sql',
  '008-finished-index-or.sql',
] as const;

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Every table this backend owns; destroy() drops exactly these. */
export const TABLES = ['sitq_tasks', 'sitq_counts', 'sitq_workers', 'sitq_state', 'sitq_events', 'sitq_meta'] as const;

const META_TABLE = `CREATE TABLE IF NOT EXISTS sitq_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT, WITHOUT ROWID`;

export class SchemaTooNewError extends Error {
  constructor(readonly found: number) {
    super(`the database holds sitq schema version ${found}, newer than this sitq knows (${SCHEMA_VERSION}); upgrade sitq`);
  }
}

function readMigration(name: string): string {
  return readFileSync(new URL(`./migrations/${name}`, import.meta.url), 'utf8');
}

/**
 * Brings the schema up to date. A current schema is recognised with a read, which takes no lock,
 * so connecting never waits for another process's write. Otherwise it migrates under BEGIN
 * IMMEDIATE: processes that start together take turns, the first migrates, the others then see
 * the new version and do nothing.
 */
export function migrate(db: Database): void {
  if (storedVersion(db) === SCHEMA_VERSION) return;
  db.transaction(() => {
    db.exec(META_TABLE);
    const current = storedVersion(db);
    for (let version = current + 1; version <= SCHEMA_VERSION; version++) db.exec(readMigration(MIGRATIONS[version - 1]));
    if (current !== SCHEMA_VERSION) {
      db.prepare(
        `INSERT INTO sitq_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      ).run(SCHEMA_VERSION);
    }
    // The enqueue-order counter of earlier builds (seq now comes from the last row: rows.ts
    // INSERT_VALUES); this build neither reads nor writes it, an older process sharing the file does.
    db.prepare(`INSERT INTO sitq_meta (key, value) VALUES ('next_seq', 1) ON CONFLICT (key) DO NOTHING`).run();
  }).immediate();
}

/** The schema version the file holds: 0 when sitq never wrote to it. */
function storedVersion(db: Database): number {
  const hasMeta = db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sitq_meta'`).get();
  if (!hasMeta) return 0;
  const row = db.prepare<[], { value: number }>(`SELECT value FROM sitq_meta WHERE key = 'schema_version'`).get();
  const version = row?.value ?? 0;
  if (version > SCHEMA_VERSION) throw new SchemaTooNewError(version);
  return version;
}

/** Drops this backend's tables; answers whether the file holds anything else afterwards. */
export function dropSchema(db: Database): { othersRemain: boolean } {
  db.transaction(() => {
    for (const table of TABLES) db.exec(`DROP TABLE IF EXISTS ${table}`);
  }).immediate();
  const left = db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM sqlite_schema`).get();
  return { othersRemain: (left?.n ?? 0) > 0 };
}
