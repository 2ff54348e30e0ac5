// nats is loaded on first use (connect(), nodes(), the raw floor), not when this backend's modules
// are imported: `import { TaskQueue } from 'sitq'` loads no driver, and a missing nats package is
// a MissingDriverError saying to install it. The import is a literal, so bundlers (the VS Code
// extension's core) include nats.
import type * as Nats from 'nats';
import { lazyDriver } from '../driver-load.js';

const natsPackage = lazyDriver<typeof Nats>('nats', 'nats', () => import('nats'));

export const loadNats = (): Promise<typeof Nats> => natsPackage.load();

/** The loaded driver; only for code that runs after loadNats() (a connection exists). */
export const natsDriver = (): typeof Nats => natsPackage.get();
