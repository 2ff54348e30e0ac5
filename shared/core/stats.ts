/**
 * Nearest-rank percentile of an ascending-sorted array (p in 0..100): the smallest sample with at
 * least p% of the samples at or below it — always a real sample, so p100 = max and p50 of
 * [1,2,3,4] = 2. NaN for an empty array. Shared by health metrics and the benchmark harness.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sorted[rank - 1];
}
