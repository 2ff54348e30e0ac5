// ioredis is loaded on first use (connect(), nodes(), the raw floor), not when this backend's
// modules are imported: a process that never talks to Redis (the VS Code extension's core, most
// CLI commands) does not pay the ~130 ms it takes to load. Option checking and `address` never
// need it; everything that makes or inspects a connection runs after loadDriver().
import type * as IoRedis from 'ioredis';
import type { Cluster, Redis } from 'ioredis';
import { MissingDriverError } from '../../core/errors.js';
import { isMissingPackage } from '../driver-load.js';

export type Driver = typeof IoRedis;

let loaded: Driver | undefined;

export async function loadDriver(): Promise<Driver> {
  try {
    loaded ??= await import('ioredis');
  } catch (err) {
    if (isMissingPackage(err, 'ioredis')) throw new MissingDriverError('redis', 'ioredis', { cause: err });
    throw err;
  }
  return loaded;
}

/** The loaded driver; only for code that runs after loadDriver() (a connection exists). */
export function driver(): Driver {
  if (!loaded) throw new Error('internal: ioredis used before loadDriver()');
  return loaded;
}

/** Whether `client` is a Cluster client (false while no driver, hence no client, exists). */
export function isClusterClient(client: unknown): client is Cluster {
  return loaded !== undefined && client instanceof loaded.Cluster;
}

/** Whether `client` is a one-server (or sentinel-found master) client. */
export function isServerClient(client: unknown): client is Redis {
  return loaded !== undefined && client instanceof loaded.Redis;
}
