// runScale on SQLite (no server needed), at a tiny size: both measurements are made, the filled
// store is measured with every inspection call (the fill tasks looked up by id), and the namespace goes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runScale, toMarkdown, type BenchPhase } from '../../shared/bench/index.js';
import { inPrivateTmpdir } from '../helpers/private-tmpdir.js';

test('runScale measures the empty and the filled store and cleans up', async () => {
  const phases = new Set<BenchPhase>();
  // A temp folder of its own (TMPDIR): another benchmark's `sitq-bench-*` files in the shared /tmp
  // cannot fail the "file removed" check.
  const {
    result: r,
    seen,
    left,
  } = await inPrivateTmpdir((peek) =>
    runScale(
      { type: 'sqlite' },
      {
        waiting: 300,
        finished: 200,
        singleEnqueue: 20,
        tasks: 60,
        fillBatch: 100,
        onProgress: (p) => {
          phases.add(p.phase);
          peek();
        },
      },
    ),
  );
  assert.equal(r.kind, 'scale');
  assert.deepEqual([r.settings.waiting, r.settings.finished], [300, 200]);
  assert.deepEqual(r.errors, []);
  for (const m of [r.empty, r.full]) {
    assert.ok(m.enqueuePerSec > 0 && m.processingPerSec > 0);
    assert.ok(m.calls.every((c) => c.ms >= 0));
  }
  const names = r.full.calls.map((c) => c.call);
  for (const call of [
    'counts()',
    'listTasks pending first page',
    'listTasks pending last page',
    'listTasks succeeded last page',
    'getTask (a waiting fill task)',
    'getTask (a finished fill task)',
  ]) {
    assert.ok(names.includes(call), `${call} is timed on the filled store`);
  }
  assert.ok(!r.empty.calls.some((c) => c.call.includes('fill task')), 'no fill task exists while the store is empty');
  for (const phase of ['scale-empty', 'scale-fill', 'scale-full', 'cleanup'] as const)
    assert.ok(phases.has(phase), `progress for ${phase}`);
  const md = toMarkdown({
    kind: 'report',
    date: r.startedAt,
    machine: { hostname: 'h', platform: 'linux', arch: 'x64', cpuModel: 'c', cpus: 2, memoryBytes: 1, loadAverage: 0 },
    versions: { sitq: '0', node: 'v20', clients: {}, servers: {} },
    settings: undefined,
    results: [],
    skipped: [],
    sweeps: [],
    soaks: [],
    scales: [r],
  });
  assert.match(md, /### sqlite: 300 waiting \+ 200 finished/);
  assert.ok(
    [...seen].some((name) => /^sitq-bench-scale_.*\.db$/.test(name)),
    `the scale run wrote its SQLite file to the private temp folder (saw ${[...seen].join(', ') || 'nothing'})`,
  );
  assert.deepEqual(left, [], 'the scale file is removed');
});
