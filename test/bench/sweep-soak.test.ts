// The pool sweep and the soak run on SQLite (no server needed); server sweeps are in servers.test.ts.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { BenchmarkAbortedError, runSoak, sweepPools, toCsv, toMarkdown } from '../../shared/bench/index.js';

const benchFiles = () => new Set(readdirSync(tmpdir()).filter((f) => f.startsWith('sitq-bench-')));

test('SQLite sweep: says there is no pool, measures the concurrency axis only', async () => {
  const before = benchFiles();
  const s = await sweepPools({ type: 'sqlite' }, { poolSizes: [1, 5], concurrencies: [1, 4], tasksPerCell: 50 });
  assert.equal(s.kind, 'sweep');
  assert.equal(s.option, undefined);
  assert.match(s.note, /no connection pool/);
  assert.deepEqual(s.cells.map((c) => [c.poolSize, c.concurrency, c.tasks, c.errors]), [[1, 1, 50, 0], [1, 4, 50, 0]]);
  for (const c of s.cells) assert.equal(c.latency.count, 50);
  assert.match(toMarkdown(s), /no connection pool/);
  assert.equal(toCsv(s).trim().split('\n').length, 3);
  assert.deepEqual(benchFiles(), before);
});

test('a sweep can be cancelled', async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(sweepPools({ type: 'sqlite' }, { signal: controller.signal }), BenchmarkAbortedError);
});

test('soak: the worker runs in its own process; memory sampled after warm-up, evenly, and at the end', async () => {
  const before = benchFiles();
  const s = await runSoak({ type: 'sqlite' }, { tasks: 1000, warmup: 100, samples: 4, backlog: 300 });
  assert.equal(s.kind, 'soak');
  assert.equal(s.tasks, 1000);
  assert.equal(s.succeeded, 1000, 'warm-up excluded');
  assert.deepEqual(s.samples.map((x) => x.processed), [0, 250, 500, 750, 1000]);
  assert.ok(s.rssStart > 0 && s.rssEnd > 0 && s.heapUsedStart > 0 && s.heapUsedEnd > 0);
  assert.equal(s.rssStart, s.samples[0].rss);
  assert.equal(s.heapUsedEnd, s.samples[4].heapUsed);
  assert.deepEqual(s.targets.map((t) => t.name), ['worker heap after GC, end - start', 'worker RSS growth, end vs start']);
  assert.match(toMarkdown(s), /## Soak \(worker memory\)/);
  assert.deepEqual(benchFiles(), before);
});
