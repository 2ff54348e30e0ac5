// The pool sweep and the soak run on SQLite (no server needed); server sweeps are in servers.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BenchmarkAbortedError, runSoak, sweepPools, toCsv, toMarkdown, WORKER_NODE_FLAGS } from '../../shared/bench/index.js';
import { inPrivateTmpdir } from '../helpers/private-tmpdir.js';

// Each run gets a temp folder of its own (TMPDIR), so another benchmark on the machine writing
// `sitq-bench-*` files to the shared /tmp cannot fail the "nothing left behind" checks.
const isBenchDb = (name: string) => /^sitq-bench-.*\.db$/.test(name);

test('SQLite sweep: says there is no pool, measures the concurrency axis only', async () => {
  const {
    result: s,
    seen,
    left,
  } = await inPrivateTmpdir((peek) =>
    sweepPools({ type: 'sqlite' }, { poolSizes: [1, 5], concurrencies: [1, 4], tasksPerCell: 50, onProgress: peek }),
  );
  assert.equal(s.kind, 'sweep');
  assert.equal(s.option, undefined);
  assert.match(s.note, /no connection pool/);
  assert.deepEqual(
    s.cells.map((c) => [c.poolSize, c.concurrency, c.tasks, c.errors]),
    [
      [1, 1, 50, 0],
      [1, 4, 50, 0],
    ],
  );
  for (const c of s.cells) assert.equal(c.latency.count, 50);
  assert.match(toMarkdown(s), /no connection pool/);
  assert.equal(toCsv(s).trim().split('\n').length, 3);
  assert.ok(
    [...seen].some(isBenchDb),
    `the sweep wrote its SQLite file to the private temp folder (saw ${[...seen].join(', ') || 'nothing'})`,
  );
  assert.deepEqual(left, [], 'the sweep leaves no file behind');
});

test('a sweep can be cancelled', async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(sweepPools({ type: 'sqlite' }, { signal: controller.signal }), BenchmarkAbortedError);
});

test('soak: the worker runs in its own process; memory sampled after warm-up, evenly, and at the end', async () => {
  const {
    result: s,
    seen,
    left,
  } = await inPrivateTmpdir((peek) =>
    runSoak({ type: 'sqlite' }, { tasks: 1000, warmup: 100, samples: 4, backlog: 300, onProgress: peek }),
  );
  assert.equal(s.kind, 'soak');
  assert.equal(s.tasks, 1000);
  assert.equal(s.succeeded, 1000, 'warm-up excluded');
  assert.deepEqual(
    s.samples.map((x) => x.processed),
    [0, 250, 500, 750, 1000],
  );
  assert.ok(s.rssStart > 0 && s.rssEnd > 0 && s.heapUsedStart > 0 && s.heapUsedEnd > 0);
  assert.equal(s.rssStart, s.samples[0].rss);
  assert.equal(s.heapUsedEnd, s.samples[4].heapUsed);
  assert.deepEqual(
    s.targets.map((t) => t.name),
    ['worker heap after GC, end - start', 'worker RSS growth, end vs start'],
  );
  assert.match(toMarkdown(s), /## Soak \(worker memory\)/);
  // The worker process ran with the flags sitq gives its own worker processes, and says so.
  assert.deepEqual(s.workerNodeFlags, [...WORKER_NODE_FLAGS]);
  assert.match(toMarkdown(s), /\| sqlite \| `--max-semi-space-size=1` \| 1,000 \|/);
  assert.ok(
    [...seen].some(isBenchDb),
    `the soak wrote its SQLite file to the private temp folder (saw ${[...seen].join(', ') || 'nothing'})`,
  );
  assert.deepEqual(left, [], 'the soak leaves no file behind');
});
