// The SQLite driver under the backend: Node's built-in `node:sqlite` where the runtime has it
// (Node 22.16+/24: code-server's and VS Code's extension hosts, so the extension ships no native
// build), else better-sqlite3 (the library on Node 20). The backend sees only the small
// `Database`/`Statement` shape below, which is the part of better-sqlite3's API it uses;
// better-sqlite3 is loaded only when chosen, so a runtime with node:sqlite never needs it.
// SITQ_SQLITE_DRIVER=better-sqlite3 | node:sqlite forces one (the tests run the conformance suite
// on each).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface RunResult {
  changes: number;
}

export interface Statement<Params extends unknown[] = unknown[], Result = unknown> {
  run(...params: Params): RunResult;
  get(...params: Params): Result | undefined;
  all(...params: Params): Result[];
  /** Rows as arrays of column values instead of objects (faster to build). */
  raw(on?: boolean): this;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the functions a transaction wraps take anything
type AnyFunction = (...args: any[]) => unknown;

/** `fn` run in BEGIN … COMMIT (ROLLBACK when it throws); nested calls use savepoints. */
export interface Transaction<F extends AnyFunction> {
  (...args: Parameters<F>): ReturnType<F>;
  /** BEGIN IMMEDIATE: the write lock up front. */
  immediate(...args: Parameters<F>): ReturnType<F>;
}

export interface Database {
  // `{}` as in better-sqlite3: named parameters are one object; inference from the field types needs this shape.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  prepare<Params extends unknown[] | {} = unknown[], Result = unknown>(
    sql: string,
  ): Params extends unknown[] ? Statement<Params, Result> : Statement<[Params], Result>;
  transaction<F extends AnyFunction>(fn: F): Transaction<F>;
  exec(sql: string): unknown;
  /** `PRAGMA <sql>`: the rows, or with `simple` the first column of the first row. */
  pragma(sql: string, options?: { simple?: boolean }): unknown;
  /** Lifts SQLite's defensive mode (needed for journal_mode=OFF). */
  unsafeMode(on: boolean): unknown;
  close(): unknown;
}

export type DriverName = 'node:sqlite' | 'better-sqlite3';

export interface OpenOptions {
  /** How long a statement waits for another connection's lock (ms). */
  timeout: number;
  /** Fail with SQLITE_CANTOPEN instead of creating the file. */
  fileMustExist?: boolean;
}

const require = createRequire(import.meta.url);

/** The driver this process uses, for diagnostics. */
export interface DriverChoice {
  name: DriverName;
  /** The SQLite library version the driver links. */
  sqliteVersion: string;
}

/** Which driver opens databases here (forced by SITQ_SQLITE_DRIVER, else node:sqlite when the runtime has it). */
export function driverName(env: NodeJS.ProcessEnv = process.env): DriverName {
  const forced = env.SITQ_SQLITE_DRIVER;
  if (forced === 'node:sqlite' || forced === 'better-sqlite3') return forced;
  if (forced) throw new Error(`SITQ_SQLITE_DRIVER is "${forced}": expected "node:sqlite" or "better-sqlite3"`);
  return nodeSqlite() ? 'node:sqlite' : 'better-sqlite3';
}

export function openSqlite(path: string, options: OpenOptions): Database {
  const name = driverName();
  return name === 'node:sqlite' ? openNodeSqlite(path, options) : openBetterSqlite3(path, options);
}

/** Opens an in-memory database to say which driver and SQLite version this process has, or why none loads. */
export function describeDriver(): DriverChoice {
  const db = openSqlite(':memory:', { timeout: 0 });
  try {
    const version = db.prepare<[], { v: string }>('SELECT sqlite_version() AS v').get()?.v ?? 'unknown';
    return { name: driverName(), sqliteVersion: version };
  } finally {
    db.close();
  }
}

/**
 * SQLite's error name for a driver error (`SQLITE_BUSY`…): better-sqlite3 puts it in `code`,
 * node:sqlite gives the numeric `errcode` (extended codes carry the primary one in the low byte).
 */
export function sqliteErrorCode(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const { code, errcode } = err as Error & { code?: unknown; errcode?: unknown };
  if (typeof errcode === 'number') return PRIMARY_CODES[errcode & 0xff] ?? `SQLITE_ERROR_${errcode}`;
  return typeof code === 'string' ? code : undefined;
}

const PRIMARY_CODES: Record<number, string> = {
  1: 'SQLITE_ERROR',
  3: 'SQLITE_PERM',
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  8: 'SQLITE_READONLY',
  10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  19: 'SQLITE_CONSTRAINT',
  26: 'SQLITE_NOTADB',
};

// ---- better-sqlite3 ------------------------------------------------------------------------

type BetterSqlite3Class = new (path: string, options: { timeout: number; fileMustExist?: boolean }) => Database;

function openBetterSqlite3(path: string, options: OpenOptions): Database {
  let Driver: BetterSqlite3Class;
  try {
    Driver = require('better-sqlite3') as BetterSqlite3Class;
  } catch (err) {
    throw new Error(
      `SQLite is unavailable: Node ${process.version} has no node:sqlite (Node 22.16 or newer has it) and better-sqlite3 does not load here; install better-sqlite3 or use a newer Node. (${firstLine(err)})`,
      { cause: err },
    );
  }
  return new Driver(path, { timeout: options.timeout, fileMustExist: options.fileMustExist === true });
}

// ---- node:sqlite ---------------------------------------------------------------------------

interface NodeStatement {
  run(...params: unknown[]): { changes: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  setReturnArrays?(on: boolean): void;
  setAllowUnknownNamedParameters?(on: boolean): void;
}
interface NodeDatabase {
  prepare(sql: string): NodeStatement;
  exec(sql: string): void;
  close(): void;
  enableDefensive?(on: boolean): void;
}
type NodeSqliteModule = { DatabaseSync: new (path: string) => NodeDatabase };

let nodeSqliteModule: NodeSqliteModule | null | undefined;

/** node:sqlite when this runtime has it unflagged with what the backend needs (array rows: Node 22.16+, 24). */
function nodeSqlite(): NodeSqliteModule | undefined {
  if (nodeSqliteModule === undefined) {
    try {
      const mod = require('node:sqlite') as NodeSqliteModule;
      const probe = new mod.DatabaseSync(':memory:');
      const ok = typeof probe.prepare('SELECT 1').setReturnArrays === 'function';
      probe.close();
      nodeSqliteModule = ok ? mod : null;
    } catch {
      nodeSqliteModule = null;
    }
  }
  return nodeSqliteModule ?? undefined;
}

function openNodeSqlite(path: string, options: OpenOptions): Database {
  const mod = nodeSqlite();
  if (!mod)
    throw new Error(`SITQ_SQLITE_DRIVER asks for node:sqlite, which Node ${process.version} does not have (Node 22.16 or newer has it)`);
  if (options.fileMustExist && path !== ':memory:' && !existsSync(path)) {
    throw Object.assign(new Error(`unable to open database file: ${path} does not exist`), { code: 'SQLITE_CANTOPEN' });
  }
  const db = new mod.DatabaseSync(path);
  db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.timeout))}`);
  // Its statements take and return what the generic signatures promise: the types are the caller's.
  return new NodeSqliteDatabase(db) as unknown as Database;
}

class NodeSqliteStatement {
  constructor(private readonly statement: NodeStatement) {
    // As better-sqlite3: one parameter object may carry more names than this statement uses.
    statement.setAllowUnknownNamedParameters?.(true);
  }
  run(...params: unknown[]): RunResult {
    return { changes: Number(this.statement.run(...params).changes) };
  }
  get(...params: unknown[]): unknown {
    return this.statement.get(...params);
  }
  all(...params: unknown[]): unknown[] {
    return this.statement.all(...params);
  }
  raw(on = true): this {
    this.statement.setReturnArrays?.(on);
    return this;
  }
}

class NodeSqliteDatabase {
  /** Open transactions: 0 outside, then one savepoint per nested level. */
  private depth = 0;
  constructor(private readonly db: NodeDatabase) {}

  prepare(sql: string): NodeSqliteStatement {
    return new NodeSqliteStatement(this.db.prepare(sql));
  }
  exec(sql: string): void {
    this.db.exec(sql);
  }
  pragma(sql: string, options: { simple?: boolean } = {}): unknown {
    const rows = this.db.prepare(`PRAGMA ${sql}`).all() as Record<string, unknown>[];
    if (!options.simple) return rows;
    const first = rows[0];
    return first ? Object.values(first)[0] : undefined;
  }
  unsafeMode(on: boolean): void {
    this.db.enableDefensive?.(!on);
  }
  close(): void {
    this.db.close();
  }
  transaction<F extends AnyFunction>(fn: F): Transaction<F> {
    const run =
      (begin: string) =>
      (...args: Parameters<F>): ReturnType<F> => {
        const nested = this.depth > 0;
        const savepoint = `sitq_tx_${this.depth}`;
        this.db.exec(nested ? `SAVEPOINT ${savepoint}` : begin);
        this.depth++;
        try {
          const result = fn(...args) as ReturnType<F>;
          this.db.exec(nested ? `RELEASE ${savepoint}` : 'COMMIT');
          return result;
        } catch (err) {
          try {
            this.db.exec(nested ? `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}` : 'ROLLBACK');
          } catch {
            // SQLite already rolled back (some errors end the transaction themselves).
          }
          throw err;
        } finally {
          this.depth--;
        }
      };
    return Object.assign(run('BEGIN'), { immediate: run('BEGIN IMMEDIATE') });
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}
