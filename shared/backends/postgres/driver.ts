// pg is loaded on first use (connect(), nodes(), the raw floor), not when this backend's modules
// are imported: `import { TaskQueue } from 'sitq'` loads no driver, and a missing pg is a
// MissingDriverError saying to install it. The import is a literal, so bundlers (the VS Code
// extension's core) include pg.
import type * as Pg from 'pg';
import { MissingDriverError } from '../../core/errors.js';
import { isMissingPackage } from '../driver-load.js';

let loaded: typeof Pg | undefined;

export async function loadPg(): Promise<typeof Pg> {
  if (loaded) return loaded;
  try {
    const module = (await import('pg')) as typeof Pg & { default?: typeof Pg };
    loaded = module.default ?? module;
  } catch (err) {
    if (isMissingPackage(err, 'pg')) throw new MissingDriverError('postgres', 'pg', { cause: err });
    throw err;
  }
  return loaded;
}

/** The loaded driver; only for code that runs after loadPg() (a connection exists). */
export function pgDriver(): typeof Pg {
  if (!loaded) throw new Error('internal: pg used before loadPg()');
  return loaded;
}
