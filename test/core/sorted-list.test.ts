// SortedList (the NATS task view's indexes) against a plain sorted array: the same items in the
// same order, and the same slices, after any mix of inserts and deletes, across block splits and
// merges.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { SortedList } from '../../shared/core/sorted-list.js';

const descending = (a: number, b: number) => b - a;

it('keeps the order and answers slices from either end as a sorted array does', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 5000 })), { maxLength: 6000 }),
      fc.array(fc.tuple(fc.nat(6000), fc.integer({ min: 0, max: 60 })), { maxLength: 20 }),
      (ops, slices) => {
        const list = new SortedList<number>(descending);
        const model = new Set<number>();
        for (const [add, n] of ops) {
          if (add && !model.has(n)) {
            list.insert(n);
            model.add(n);
          } else if (!add) assert.equal(list.delete(n), model.delete(n));
        }
        const sorted = [...model].sort(descending);
        assert.equal(list.size, sorted.length);
        assert.deepEqual(list.toArray(), sorted);
        assert.equal(list.first(), sorted[0]);
        for (const [start, n] of slices) assert.deepEqual(list.slice(start, n), sorted.slice(start, start + n));
        for (let start = 0; start <= sorted.length; start += 97) assert.deepEqual(list.slice(start, 5), sorted.slice(start, start + 5));
      },
    ),
    { numRuns: 60 },
  );
});

it('holds a million items inserted in order and taken out from the other end', () => {
  const list = new SortedList<number>(descending);
  for (let i = 0; i < 1_000_000; i++) list.insert(i);
  assert.deepEqual(list.slice(999_998, 5), [1, 0]);
  assert.deepEqual(list.slice(0, 2), [999_999, 999_998]);
  for (let i = 0; i < 999_000; i++) list.delete(i);
  assert.equal(list.size, 1000);
  assert.deepEqual(list.slice(998, 5), [999_001, 999_000]);
});
