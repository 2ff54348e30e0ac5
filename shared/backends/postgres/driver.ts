// pg is loaded on first use (connect(), the raw floor), not when this backend's modules are
// imported: `import { TaskQueue } from 'sitq'` loads no driver, and a missing pg is a
// MissingDriverError saying to install it.
import type * as Pg from 'pg';
import { requireDriver } from '../driver-load.js';

export function pgDriver(): typeof Pg {
  return requireDriver<typeof Pg>('pg', 'postgres');
}
