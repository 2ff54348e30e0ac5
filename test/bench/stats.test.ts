import assert from 'node:assert/strict';
import { test } from 'node:test';
import { percentile, summarize } from '../../shared/bench/stats.js';

test('percentile uses the nearest rank on sorted data', () => {
  const data = Float64Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
  assert.equal(percentile(data, 50), 50);
  assert.equal(percentile(data, 95), 95);
  assert.equal(percentile(data, 99), 99);
  assert.equal(percentile(data, 100), 100);
  assert.equal(percentile(data, 0), 1);
  assert.equal(percentile([1, 2, 3, 4], 50), 2);
  assert.equal(percentile([1, 2, 3, 4], 51), 3);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.throws(() => percentile([1], 101), RangeError);
});

test('summarize sorts a copy and reports min, mean, p50/p95/p99, max', () => {
  const samples = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
  const before = [...samples];
  const s = summarize(samples);
  assert.deepEqual(samples, before, 'input untouched');
  assert.deepEqual(s, { count: 10, minMs: 1, meanMs: 5.5, p50Ms: 5, p95Ms: 10, p99Ms: 10, maxMs: 10 });
});

test('summarize of 1000 known samples: a long tail shows in p99 and max only', () => {
  const samples = Array.from({ length: 1000 }, (_, i) => (i < 990 ? 1 : 100));
  const s = summarize(samples);
  assert.equal(s.p50Ms, 1);
  assert.equal(s.p95Ms, 1);
  assert.equal(s.p99Ms, 1);
  assert.equal(s.maxMs, 100);
  assert.equal(summarize(samples.map((x, i) => (i < 980 ? 1 : 100))).p99Ms, 100);
});

test('summarize of nothing gives count 0 and zeros (JSON-safe)', () => {
  const s = summarize([]);
  assert.equal(s.count, 0);
  assert.equal(JSON.stringify(s), '{"count":0,"minMs":0,"meanMs":0,"p50Ms":0,"p95Ms":0,"p99Ms":0,"maxMs":0}');
});
