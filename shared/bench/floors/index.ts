// rawFloor(config): the simplest correct claim loop on the profile's server, with the same client
// library, measured the same way as the benchmark's processing phase (first claim to last
// confirmed ack), so a processing rate can be shown as a share of what the server allows.
// One file per backend, named by its registration; the loop itself is shared (loop.ts).
import { optionsOf, registrationOf, type BackendConfig } from '../../backends/index.js';
import type { EnqueueFloorResult, FloorResult } from '../types.js';
import { resolveFloorOptions, runEnqueueFloor, runFloorLoop } from './loop.js';
import type { FloorDriver, FloorOptions } from './types.js';

export type { FloorOptions } from './types.js';

/** The backend's floor loop, from its registration. */
export function floorDriver(config: BackendConfig): FloorDriver<unknown> {
  return registrationOf(config.type).floor(optionsOf(config));
}

export async function rawFloor(config: BackendConfig, options: FloorOptions = {}): Promise<FloorResult> {
  const driver = floorDriver(config);
  const measured = await runFloorLoop(driver, resolveFloorOptions(options));
  return { kind: config.type, method: driver.method, ...measured };
}

/** The raw enqueue floor: `tasks` (default 10,000) plain single-row writes awaited one at a time. */
export async function rawEnqueueFloor(
  config: BackendConfig,
  options: Omit<FloorOptions, 'concurrency' | 'stallTimeoutMs'> = {},
): Promise<EnqueueFloorResult> {
  const driver = floorDriver(config);
  const measured = await runEnqueueFloor(driver, resolveFloorOptions(options));
  return { kind: config.type, method: driver.enqueueMethod, ...measured };
}
