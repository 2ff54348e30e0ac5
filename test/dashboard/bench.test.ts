// Benchmarks through the protocol: progress pushed while running, cancel, one run at a time,
// exports in three formats, a saved report imported back and compared.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type { ProtocolClient } from '../../shared/protocol/client.js';
import type { BenchRunSummary } from '../../shared/protocol/bench.js';
import { connectClient, eventually, tempDashboard, type TempDashboard } from './helpers.js';

describe('benchmarks over the protocol (SQLite)', () => {
  let t: TempDashboard;
  let client: ProtocolClient;
  const runs = new Map<string, BenchRunSummary>();

  before(async () => {
    t = await tempDashboard();
    client = await connectClient(t.dashboard);
    client.on('bench', ({ run }) => runs.set(run.id, run));
    await client.request('profiles.save', {
      draft: { name: 'local', kind: 'sqlite', options: { path: join(t.dir, 'q.db') }, secrets: {} },
    });
  });
  after(async () => {
    client.close();
    await t.close();
  });
  // A test that fails mid-run must not leave its run going: the next one would get ConflictError
  // ("already running") instead of its own result.
  afterEach(async () => {
    const running = (await client.request('bench.list', {})).filter((r) => r.state === 'running');
    for (const r of running) await client.request('bench.cancel', { id: r.id });
    await eventually(
      'no benchmark running',
      async () => (await client.request('bench.list', {})).every((r) => r.state !== 'running'),
      120_000,
      200,
    );
  });

  it('pushes progress, refuses a second run, and cancels', { timeout: 300_000 }, async () => {
    // Generous ceilings: on a loaded machine the first progress and the cancel take their time.
    const run = await client.request('bench.start', {
      profiles: ['local'],
      options: { tasks: 2_000_000, floor: false, warmup: 0, idleSamples: 0 },
      sweep: false,
    });
    assert.equal(run.state, 'running');
    await eventually('a progress event', () => runs.get(run.id)?.progress?.done, 120_000);
    await assert.rejects(client.request('bench.start', { profiles: ['local'], options: {}, sweep: false }), /already running/);
    await client.request('bench.cancel', { id: run.id });
    const final = await eventually(
      'the cancelled state',
      () => (runs.get(run.id)?.state === 'cancelled' ? runs.get(run.id) : undefined),
      120_000,
    );
    assert.ok(final.finishedAt);
  });

  it('exports a finished run as JSON, CSV and Markdown, and compares it with itself imported', { timeout: 300_000 }, async () => {
    const run = await client.request('bench.start', {
      profiles: ['local'],
      options: { tasks: 200, floor: false, idleSamples: 20, warmup: 20 },
      sweep: false,
    });
    await eventually('the run to finish', () => runs.get(run.id)?.state === 'done', 240_000);
    const json = await client.request('bench.export', { id: run.id, format: 'json' });
    assert.match(json.filename, /\.json$/);
    assert.equal(JSON.parse(json.content).kind, 'report');
    const csv = await client.request('bench.export', { id: run.id, format: 'csv' });
    assert.match(csv.content.split('\n')[1], /^local,sqlite,/);
    const md = await client.request('bench.export', { id: run.id, format: 'markdown' });
    assert.match(md.content, /\| local /);
    const imported = await client.request('bench.import', { json: json.content });
    const comparison = await client.request('bench.compare', { id: imported.id, earlierId: run.id });
    assert.ok(comparison.changes.some((c) => c.figure === 'processing.perSec' && c.changePct === 0));
    await assert.rejects(client.request('bench.import', { json: '{"kind":"nope"}' }), /benchmark result/);
  });
});
