// Task ids: 28 hex digits, unique, and in creation order within a process (the random part comes
// from a pool refilled 4 KiB at a time, so many ids cross a refill here).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newTaskId } from '../../shared/core/ids.js';

test('ids are 28 hex digits, unique and sorted by creation across pool refills', () => {
  const ids = Array.from({ length: 5000 }, () => newTaskId());
  for (const id of ids) assert.match(id, /^[0-9a-f]{28}$/);
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual([...ids].sort(), ids);
  // The random tails differ (not one value repeated from a stale pool).
  assert.ok(new Set(ids.map((id) => id.slice(16))).size > 4990);
});
