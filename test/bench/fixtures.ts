// Hand-made results with known figures, for the export and comparison tests.
import { resolveBenchmarkOptions } from '../../shared/bench/options.js';
import { checkTargets } from '../../shared/bench/targets.js';
import type { BenchmarkResult, LatencySummary, SweepResult } from '../../shared/bench/types.js';

const lat = (p50: number): LatencySummary => ({
  count: 100,
  minMs: p50 / 2,
  meanMs: p50,
  p50Ms: p50,
  p95Ms: p50 * 2,
  p99Ms: p50 * 3,
  maxMs: p50 * 4,
});

export function fakeResult(profile: string, processingPerSec: number, idleP50: number): BenchmarkResult {
  const r: BenchmarkResult = {
    kind: 'benchmark',
    profile,
    backend: 'redis',
    address: 'redis://127.0.0.1:6379/0 (prefix sitq-bench:run_x:)',
    namespace: 'prefix sitq-bench:run_x:',
    serverVersion: 'Redis 7.0.15',
    settings: resolveBenchmarkOptions({}, profile),
    startedAt: '2025-01-01T00:00:00.000Z',
    connectMs: 2,
    enqueue: {
      single: { tasks: 1000, durationMs: 100, perSec: 10_000, latency: lat(0.1) },
      batch: { tasks: 9000, durationMs: 300, perSec: 30_000, batchSize: 500 },
    },
    processing: {
      tasks: 10_000,
      durationMs: 10_000_000 / processingPerSec,
      perSec: processingPerSec,
      toStart: lat(200),
      toFinish: lat(201),
    },
    idle: { toStart: lat(idleP50), toFinish: lat(idleP50 * 2), enqueueCall: lat(idleP50 / 2) },
    succeeded: 10_000,
    failed: 0,
    successRate: 1,
    errors: [{ source: 'worker backend call', message: 'a, "quoted" message', count: 2 }],
    floor: {
      kind: 'redis',
      method: 'Lua pop | pipelined LREM',
      tasks: 10_000,
      concurrency: 10,
      durationMs: 500,
      perSec: 20_000,
      claimCalls: 1000,
      runsPerSec: [19_000, 20_000],
    },
    floorRatio: processingPerSec / 20_000,
    memory: { rssStart: 1, rssEnd: 2, heapUsedStart: 1, heapUsedEnd: 1 },
    rounds: [
      {
        singleEnqueuePerSec: 10_000,
        batchEnqueuePerSec: 30_000,
        processingPerSec,
        floorPerSec: 20_000,
        floorRatio: processingPerSec / 20_000,
        succeeded: 10_000,
      },
    ],
    targets: [],
  };
  r.targets = checkTargets(r);
  return r;
}

export function fakeSweep(profile: string, perSec: number): SweepResult {
  return {
    kind: 'sweep',
    profile,
    backend: 'postgres',
    option: 'poolSize',
    note: 'PostgreSQL poolSize with maxOverflow 0',
    startedAt: '2025-01-01T00:00:00.000Z',
    cells: [1, 5].flatMap((poolSize) =>
      [5, 10].map((concurrency) => ({
        poolSize,
        concurrency,
        tasks: 100,
        durationMs: 100_000 / perSec,
        perSec,
        latency: lat(1),
        errors: 0,
      })),
    ),
  };
}
