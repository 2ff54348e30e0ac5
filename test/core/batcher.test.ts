// The Batcher that coalesces a worker's completions: one flush per tick, and retries that keep
// going while the backend is down but resume quickly once it is back.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Batcher } from '../../shared/core/batcher.js';
import { ConfigurationError } from '../../shared/core/errors.js';

it('coalesces the calls of one tick into one flush, answering each in order', async () => {
  const flushes: number[][] = [];
  const b = new Batcher<number, string>({
    flush: async (items) => {
      flushes.push(items);
      return items.map((i) => `r${i}`);
    },
    onError: () => {},
  });
  assert.deepEqual(await Promise.all([b.add(1), b.add(2), b.add(3)]), ['r1', 'r2', 'r3']);
  assert.deepEqual(flushes, [[1, 2, 3]]);
});

it('retries a failed flush until it succeeds, the pause growing from 100 ms but never past 1 s', async () => {
  const triedAt: number[] = [];
  const errors: number[] = [];
  let failures = 6;
  const b = new Batcher<number, number>({
    flush: async (items) => {
      triedAt.push(Date.now());
      if (failures-- > 0) throw new Error('server down');
      return items;
    },
    onError: (_err, attempt) => errors.push(attempt),
  });
  assert.equal(await b.add(7), 7);
  assert.deepEqual(errors, [1, 2, 3, 4, 5, 6]);
  const pauses = triedAt.slice(1).map((at, i) => at - triedAt[i]);
  // 100, 200, 400, 800, then capped: 1000, 1000 (uncapped it would be 1600, 3200).
  assert.ok(pauses[0] >= 90, `first pause ${pauses[0]} ms`);
  for (const p of pauses.slice(4)) assert.ok(p >= 950 && p < 1500, `pause ${p} ms is not the 1 s cap (${pauses.join(', ')})`);
  await b.drain();
});

it('options: maxBatch bounds a flush; shouldRetry false gives up (the items reject with the error); a maxBatch below 1 is refused', async () => {
  const flushes: number[][] = [];
  const b = new Batcher<number, number>({
    flush: async (items) => {
      flushes.push(items);
      if (items.includes(9)) throw new Error('server closed');
      return items;
    },
    onError: () => {},
    maxBatch: 2,
    shouldRetry: (attempt) => attempt < 2,
  });
  assert.deepEqual(await Promise.all([1, 2, 3, 4, 5].map((i) => b.add(i))), [1, 2, 3, 4, 5]);
  assert.deepEqual(flushes, [[1, 2], [3, 4], [5]]);
  await assert.rejects(b.add(9), /server closed/);
  assert.deepEqual(flushes.slice(3), [[9], [9]], 'tried twice, then given up');
  assert.equal(await b.drain(), 1, 'one item given up');
  for (const maxBatch of [0, 1.5, Number.NaN])
    assert.throws(
      () => new Batcher<number, number>({ flush: async (items) => items, onError: () => {}, maxBatch }),
      (e: unknown) => e instanceof ConfigurationError && e.option === 'maxBatch',
    );
});
