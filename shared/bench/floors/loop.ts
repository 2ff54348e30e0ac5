// The claim loop every raw floor shares: claim up to `concurrency` tasks in one round trip, "run"
// them (no-op), acknowledge them in one round trip, repeat until the backlog is drained. This is
// what an ideal worker at that concurrency does with no-op tasks (claim, then complete in batch).
import { BenchmarkAbortedError, sleep } from '../abort.js';
import { rate, Samples } from '../stats.js';
import { SitqError } from '../../core/errors.js';
import type { LatencySummary, RateFigure } from '../types.js';
import type { FloorDriver, FloorMeasure, FloorOptions, ResolvedFloorOptions } from './types.js';

export function resolveFloorOptions(o: FloorOptions = {}): ResolvedFloorOptions {
  return {
    tasks: o.tasks ?? 10_000,
    concurrency: o.concurrency ?? 10,
    payloadBytes: o.payloadBytes ?? 64,
    stallTimeoutMs: o.stallTimeoutMs ?? 30_000,
    signal: o.signal,
  };
}

export class FloorStalledError extends SitqError {}

export async function runFloorLoop<H>(driver: FloorDriver<H>, o: ResolvedFloorOptions): Promise<FloorMeasure> {
  try {
    await driver.setup(o.tasks, Buffer.alloc(o.payloadBytes, 0x78));
    let acked = 0;
    let claimCalls = 0;
    let lastProgress = performance.now();
    const t0 = performance.now();
    while (acked < o.tasks) {
      if (o.signal?.aborted) throw new BenchmarkAbortedError('the raw floor');
      const claimed = await driver.claim(Math.min(o.concurrency, o.tasks - acked));
      claimCalls++;
      if (claimed.length === 0) {
        if (performance.now() - lastProgress > o.stallTimeoutMs) {
          throw new FloorStalledError(
            `the raw floor (${driver.method}) claimed nothing for ${o.stallTimeoutMs} ms with ${o.tasks - acked} tasks left`,
          );
        }
        await sleep(1, o.signal, 'the raw floor');
        continue;
      }
      await driver.ack(claimed);
      acked += claimed.length;
      lastProgress = performance.now();
    }
    const figure = rate(acked, performance.now() - t0);
    return { tasks: acked, concurrency: o.concurrency, durationMs: figure.durationMs, perSec: figure.perSec, claimCalls };
  } finally {
    await driver.teardown();
  }
}

/**
 * The raw enqueue floor: `tasks` plain single writes awaited one after another on a fresh, empty
 * namespace, timed like the benchmark's one-by-one enqueue (per call, and the whole run).
 */
export async function runEnqueueFloor<H>(
  driver: FloorDriver<H>,
  o: ResolvedFloorOptions,
): Promise<RateFigure & { latency: LatencySummary }> {
  try {
    const payload = Buffer.alloc(o.payloadBytes, 0x78);
    await driver.setup(0, payload);
    const latency = new Samples(o.tasks);
    const t0 = performance.now();
    for (let i = 0; i < o.tasks; i++) {
      if (i % 100 === 0 && o.signal?.aborted) throw new BenchmarkAbortedError('the raw enqueue floor');
      const t = performance.now();
      await driver.enqueueOne(payload);
      latency.push(performance.now() - t);
    }
    return { ...rate(o.tasks, performance.now() - t0), latency: latency.summary() };
  } finally {
    await driver.teardown();
  }
}
