// rawFloor(config): the simplest correct claim loop on the profile's server, with the same client
// library, measured the same way as the benchmark's processing phase (first claim to last
// confirmed ack), so a processing rate can be shown as a share of what the server allows.
// One file per backend; the loop itself is shared (loop.ts).
import type { BackendConfig } from '../../backends/index.js';
import type { FloorResult } from '../types.js';
import { unknownType } from '../namespace.js';
import { resolveFloorOptions, runFloorLoop } from './loop.js';
import { NatsFloor } from './nats.js';
import { PostgresFloor } from './postgres.js';
import { RedisFloor } from './redis.js';
import { SqliteFloor } from './sqlite.js';
import type { FloorDriver, FloorOptions } from './types.js';

export type { FloorOptions } from './types.js';

export function floorDriver(config: BackendConfig): FloorDriver<unknown> {
  switch (config.type) {
    case 'sqlite':
      return new SqliteFloor(optionsOf(config)) as FloorDriver<unknown>;
    case 'postgres':
      return new PostgresFloor(optionsOf(config)) as FloorDriver<unknown>;
    case 'redis':
      return new RedisFloor(optionsOf(config)) as FloorDriver<unknown>;
    case 'nats':
      return new NatsFloor(optionsOf(config)) as FloorDriver<unknown>;
    default:
      throw unknownType(config);
  }
}

/** A config without its `type`: the backend's own options. */
function optionsOf<C extends { type: string }>(config: C): Omit<C, 'type'> {
  const { type: _type, ...options } = config;
  return options;
}

export async function rawFloor(config: BackendConfig, options: FloorOptions = {}): Promise<FloorResult> {
  const driver = floorDriver(config);
  const measured = await runFloorLoop(driver, resolveFloorOptions(options));
  return { kind: config.type, method: driver.method, ...measured };
}
