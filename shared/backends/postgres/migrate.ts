// Schema migrations: numbered .sql files in ./migrations/, applied in order inside one
// transaction under an advisory lock (so processes connecting at once never race), and recorded
// in <schema>.migrations.
import { LayoutTooNewError } from '../../core/errors.js';
import { readdirSync, readFileSync } from 'node:fs';
import type { Pool } from './pool.js';
import { quoteIdent } from './sql.js';

interface Migration {
  version: number;
  name: string;
  sql: string;
}

const DIRECTORY = new URL('./migrations/', import.meta.url);
const FILE = /^(\d+)_([\w-]+)\.sql$/;

// undefined_table, invalid_schema_name: a schema that was never migrated.
const UNDEFINED_OBJECT = new Set(['42P01', '3F000']);

let cached: Migration[] | undefined;

function migrations(): Migration[] {
  cached ??= readdirSync(DIRECTORY)
    .map((file) => FILE.exec(file))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ version: Number(match[1]), name: match[2], sql: readFileSync(new URL(match[0], DIRECTORY), 'utf8') }))
    .sort((a, b) => a.version - b.version);
  return cached;
}

/** Brings `schema` up to the latest version; returns the versions it applied. */
export async function migrate(pool: Pool, schema: string, address: string): Promise<number[]> {
  const all = migrations();
  const latest = all[all.length - 1]?.version ?? 0;
  // Fast path for every connect after the first: no lock, no DDL, no CREATE privilege needed.
  const current = await pool
    .query<{ version: number | null }>({ text: `SELECT max(version) AS version FROM ${quoteIdent(schema)}.migrations` })
    .catch((err: unknown) => {
      if (UNDEFINED_OBJECT.has((err as { code?: string }).code ?? '')) return { rows: [{ version: null }] };
      throw err;
    });
  const found = current.rows[0]?.version ?? 0;
  // Applied by a newer sitq: this one could misread its tables.
  if (found > latest) throw new LayoutTooNewError('postgres', address, found, latest);
  if (found >= latest) return [];

  return pool.transaction(async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`sitq migrate ${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await client.query(`SET LOCAL search_path TO ${quoteIdent(schema)}`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM migrations')).rows.map((row) => row.version));
    const applied: number[] = [];
    for (const migration of all) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      applied.push(migration.version);
    }
    return applied;
  });
}
