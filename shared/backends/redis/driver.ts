// ioredis is loaded on first use (connect(), nodes(), the raw floor), not when this backend's
// modules are imported: a process that never talks to Redis (the VS Code extension's core, most
// CLI commands) does not pay the ~130 ms it takes to load. Option checking and `address` never
// need it; everything that makes or inspects a connection runs after loadDriver().
import type * as IoRedis from 'ioredis';
import type { Cluster, Redis } from 'ioredis';
import { lazyDriver } from '../driver-load.js';

export type Driver = typeof IoRedis;

const ioredisPackage = lazyDriver<Driver>('redis', 'ioredis', () => import('ioredis'));

export const loadDriver = (): Promise<Driver> => ioredisPackage.load();

/** The loaded driver; only for code that runs after loadDriver() (a connection exists). */
export const driver = (): Driver => ioredisPackage.get();

/** Whether `client` is a Cluster client (false while no driver, hence no client, exists). */
export function isClusterClient(client: unknown): client is Cluster {
  const loaded = ioredisPackage.peek();
  return loaded !== undefined && client instanceof loaded.Cluster;
}

/** Whether `client` is a one-server (or sentinel-found master) client. */
export function isServerClient(client: unknown): client is Redis {
  const loaded = ioredisPackage.peek();
  return loaded !== undefined && client instanceof loaded.Redis;
}
