// pg is loaded on first use (connect(), nodes(), the raw floor), not when this backend's modules
// are imported: `import { TaskQueue } from 'sitq'` loads no driver, and a missing pg is a
// MissingDriverError saying to install it. The import is a literal, so bundlers (the VS Code
// extension's core) include pg.
import type * as Pg from 'pg';
import { lazyDriver } from '../driver-load.js';

const pgPackage = lazyDriver<typeof Pg>('postgres', 'pg', () => import('pg'));

export const loadPg = (): Promise<typeof Pg> => pgPackage.load();

/** The loaded driver; only for code that runs after loadPg() (a connection exists). */
export const pgDriver = (): typeof Pg => pgPackage.get();
