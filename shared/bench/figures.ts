// The figures of a benchmark result, defined once: the CSV columns, the Markdown tables and
// compareRuns all read them from here, so a figure has one name and one direction everywhere.
import type { BenchmarkResult, LatencySummary, SoakResult, SweepCell } from './types.js';

export interface Figure<T> {
  /** Stable key (CSV column, comparison row). */
  key: string;
  /** Short human label with unit. */
  label: string;
  /** The part of the run it measures, for grouped comparisons. */
  group: string;
  higherIsBetter: boolean;
  get(r: T): number | undefined;
}

const latency = (prefix: string, label: string, group: string, pick: (r: BenchmarkResult) => LatencySummary): Figure<BenchmarkResult>[] =>
  (['p50Ms', 'p95Ms', 'p99Ms', 'maxMs'] as const).map((p) => ({
    key: `${prefix}.${p}`,
    label: `${label} ${p.replace('Ms', '')} (ms)`,
    group,
    higherIsBetter: false,
    get: (r) => (pick(r).count > 0 ? pick(r)[p] : undefined),
  }));

export const BENCHMARK_FIGURES: Figure<BenchmarkResult>[] = [
  { key: 'connectMs', label: 'connect (ms)', group: 'Setup and single calls', higherIsBetter: false, get: (r) => r.connectMs },
  {
    key: 'enqueue.single.perSec',
    label: 'enqueue 1-by-1 (/s)',
    group: 'Throughput',
    higherIsBetter: true,
    get: (r) => r.enqueue.single.perSec,
  },
  {
    key: 'enqueue.single.p50Ms',
    label: 'enqueue call p50 (ms)',
    group: 'Setup and single calls',
    higherIsBetter: false,
    get: (r) => r.enqueue.single.latency.p50Ms,
  },
  {
    key: 'enqueueFloor.perSec',
    label: 'raw enqueue floor (/s)',
    group: 'Throughput',
    higherIsBetter: true,
    get: (r) => r.enqueueFloor?.perSec,
  },
  {
    key: 'enqueueFloorRatio',
    label: 'enqueue 1-by-1 / enqueue floor',
    group: 'Throughput',
    higherIsBetter: true,
    get: (r) => r.enqueueFloorRatio,
  },
  {
    key: 'enqueue.batch.perSec',
    label: 'enqueue batch (/s)',
    group: 'Throughput',
    higherIsBetter: true,
    get: (r) => r.enqueue.batch.perSec,
  },
  { key: 'processing.perSec', label: 'processing (/s)', group: 'Throughput', higherIsBetter: true, get: (r) => r.processing.perSec },
  { key: 'floor.perSec', label: 'raw floor (/s)', group: 'Throughput', higherIsBetter: true, get: (r) => r.floor?.perSec },
  { key: 'floorRatio', label: 'processing / floor', group: 'Throughput', higherIsBetter: true, get: (r) => r.floorRatio },
  ...latency('idle.toStart', 'idle enqueue→start', 'Latency on an idle worker', (r) => r.idle.toStart),
  ...latency('idle.toFinish', 'idle enqueue→finish', 'Latency on an idle worker', (r) => r.idle.toFinish),
  ...latency('idle.enqueueCall', 'idle enqueue call', 'Latency on an idle worker', (r) => r.idle.enqueueCall),
  ...latency('processing.toStart', 'backlog enqueue→start', 'Latency through a backlog', (r) => r.processing.toStart),
  ...latency('processing.toFinish', 'backlog enqueue→finish', 'Latency through a backlog', (r) => r.processing.toFinish),
  { key: 'successRate', label: 'success rate', group: 'Outcome', higherIsBetter: true, get: (r) => r.successRate },
  { key: 'errors', label: 'errors', group: 'Outcome', higherIsBetter: false, get: (r) => r.errors.reduce((n, e) => n + e.count, 0) },
];

export const SWEEP_FIGURES: Figure<SweepCell>[] = [
  {
    key: 'perSec',
    label: 'enqueue (/s)',
    group: 'Pool sweep',
    higherIsBetter: true,
    get: (c) => (c.error && c.tasks === 0 ? undefined : c.perSec),
  },
  {
    key: 'p50Ms',
    label: 'p50 (ms)',
    group: 'Pool sweep',
    higherIsBetter: false,
    get: (c) => (c.latency.count ? c.latency.p50Ms : undefined),
  },
  {
    key: 'p95Ms',
    label: 'p95 (ms)',
    group: 'Pool sweep',
    higherIsBetter: false,
    get: (c) => (c.latency.count ? c.latency.p95Ms : undefined),
  },
  {
    key: 'p99Ms',
    label: 'p99 (ms)',
    group: 'Pool sweep',
    higherIsBetter: false,
    get: (c) => (c.latency.count ? c.latency.p99Ms : undefined),
  },
  { key: 'errors', label: 'errors', group: 'Pool sweep', higherIsBetter: false, get: (c) => c.errors },
];

export const SOAK_FIGURES: Figure<SoakResult>[] = [
  { key: 'perSec', label: 'processing (/s)', group: 'Memory soak', higherIsBetter: true, get: (s) => s.perSec },
  { key: 'rssStartMiB', label: 'RSS start (MiB)', group: 'Memory soak', higherIsBetter: false, get: (s) => mib(s.rssStart) },
  { key: 'rssEndMiB', label: 'RSS end (MiB)', group: 'Memory soak', higherIsBetter: false, get: (s) => mib(s.rssEnd) },
  { key: 'heapUsedStartMiB', label: 'heap start (MiB)', group: 'Memory soak', higherIsBetter: false, get: (s) => mib(s.heapUsedStart) },
  { key: 'heapUsedEndMiB', label: 'heap end (MiB)', group: 'Memory soak', higherIsBetter: false, get: (s) => mib(s.heapUsedEnd) },
];

export function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}
