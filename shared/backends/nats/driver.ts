// nats is loaded on first use (connect(), the raw floor), not when this backend's modules are
// imported: `import { TaskQueue } from 'sitq'` loads no driver, and a missing nats package is a
// MissingDriverError saying to install it.
import type * as Nats from 'nats';
import { requireDriver } from '../driver-load.js';

export function natsDriver(): typeof Nats {
  return requireDriver<typeof Nats>('nats', 'nats');
}
