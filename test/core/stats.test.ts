import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { percentile } from '../../shared/core/stats.js';

describe('percentile (nearest rank)', () => {
  it('is always a real sample', () => {
    assert.ok(Number.isNaN(percentile([], 95)));
    assert.equal(percentile([5], 95), 5);
    assert.equal(
      percentile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        95,
      ),
      95,
    );
    assert.equal(percentile([1, 2, 3, 4], 50), 2);
    assert.equal(percentile([1, 2, 3, 4], 100), 4);
    assert.equal(percentile([1, 2, 3, 4], 0), 1);
    assert.throws(() => percentile([1], 101), RangeError);
  });
});
