// The SQLite backend's kit for the project's tools (see ../kit.ts). No server: the fault tool runs
// it on a temp file per run (its namespace) and reads the library's version from an in-memory one.
import type { BackendKit } from '../kit.js';
import { MEMORY_PATH, type SqliteOptions } from './options.js';

export const kit: BackendKit<SqliteOptions> = {
  versionOptions: () => ({ path: MEMORY_PATH }),
};
