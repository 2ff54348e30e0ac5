// SQLite backend options: validated with zod so a bad value names the option, then resolved into
// the exact PRAGMA values the connection will use.
import { z } from 'zod';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../../core/backend.js';
import { ConfigurationError } from '../../core/errors.js';
import { parseOptions } from '../../core/validate.js';

export const JOURNAL_MODES = ['WAL', 'DELETE', 'TRUNCATE', 'PERSIST', 'MEMORY', 'OFF'] as const;
export const SYNCHRONOUS_MODES = ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const;
export type JournalMode = (typeof JOURNAL_MODES)[number];
export type SynchronousMode = (typeof SYNCHRONOUS_MODES)[number];

export const MEMORY_PATH = ':memory:';

export interface SqliteOptions {
  /** Database file, or `:memory:` for a private in-memory database. Default `sitq.db`. */
  path?: string;
  /**
   * PRAGMA journal_mode. Default `WAL` (readers never block the writer; several processes can
   * share the file). An in-memory database cannot use WAL: there the default is `MEMORY`, and an
   * explicit `WAL` is a ConfigurationError.
   */
  journalMode?: JournalMode;
  /** PRAGMA synchronous. Default `NORMAL` (safe with WAL; a power cut may lose the last commits). */
  synchronous?: SynchronousMode;
  /** PRAGMA cache_size: pages when positive, KiB when negative. Default 2000 pages. */
  cacheSize?: number;
  /** How long (ms) a statement waits for another connection's write lock. Default 5000. */
  busyTimeout?: number;
  /** How long (ms) connect() may wait for the file's lock while it sets up the schema. Default 5000. */
  connectTimeout?: number;
  /** How often (ms) a waiting claim or waitForFinish looks for work written by other processes.
   *  Work enqueued in this process wakes waiters at once. Default 50. */
  pollInterval?: number;
}

const ms = (max: number) => z.number().int().min(0).max(max);

const schema = z.strictObject({
  path: z.string().min(1).optional(),
  journalMode: z.enum(JOURNAL_MODES).optional(),
  synchronous: z.enum(SYNCHRONOUS_MODES).optional(),
  cacheSize: z.number().int().min(-1_000_000_000).max(1_000_000_000).optional(),
  busyTimeout: ms(600_000).optional(),
  connectTimeout: ms(600_000).min(1).optional(),
  pollInterval: ms(60_000).min(1).optional(),
});

export interface ResolvedSqliteOptions {
  path: string;
  inMemory: boolean;
  journalMode: JournalMode;
  synchronous: SynchronousMode;
  cacheSize: number;
  busyTimeout: number;
  connectTimeout: number;
  pollInterval: number;
}

export function resolveOptions(input: SqliteOptions | undefined): ResolvedSqliteOptions {
  const options = parseOptions(schema, input ?? {}, 'sqlite');
  const path = options.path ?? 'sitq.db';
  const inMemory = path === MEMORY_PATH;
  if (inMemory && options.journalMode === 'WAL') {
    throw new ConfigurationError({
      option: 'sqlite.journalMode',
      expected: 'a mode other than "WAL" for path ":memory:" (an in-memory database has no WAL; omit journalMode to use MEMORY)',
      given: 'WAL',
    });
  }
  return {
    path,
    inMemory,
    journalMode: options.journalMode ?? (inMemory ? 'MEMORY' : 'WAL'),
    synchronous: options.synchronous ?? 'NORMAL',
    cacheSize: options.cacheSize ?? 2000,
    busyTimeout: options.busyTimeout ?? 5000,
    connectTimeout: options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS,
    pollInterval: options.pollInterval ?? 50,
  };
}

/** The option schema the registration publishes (JSON schema, settings, docs are generated from it). */
export { schema as optionSchema };
