// The speed targets of the standard workload, checked against measured results.
import { BACKEND_DESCRIPTORS, type BackendKind } from '../backends/descriptors.js';
import type { BenchmarkResult, SoakResult, TargetCheck } from './types.js';

/** Processing rate as a share of the raw floor. */
export const FLOOR_RATIO_TARGET = 0.8;
/** One-by-one enqueue rate as a share of the raw enqueue floor (plain single writes). */
export const ENQUEUE_FLOOR_RATIO_TARGET = 0.8;
/** Enqueue-to-start p50 on an idle worker, ms. */
export const IDLE_P50_TARGET_MS: Record<BackendKind, number> = Object.fromEntries(
  BACKEND_DESCRIPTORS.map((d) => [d.kind, d.idleP50TargetMs]),
) as Record<BackendKind, number>;
/** p99 within this many times p50. */
export const P99_OVER_P50_TARGET = 5;
/** "Flat" memory over a soak: heap after GC grows by at most this much from start to end... */
export const SOAK_HEAP_GROWTH_LIMIT = 8 * 1024 * 1024;
/** ...and RSS by at most this share of its start value. */
export const SOAK_RSS_GROWTH_LIMIT = 0.25;

export function checkTargets(
  r: Pick<BenchmarkResult, 'backend' | 'floorRatio' | 'idle'> & Partial<Pick<BenchmarkResult, 'enqueueFloorRatio'>>,
): TargetCheck[] {
  const p50Limit = IDLE_P50_TARGET_MS[r.backend];
  const idle = r.idle.toStart;
  const measured = idle.count > 0;
  const p99Ratio = measured && idle.p50Ms > 0 ? Math.round((idle.p99Ms / idle.p50Ms) * 100) / 100 : undefined;
  return [
    {
      name: 'processing rate vs raw floor',
      threshold: `>= ${FLOOR_RATIO_TARGET}x`,
      value: r.floorRatio,
      met: r.floorRatio === undefined ? undefined : r.floorRatio >= FLOOR_RATIO_TARGET,
    },
    {
      name: 'enqueue 1-by-1 vs raw enqueue floor',
      threshold: `>= ${ENQUEUE_FLOOR_RATIO_TARGET}x`,
      value: r.enqueueFloorRatio,
      met: r.enqueueFloorRatio === undefined ? undefined : r.enqueueFloorRatio >= ENQUEUE_FLOOR_RATIO_TARGET,
    },
    {
      name: 'idle enqueue-to-start p50',
      threshold: `<= ${p50Limit} ms`,
      value: measured ? idle.p50Ms : undefined,
      met: measured ? idle.p50Ms <= p50Limit : undefined,
    },
    {
      name: 'idle enqueue-to-start p99 / p50',
      threshold: `<= ${P99_OVER_P50_TARGET}x`,
      value: p99Ratio,
      met: p99Ratio === undefined ? undefined : p99Ratio <= P99_OVER_P50_TARGET,
    },
  ];
}

export function checkSoakTargets(s: Pick<SoakResult, 'rssStart' | 'rssEnd' | 'heapUsedStart' | 'heapUsedEnd'>): TargetCheck[] {
  const heapGrowth = s.heapUsedEnd - s.heapUsedStart;
  const rssGrowth = s.rssStart > 0 ? (s.rssEnd - s.rssStart) / s.rssStart : 0;
  return [
    {
      name: 'worker heap after GC, end - start',
      threshold: `<= ${SOAK_HEAP_GROWTH_LIMIT / 1024 / 1024} MiB`,
      value: Math.round((heapGrowth / 1024 / 1024) * 100) / 100,
      met: heapGrowth <= SOAK_HEAP_GROWTH_LIMIT,
    },
    {
      name: 'worker RSS growth, end vs start',
      threshold: `<= ${SOAK_RSS_GROWTH_LIMIT * 100}%`,
      value: Math.round(rssGrowth * 1000) / 10,
      met: rssGrowth <= SOAK_RSS_GROWTH_LIMIT,
    },
  ];
}
