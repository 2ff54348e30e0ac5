// Summaries of measured durations. Percentiles use the nearest-rank method: p-th percentile =
// the smallest sample with at least p% of the samples at or below it (always a real sample,
// never an interpolation), so p100 = max and p50 of [1,2,3,4] = 2.
import { percentile } from '../core/stats.js';
import type { LatencySummary, RateFigure } from './types.js';

export { percentile };

/** Summarises samples (ms). The input is not modified. An empty input gives count 0 and zeros
 *  (not NaN, which JSON cannot carry): read `count` first. */
export function summarize(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples as ArrayLike<number>).sort();
  const n = sorted.length;
  if (n === 0) return { count: 0, minMs: 0, meanMs: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0 };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  return {
    count: n,
    minMs: round3(sorted[0]),
    meanMs: round3(sum / n),
    p50Ms: round3(percentile(sorted, 50)),
    p95Ms: round3(percentile(sorted, 95)),
    p99Ms: round3(percentile(sorted, 99)),
    maxMs: round3(sorted[n - 1]),
  };
}

export function rate(tasks: number, durationMs: number): RateFigure {
  return { tasks, durationMs: round3(durationMs), perSec: durationMs > 0 ? Math.round((tasks * 1000) / durationMs) : 0 };
}

/** Three decimals: microseconds for ms figures, without float noise in the JSON. */
export function round3(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1000) / 1000 : x;
}

/** A growable list of numbers kept in a typed array (no per-sample object). */
export class Samples {
  private data: Float64Array;
  private n = 0;
  constructor(capacity = 1024) {
    this.data = new Float64Array(Math.max(16, capacity));
  }
  push(x: number): void {
    if (this.n === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.n++] = x;
  }
  get length(): number {
    return this.n;
  }
  values(): Float64Array {
    return this.data.subarray(0, this.n);
  }
  summary(): LatencySummary {
    return summarize(this.values());
  }
}
