// The coordination-state store (Backend.getState and the rest) on <schema>.state
// (migrations/005_state.sql). A compare-and-set is ONE statement, atomic on the server: an
// INSERT ... ON CONFLICT DO NOTHING when the key must not exist (expected version 0), else an
// UPDATE whose WHERE names the expected version. Of two writers with the same version, the second
// waits on the first's row lock, then re-checks the WHERE on the new row and changes nothing.
import type { StateEntry } from '../../core/backend.js';
import type { Context } from './claim.js';

/** A row as pg reads it: bigint arrives as text. */
type StateRow = { key: string; value: Buffer; version: string };

const COLUMNS = 'key, value, version';
const toEntry = (row: StateRow): StateEntry => ({ key: row.key, value: row.value.toString('utf8'), version: Number(row.version) });
const bytes = (value: string): Buffer => Buffer.from(value, 'utf8');

export async function getState(ctx: Context, key: string): Promise<StateEntry | null> {
  const { rows } = await ctx.pool.query<StateRow>({
    name: 'sitq_state_get',
    text: `SELECT ${COLUMNS} FROM ${ctx.tables.state} WHERE key = $1`,
    values: [key],
  });
  return rows[0] ? toEntry(rows[0]) : null;
}

export async function setState(ctx: Context, key: string, value: string, expectedVersion: number): Promise<StateEntry | null> {
  const statement =
    expectedVersion === 0
      ? {
          name: 'sitq_state_create',
          text: `INSERT INTO ${ctx.tables.state} (key, value, version) VALUES ($1, $2, 1) ON CONFLICT (key) DO NOTHING RETURNING ${COLUMNS}`,
          values: [key, bytes(value)],
        }
      : {
          name: 'sitq_state_update',
          text: `UPDATE ${ctx.tables.state} SET value = $2, version = version + 1 WHERE key = $1 AND version = $3 RETURNING ${COLUMNS}`,
          values: [key, bytes(value), expectedVersion],
        };
  const { rows } = await ctx.pool.query<StateRow>(statement);
  return rows[0] ? toEntry(rows[0]) : null;
}

export async function deleteState(ctx: Context, key: string, expectedVersion: number | undefined): Promise<boolean> {
  const { rowCount } =
    expectedVersion === undefined
      ? await ctx.pool.query({ text: `DELETE FROM ${ctx.tables.state} WHERE key = $1`, values: [key] })
      : await ctx.pool.query({ text: `DELETE FROM ${ctx.tables.state} WHERE key = $1 AND version = $2`, values: [key, expectedVersion] });
  return rowCount === 1;
}

/** A prefix ends in "/" (or is empty): its keys are the range [prefix, prefix less "/" + "0"), as
 *  "0" follows "/" in byte order; the primary key answers it. */
export async function listState(ctx: Context, prefix: string): Promise<StateEntry[]> {
  const { rows } =
    prefix === ''
      ? await ctx.pool.query<StateRow>({ text: `SELECT ${COLUMNS} FROM ${ctx.tables.state} ORDER BY key` })
      : await ctx.pool.query<StateRow>({
          text: `SELECT ${COLUMNS} FROM ${ctx.tables.state} WHERE key >= $1 AND key < $2 ORDER BY key`,
          values: [prefix, `${prefix.slice(0, -1)}0`],
        });
  return rows.map(toEntry);
}
