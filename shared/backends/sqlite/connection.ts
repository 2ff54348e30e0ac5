// Opening the file, applying the PRAGMAs the options ask for, and turning SQLite's failures into
// sitq's typed errors. A file that cannot be opened is SQLite's "unreachable server".
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { openSqlite, sqliteErrorCode, type Database } from './driver.js';
import { ConfigurationError, ConnectionError, LayoutTooNewError } from '../../core/errors.js';
import { SYNCHRONOUS_MODES, type JournalMode, type ResolvedSqliteOptions, type SynchronousMode } from './options.js';
import { SCHEMA_VERSION, SchemaTooNewError, migrate } from './schema.js';

export const BACKEND_NAME = 'SQLite';

/**
 * Opens and prepares the database. While it sets up, SQLite waits for another process's lock at
 * most `connectTimeout` ms; afterwards statements wait up to `busyTimeout` ms.
 */
export function openDatabase(options: ResolvedSqliteOptions, address: string): Database {
  let db: Database;
  try {
    db = openSqlite(options.path, { timeout: options.connectTimeout });
  } catch (err) {
    throw toConnectionError(err, address, options);
  }
  try {
    applyPragmas(db, options);
    migrate(db);
    db.pragma(`busy_timeout = ${options.busyTimeout}`);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof ConfigurationError) throw err;
    throw toConnectionError(err, address, options, 'connectTimeout');
  }
}

/** Opens an existing file, without setting anything up, for destroy() to empty it. */
export function openForDestroy(options: ResolvedSqliteOptions, address: string): Database {
  try {
    return openSqlite(options.path, { timeout: options.busyTimeout, fileMustExist: true });
  } catch (err) {
    throw toConnectionError(err, address, options);
  }
}

/**
 * True when no other connection has the file open, as far as SQLite can tell: leaving WAL mode
 * needs the file to itself. (With a rollback journal SQLite cannot tell, and this answers true.)
 * Leaves the file in rollback-journal mode when it answers true.
 */
export function holdsFileAlone(db: Database): boolean {
  try {
    return String(db.pragma('journal_mode = DELETE', { simple: true })).toUpperCase() !== 'WAL';
  } catch (err) {
    if (sqliteErrorCode(err) === 'SQLITE_BUSY') return false;
    throw err;
  }
}

function applyPragmas(db: Database, options: ResolvedSqliteOptions): void {
  setJournalMode(db, options);
  db.pragma(`synchronous = ${options.synchronous}`);
  db.pragma(`cache_size = ${options.cacheSize}`);
  // Statements with RETURNING keep a statement journal; on disk (the default) that costs tens of
  // microseconds per statement. It is small and short-lived, so keep it in memory.
  db.pragma('temp_store = MEMORY');
}

/**
 * Switching the journal mode needs the file to itself for a moment, and SQLite answers "busy" at
 * once instead of waiting (processes opening a new file together race for it). So retry until
 * connectTimeout; if the file is still in use in another mode, the option cannot be honoured now.
 */
function setJournalMode(db: Database, options: ResolvedSqliteOptions): void {
  const wanted = options.journalMode;
  const deadline = Date.now() + options.connectTimeout;
  for (;;) {
    try {
      const mode = setJournalModeOnce(db, wanted);
      if (mode === wanted) return;
      // SQLite keeps a mode it cannot leave and says so only by answering with it.
      throw journalModeError(options, mode);
    } catch (err) {
      if (sqliteErrorCode(err) !== 'SQLITE_BUSY') throw err;
      if (Date.now() >= deadline) throw journalModeError(options, String(db.pragma('journal_mode', { simple: true })).toUpperCase());
      Atomics.wait(PAUSE, 0, 0, 5);
    }
  }
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

function setJournalModeOnce(db: Database, mode: JournalMode): string {
  // Both drivers run SQLite in defensive mode, which silently refuses journal_mode=OFF; the
  // option asks for it explicitly, so lift that guard for this one statement.
  if (mode !== 'OFF') return String(db.pragma(`journal_mode = ${mode}`, { simple: true })).toUpperCase();
  db.unsafeMode(true);
  try {
    return String(db.pragma('journal_mode = OFF', { simple: true })).toUpperCase();
  } finally {
    db.unsafeMode(false);
  }
}

function journalModeError(options: ResolvedSqliteOptions, kept: string): ConfigurationError {
  return new ConfigurationError({
    option: 'sqlite.journalMode',
    expected: `a mode ${options.path} can switch to now (it stays "${kept}" while other connections have it open; close them, or use "${kept}")`,
    given: options.journalMode,
  });
}

export interface AppliedPragmas {
  journalMode: JournalMode;
  synchronous: SynchronousMode;
  cacheSize: number;
  busyTimeout: number;
}

export function readPragmas(db: Database): AppliedPragmas {
  const get = (name: string) => db.pragma(name, { simple: true });
  return {
    journalMode: String(get('journal_mode')).toUpperCase() as JournalMode,
    synchronous: SYNCHRONOUS_MODES[Number(get('synchronous'))] ?? 'NORMAL',
    cacheSize: Number(get('cache_size')),
    busyTimeout: Number(get('busy_timeout')),
  };
}

/** Maps a failure from the SQLite driver to ConnectionError; anything else passes through. */
export function toConnectionError(
  err: unknown,
  address: string,
  options: ResolvedSqliteOptions,
  waitOption: 'busyTimeout' | 'connectTimeout' = 'busyTimeout',
): unknown {
  if (err instanceof ConnectionError || err instanceof ConfigurationError) return err;
  if (err instanceof SchemaTooNewError) return new LayoutTooNewError(BACKEND_NAME, address, err.found, SCHEMA_VERSION);
  const code = sqliteErrorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    const waited = waitOption === 'connectTimeout' ? options.connectTimeout : options.busyTimeout;
    return new ConnectionError(
      BACKEND_NAME,
      address,
      `the database stayed locked by another connection for more than ${waitOption} (${waited} ms)`,
      { cause: err },
    );
  }
  // better-sqlite3 checks the folder itself and throws a TypeError before SQLite is involved;
  // node:sqlite lets SQLite fail with SQLITE_CANTOPEN.
  const folderMissing = options.path !== ':memory:' && !existsSync(dirname(options.path));
  if ((err instanceof TypeError && /directory does not exist/.test(message)) || (code === 'SQLITE_CANTOPEN' && folderMissing)) {
    return new ConnectionError(BACKEND_NAME, address, `cannot open the database: the folder of ${options.path} does not exist`, {
      cause: err,
    });
  }
  if (
    code === 'SQLITE_CANTOPEN' ||
    code === 'SQLITE_NOTADB' ||
    code === 'SQLITE_PERM' ||
    code === 'SQLITE_READONLY' ||
    code === 'SQLITE_IOERR' ||
    code === 'SQLITE_CORRUPT' ||
    code === 'SQLITE_FULL'
  ) {
    return new ConnectionError(BACKEND_NAME, address, `${message} (${code})`, { cause: err });
  }
  return err;
}

/**
 * Wraps `fn` in BEGIN IMMEDIATE … COMMIT: the write lock is taken up front (waiting up to
 * busyTimeout), so a transaction never fails half-way trying to upgrade a read lock.
 */
export function writeTransaction<A extends unknown[], R>(db: Database, fn: (...args: A) => R): (...args: A) => R {
  return db.transaction(fn).immediate;
}
