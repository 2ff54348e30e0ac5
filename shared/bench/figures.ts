// The figures of a benchmark result, defined once: the CSV columns, the Markdown tables and
// compareRuns all read them from here, so a figure has one name and one direction everywhere.
import type { BenchmarkResult, LatencySummary, SoakResult, SweepCell } from './types.js';

export interface Figure<T> {
  /** Stable key (CSV column, comparison row). */
  key: string;
  /** Short human label with unit. */
  label: string;
  higherIsBetter: boolean;
  get(r: T): number | undefined;
}

const latency = (prefix: string, label: string, pick: (r: BenchmarkResult) => LatencySummary): Figure<BenchmarkResult>[] =>
  (['p50Ms', 'p95Ms', 'p99Ms', 'maxMs'] as const).map((p) => ({
    key: `${prefix}.${p}`,
    label: `${label} ${p.replace('Ms', '')} (ms)`,
    higherIsBetter: false,
    get: (r) => (pick(r).count > 0 ? pick(r)[p] : undefined),
  }));

export const BENCHMARK_FIGURES: Figure<BenchmarkResult>[] = [
  { key: 'connectMs', label: 'connect (ms)', higherIsBetter: false, get: (r) => r.connectMs },
  { key: 'enqueue.single.perSec', label: 'enqueue 1-by-1 (/s)', higherIsBetter: true, get: (r) => r.enqueue.single.perSec },
  { key: 'enqueue.single.p50Ms', label: 'enqueue call p50 (ms)', higherIsBetter: false, get: (r) => r.enqueue.single.latency.p50Ms },
  { key: 'enqueueFloor.perSec', label: 'raw enqueue floor (/s)', higherIsBetter: true, get: (r) => r.enqueueFloor?.perSec },
  { key: 'enqueueFloorRatio', label: 'enqueue 1-by-1 / enqueue floor', higherIsBetter: true, get: (r) => r.enqueueFloorRatio },
  { key: 'enqueue.batch.perSec', label: 'enqueue batch (/s)', higherIsBetter: true, get: (r) => r.enqueue.batch.perSec },
  { key: 'processing.perSec', label: 'processing (/s)', higherIsBetter: true, get: (r) => r.processing.perSec },
  { key: 'floor.perSec', label: 'raw floor (/s)', higherIsBetter: true, get: (r) => r.floor?.perSec },
  { key: 'floorRatio', label: 'processing / floor', higherIsBetter: true, get: (r) => r.floorRatio },
  ...latency('idle.toStart', 'idle enqueue→start', (r) => r.idle.toStart),
  ...latency('idle.toFinish', 'idle enqueue→finish', (r) => r.idle.toFinish),
  ...latency('idle.enqueueCall', 'idle enqueue call', (r) => r.idle.enqueueCall),
  ...latency('processing.toStart', 'backlog enqueue→start', (r) => r.processing.toStart),
  ...latency('processing.toFinish', 'backlog enqueue→finish', (r) => r.processing.toFinish),
  { key: 'successRate', label: 'success rate', higherIsBetter: true, get: (r) => r.successRate },
  { key: 'errors', label: 'errors', higherIsBetter: false, get: (r) => r.errors.reduce((n, e) => n + e.count, 0) },
];

export const SWEEP_FIGURES: Figure<SweepCell>[] = [
  { key: 'perSec', label: 'enqueue (/s)', higherIsBetter: true, get: (c) => (c.error && c.tasks === 0 ? undefined : c.perSec) },
  { key: 'p50Ms', label: 'p50 (ms)', higherIsBetter: false, get: (c) => (c.latency.count ? c.latency.p50Ms : undefined) },
  { key: 'p95Ms', label: 'p95 (ms)', higherIsBetter: false, get: (c) => (c.latency.count ? c.latency.p95Ms : undefined) },
  { key: 'p99Ms', label: 'p99 (ms)', higherIsBetter: false, get: (c) => (c.latency.count ? c.latency.p99Ms : undefined) },
  { key: 'errors', label: 'errors', higherIsBetter: false, get: (c) => c.errors },
];

export const SOAK_FIGURES: Figure<SoakResult>[] = [
  { key: 'perSec', label: 'processing (/s)', higherIsBetter: true, get: (s) => s.perSec },
  { key: 'rssStartMiB', label: 'RSS start (MiB)', higherIsBetter: false, get: (s) => mib(s.rssStart) },
  { key: 'rssEndMiB', label: 'RSS end (MiB)', higherIsBetter: false, get: (s) => mib(s.rssEnd) },
  { key: 'heapUsedStartMiB', label: 'heap start (MiB)', higherIsBetter: false, get: (s) => mib(s.heapUsedStart) },
  { key: 'heapUsedEndMiB', label: 'heap end (MiB)', higherIsBetter: false, get: (s) => mib(s.heapUsedEnd) },
];

export function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}
