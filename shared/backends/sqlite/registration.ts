// The SQLite backend's registration (see ../registration.ts).
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { SqliteFloor } from '../../bench/floors/sqlite.js';
import { loadKit } from '../kit.js';
import type { BackendRegistration } from '../registration.js';
import { sqliteDescriptor } from './descriptor.js';
import { removeSqliteFiles } from './files.js';
import { SqliteBackend } from './index.js';
import { MEMORY_PATH, optionSchema, type SqliteOptions } from './options.js';

export const sqliteRegistration: BackendRegistration<'sqlite', SqliteOptions> = {
  descriptor: sqliteDescriptor,
  optionSchema,
  urlSchemes: ['sqlite'],
  parseUrl: (text) => ({ path: text.trim().replace(/^sqlite:(\/\/)?/i, '') || 'sitq.db' }),
  create: (options) => new SqliteBackend(options),
  namespace(options, id) {
    // `:memory:` is already private to this process; anything else gets a temp file.
    if (options.path === MEMORY_PATH) return { options: { ...options }, label: MEMORY_PATH, removeFiles() {} };
    const path = join(tmpdir(), `sitq-bench-${id}.db`);
    return { options: { ...options, path }, label: path, removeFiles: () => removeSqliteFiles(path) };
  },
  pool: {
    note: 'SQLite has no connection pool: one synchronous connection per backend. Only the concurrency axis is measured (pool size shown as 1).',
    apply: (options) => options,
  },
  kit: () => loadKit(import.meta.url),
  floor: (options) => new SqliteFloor(options),
  resolvePaths(options, baseDir) {
    // An empty path stays empty, so the backend's own check rejects it (resolved, it would name the folder).
    const path = options.path;
    if (typeof path !== 'string' || path === '' || path === MEMORY_PATH || path.startsWith('file:') || isAbsolute(path)) return options;
    return { ...options, path: resolve(baseDir, path) };
  },
  prepareLocal(options) {
    // The backend refuses a missing folder on purpose (a typo should not create directories
    // silently); a profile that names its file explicitly gets the folder made.
    const path = options.path ?? 'sitq.db';
    if (path === MEMORY_PATH || path.startsWith('file:')) return;
    mkdirSync(dirname(path), { recursive: true });
  },
};
