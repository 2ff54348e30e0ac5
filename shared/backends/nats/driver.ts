// nats is loaded on first use (connect(), nodes(), the raw floor), not when this backend's modules
// are imported: `import { TaskQueue } from 'sitq'` loads no driver, and a missing nats package is
// a MissingDriverError saying to install it. The import is a literal, so bundlers (the VS Code
// extension's core) include nats.
import type * as Nats from 'nats';
import { MissingDriverError } from '../../core/errors.js';
import { isMissingPackage } from '../driver-load.js';

let loaded: typeof Nats | undefined;

export async function loadNats(): Promise<typeof Nats> {
  if (loaded) return loaded;
  try {
    const module = (await import('nats')) as typeof Nats & { default?: typeof Nats };
    loaded = module.default ?? module;
  } catch (err) {
    if (isMissingPackage(err, 'nats')) throw new MissingDriverError('nats', 'nats', { cause: err });
    throw err;
  }
  return loaded;
}

/** The loaded driver; only for code that runs after loadNats() (a connection exists). */
export function natsDriver(): typeof Nats {
  if (!loaded) throw new Error('internal: nats used before loadNats()');
  return loaded;
}
