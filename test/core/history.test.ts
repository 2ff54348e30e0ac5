// The history's histogram, period keys, query defaults and pruning (shared/core/history*.ts), on
// the memory backend; the counts under real workers are in test/conformance/history.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBackend } from '../../shared/backends/index.js';
import { ConfigurationError } from '../../shared/core/errors.js';
import {
  HISTOGRAM_LAST_BUCKET,
  HOUR_MS,
  MINUTE_MS,
  bucketOf,
  bucketUpperMs,
  emptyCounts,
  emptyHistogram,
  historyKey,
  histogramPercentile,
  mergeCounts,
  observe,
  readHistory,
  resolveHistoryQuery,
} from '../../shared/core/history.js';
import { HistoryWriter } from '../../shared/core/history-writer.js';
import { silentLogger } from '../../shared/core/logger.js';
import { percentile } from '../../shared/core/stats.js';

describe('history histogram', () => {
  it('a duration falls in the bucket whose bounds hold it; bounds grow by 2^(1/4)', () => {
    for (const ms of [0, 0.3, 1, 1.01, 2, 3, 10, 99.9, 1000, 12_345, 3_600_000]) {
      const b = bucketOf(ms);
      assert.ok(ms <= bucketUpperMs(b), `${ms} <= upper of ${b}`);
      if (b > 0) assert.ok(ms > bucketUpperMs(b - 1), `${ms} > upper of ${b - 1}`);
    }
    assert.equal(bucketOf(1e12), HISTOGRAM_LAST_BUCKET);
    assert.equal(bucketUpperMs(HISTOGRAM_LAST_BUCKET), Infinity);
  });

  it('percentiles of merged histograms: within 19 % above the exact nearest-rank value, never above max', () => {
    const samples = Array.from({ length: 5000 }, (_, i) => ((i * 7919) % 5000) / 10 + 0.5);
    const a = emptyHistogram();
    const b = emptyHistogram();
    samples.forEach((s, i) => observe(i % 2 ? a : b, s));
    const merged = emptyCounts();
    mergeCounts(merged, { ...emptyCounts(), duration: a });
    mergeCounts(merged, { ...emptyCounts(), duration: b });
    const sorted = [...samples].sort((x, y) => x - y);
    for (const p of [50, 95, 99, 100]) {
      const exact = percentile(sorted, p);
      const got = histogramPercentile(merged.duration, p);
      assert.ok(got >= exact && got <= exact * 1.19 + 1e-9, `p${p}: ${got} vs exact ${exact}`);
    }
    assert.equal(merged.duration.count, 5000);
    assert.equal(histogramPercentile(emptyHistogram(), 50), Number.NaN);
  });
});

describe('history query and pruning', () => {
  it('resolution follows since; bad fields are named; since is raised to retention', () => {
    const now = 1_000 * HOUR_MS;
    assert.equal(resolveHistoryQuery({ since: now - HOUR_MS }, now).resolution, 'minute');
    assert.equal(resolveHistoryQuery({ since: now - 48 * HOUR_MS }, now).resolution, 'hour');
    assert.equal(resolveHistoryQuery({ since: 0, resolution: 'hour' }, now).since, now - 14 * 24 * HOUR_MS);
    assert.throws(
      () => resolveHistoryQuery({ queue: 'a b' }),
      (e: unknown) => e instanceof ConfigurationError && /stats\.queue/.test(e.message),
    );
    assert.throws(() => resolveHistoryQuery({ resolution: 'day' as 'hour' }), /stats\.resolution/);
  });

  it('the writer deletes entries past retention; the read fills empty periods with zeros', async () => {
    const backend = createBackend({ type: 'memory', name: `history-prune-${process.pid}` });
    await backend.connect();
    try {
      const now = Date.now();
      const old = JSON.stringify({ ...emptyCounts(), succeeded: 1 });
      await backend.setState(historyKey('q', 'minute', now - 25 * HOUR_MS), old, 0);
      await backend.setState(historyKey('q', 'hour', now - 15 * 24 * HOUR_MS), old, 0);
      await backend.setState(historyKey('q', 'minute', now - 2 * MINUTE_MS), old, 0);
      const w = new HistoryWriter(backend, { logger: silentLogger, flushMs: 60_000 });
      w.record('q', 'succeeded', now, 5);
      assert.equal(await w.stop(), true);
      const keys = (await backend.listState('history/q/')).map((e) => e.key);
      assert.deepEqual(
        keys.sort(),
        [
          'history/q/all',
          historyKey('q', 'hour', now),
          historyKey('q', 'minute', now - 2 * MINUTE_MS),
          historyKey('q', 'minute', now),
        ].sort(),
      );
      const report = await readHistory(backend, { queue: 'q', since: now - 5 * MINUTE_MS });
      assert.equal(report.queues[0].points.length, 6);
      assert.deepEqual(
        report.queues[0].points.map((p) => p.succeeded),
        [0, 0, 0, 1, 0, 1],
      );
      assert.equal(report.queues[0].total.succeeded, 2);
    } finally {
      await backend.destroy();
      await backend.close();
    }
  });

  it('a backend that refuses writes: one warning for the outage, one when it is over, retries backing off, no count lost', async () => {
    const backend = createBackend({ type: 'memory', name: `history-outage-${process.pid}` });
    await backend.connect();
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (m: string) => warnings.push(m) };
    let refused = 0;
    const setState = backend.setState.bind(backend);
    let down = true;
    backend.setState = (key, value, version) =>
      down ? (refused++, Promise.reject(new Error('the backend is closed'))) : setState(key, value, version);
    try {
      const w = new HistoryWriter(backend, { logger, flushMs: 20 });
      w.record('q', 'succeeded', Date.now(), 5);
      // Retries back off from 20 ms (40, 80, 160, ...): in 700 ms a fixed 20 ms timer would try ~35 times.
      await new Promise((r) => setTimeout(r, 700));
      // Each flush writes three entries (the minute, its hour, the total).
      const flushes = refused / 3;
      assert.ok(flushes >= 2 && flushes <= 8, `${flushes} flushes tried while down`);
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0], /writing failed \(the backend is closed\)/);
      down = false;
      assert.equal(await w.stop(), true);
      assert.equal(warnings.length, 2, warnings.join('\n'));
      assert.match(warnings[1], /written again after \d+ failed attempt/);
      const report = await readHistory(backend, { queue: 'q', since: Date.now() - 5 * MINUTE_MS });
      assert.equal(report.queues[0].total.succeeded, 1);
    } finally {
      await backend.destroy();
      await backend.close();
    }
  });
});
