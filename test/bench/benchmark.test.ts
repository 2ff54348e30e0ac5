// runBenchmark on SQLite (no server needed): counts, warm-up exclusion, cancellation, cleanup,
// and that a profile's own data is never touched.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createBackend } from '../../shared/backends/index.js';
import { BenchmarkAbortedError, runBenchmark, type BenchPhase } from '../../shared/bench/index.js';
import { TaskQueue } from '../../shared/core/queue.js';

const SMALL = { tasks: 300, warmup: 40, singleEnqueue: 100, batchSize: 50, idleSamples: 20, idleGapMs: 0 };

const benchFiles = () => new Set(readdirSync(tmpdir()).filter((f) => f.startsWith('sitq-bench-')));

test('counts cover the measured tasks only; warm-up tasks appear nowhere', async () => {
  const before = benchFiles();
  const phases: BenchPhase[] = [];
  const r = await runBenchmark({ type: 'sqlite' }, SMALL, { onProgress: (p) => phases.push(p.phase) });
  assert.equal(r.kind, 'benchmark');
  assert.equal(r.backend, 'sqlite');
  assert.equal(r.enqueue.single.tasks, 100);
  assert.equal(r.enqueue.single.latency.count, 100);
  assert.equal(r.enqueue.batch.tasks, 200);
  assert.equal(r.enqueue.batch.batchSize, 50);
  assert.equal(r.processing.tasks, 300, 'processing counts the 300 measured tasks, not the 40 warm-up ones');
  assert.equal(r.processing.toStart.count, 300);
  assert.equal(r.processing.toFinish.count, 300);
  assert.equal(r.succeeded, 300);
  assert.equal(r.failed, 0);
  assert.equal(r.successRate, 1);
  assert.equal(r.idle.toStart.count, 20);
  assert.equal(r.idle.toFinish.count, 20);
  assert.equal(r.idle.enqueueCall.count, 20);
  assert.ok(r.idle.enqueueCall.p50Ms <= r.idle.toStart.maxMs);
  assert.deepEqual(r.errors, []);
  assert.ok(r.processing.perSec > 0 && r.enqueue.single.perSec > 0 && r.enqueue.batch.perSec > 0);
  assert.ok(r.idle.toStart.p50Ms <= r.idle.toStart.p99Ms && r.idle.toStart.p99Ms <= r.idle.toStart.maxMs);
  assert.ok(r.floor && r.floor.tasks === 300 && r.floor.runsPerSec?.length === 1);
  assert.equal(r.floorRatio, Math.round((r.processing.perSec / r.floor.perSec) * 1000) / 1000);
  assert.equal(r.rounds.length, 1);
  assert.equal(r.rounds[0].succeeded, 300);
  assert.ok(
    r.enqueueFloor && r.enqueueFloor.tasks === 100 && r.enqueueFloor.latency.count === 100 && r.enqueueFloor.perSec > 0,
    'the raw enqueue floor writes as many tasks as the one-by-one enqueue',
  );
  assert.equal(r.enqueueFloorRatio, Math.round((r.enqueue.single.perSec / r.enqueueFloor.perSec) * 1000) / 1000);
  assert.equal(r.rounds[0].enqueueFloorPerSec, r.enqueueFloor.perSec);
  assert.deepEqual(
    r.targets.map((t) => t.name),
    ['processing rate vs raw floor', 'enqueue 1-by-1 vs raw enqueue floor', 'idle enqueue-to-start p50', 'idle enqueue-to-start p99 / p50'],
  );
  for (const phase of [
    'connect',
    'floor',
    'enqueue-floor',
    'warmup',
    'enqueue-single',
    'enqueue-batch',
    'processing',
    'idle-latency',
    'cleanup',
  ] as const) {
    assert.ok(phases.includes(phase), `progress reported for ${phase}`);
  }
  assert.deepEqual(benchFiles(), before, 'temp files of the run and the floor are removed');
});

test('several rounds: each round counts its own tasks; headline rates are the median round, the ratio the median ratio', async () => {
  const r = await runBenchmark({ type: 'sqlite' }, { ...SMALL, tasks: 120, singleEnqueue: 20, rounds: 3, idleSamples: 5 });
  assert.equal(r.rounds.length, 3);
  for (const round of r.rounds) assert.equal(round.succeeded, 120);
  assert.equal(r.succeeded, 360);
  assert.equal(r.failed, 0);
  assert.equal(r.successRate, 1);
  assert.equal(r.processing.tasks, 120, 'the median round, not the sum');
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
  assert.equal(r.processing.perSec, median(r.rounds.map((x) => x.processingPerSec)));
  assert.equal(r.enqueue.single.perSec, median(r.rounds.map((x) => x.singleEnqueuePerSec)));
  assert.equal(r.floor?.perSec, median(r.rounds.map((x) => x.floorPerSec ?? 0)));
  assert.deepEqual(
    r.floor?.runsPerSec,
    r.rounds.map((x) => x.floorPerSec),
  );
  assert.equal(r.floorRatio, Math.round(median(r.rounds.map((x) => x.processingPerSec / (x.floorPerSec ?? 1))) * 1000) / 1000);
});

test('warm-up 0 and floor off: still exact counts, no floor figures', async () => {
  const r = await runBenchmark({ type: 'sqlite' }, { ...SMALL, warmup: 0, floor: false, idleSamples: 0 });
  assert.equal(r.processing.tasks, 300);
  assert.equal(r.succeeded, 300);
  assert.equal(r.floor, undefined);
  assert.equal(r.floorRatio, undefined);
  assert.equal(r.enqueueFloor, undefined);
  assert.equal(r.enqueueFloorRatio, undefined);
  assert.equal(r.idle.toStart.count, 0);
  assert.equal(r.targets[0].met, undefined, 'not measured is neither met nor missed');
});

test('cancelling mid-run rejects with BenchmarkAbortedError and still cleans up', async () => {
  const before = benchFiles();
  const controller = new AbortController();
  const run = runBenchmark(
    { type: 'sqlite' },
    { ...SMALL, tasks: 5000 },
    {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'enqueue-batch') controller.abort();
      },
    },
  );
  await assert.rejects(run, BenchmarkAbortedError);
  assert.deepEqual(benchFiles(), before);
});

test('an already aborted signal rejects before anything is created', async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(runBenchmark({ type: 'sqlite' }, SMALL, { signal: controller.signal }), BenchmarkAbortedError);
});

test("the profile's own database file is never opened or changed", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sitq-user-'));
  const path = join(dir, 'user.db');
  try {
    const user = createBackend({ type: 'sqlite', path });
    await user.connect();
    await new TaskQueue(user).enqueue('user.task', { keep: true });
    await user.close();
    const hash = () => createHash('sha256').update(readFileSync(path)).digest('hex');
    const before = hash();
    const r = await runBenchmark({ type: 'sqlite', path }, { ...SMALL, floor: false });
    assert.notEqual(r.namespace, path);
    assert.equal(hash(), before);
    assert.equal(existsSync(`${path}-wal`) && readFileSync(`${path}-wal`).length > 0, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad options are a ConfigurationError naming the option', async () => {
  await assert.rejects(runBenchmark({ type: 'sqlite' }, { tasks: 0 }), /benchmark\.tasks/);
  await assert.rejects(runBenchmark({ type: 'sqlite' }, { concurrency: 1.5 }), /benchmark\.concurrency/);
  await assert.rejects(runBenchmark({ type: 'sqlite' }, { nope: 1 } as never), /benchmark\.nope/);
});
