// The Prometheus exporter (shared/metrics/prometheus.ts) and the dashboard host's /metrics: every
// name and value after a real run on SQLite, `promtool check metrics` on the text (Prometheus's own
// linter: names, units, types, _total on counters only), a backend that is down, and the token.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createBackend } from '../../shared/backends/index.js';
import type { Backend } from '../../shared/core/backend.js';
import { silentLogger } from '../../shared/core/logger.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { Worker } from '../../shared/core/worker.js';
import { PrometheusMetrics } from '../../shared/metrics/prometheus.js';
import { parseListenAddress } from '../../shared/metrics/serve.js';
import { workerInfo } from '../conformance/harness.js';
import { tempDashboard, type TempDashboard } from '../dashboard/helpers.js';
import { prometheusSkip, promtoolCheck } from '../helpers/prometheus.js';

const skip = prometheusSkip();

/** The value of one sample line (`name{labels} value`), or undefined when absent. */
export function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('Prometheus exporter on SQLite', { skip }, () => {
  let dir: string;
  let backend: Backend;
  let worker: Worker;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sitq-prom-'));
    backend = createBackend({ type: 'sqlite', path: join(dir, 'q.db') });
    await backend.connect();
    const q = new TaskQueue(backend, { logger: silentLogger });
    await q.enqueueMany(
      'sitq.echo',
      Array.from({ length: 30 }, (_, i) => i),
    );
    await q.enqueueMany('sitq.fail', [{ times: 99 }, { times: 99 }], { maxAttempts: 1, queue: 'risky' });
    await q.enqueue('sitq.echo', 'later', { queue: 'risky', delay: 3_600_000 });
    await q.flushHistory();
    worker = new Worker(backend, { queues: ['default', 'risky'], pollInterval: 50, logger: silentLogger });
    await worker.start();
    const deadline = Date.now() + 60_000;
    for (;;) {
      const counts = await backend.counts();
      const done = counts.reduce((n, c) => n + c.counts.succeeded + c.counts.dead, 0);
      if (done === 32) break;
      if (Date.now() > deadline) throw new Error(`tasks did not finish: ${JSON.stringify(counts)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // The worker's history reaches the store on its next flush; stop() writes it now (and a
    // stopped worker is no longer live, so sitq_workers is read before).
  });
  after(async () => {
    await worker.stop();
    await backend.destroy().catch(() => {});
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every metric, with the values of the run; promtool check metrics finds nothing', async () => {
    const metrics = new PrometheusMetrics(backend, { profile: 'local' });
    // A second worker (its heartbeat only) serving a queue that holds no task and one the first
    // serves too: per queue each counts under every queue it serves; sitq_workers counts each once.
    const other = workerInfo({ id: 'w-other', queues: ['idle', 'risky'] });
    await backend.heartbeat(other, 60_000);
    const live = await metrics.metrics();
    assert.equal(sample(live, 'sitq_workers'), 2);
    assert.equal(sample(live, 'sitq_queue_workers', 'queue="default"'), 1);
    assert.equal(sample(live, 'sitq_queue_workers', 'queue="risky"'), 2);
    assert.equal(sample(live, 'sitq_queue_workers', 'queue="idle"'), 1);
    assert.match(live, /^# TYPE sitq_queue_workers gauge$/m);
    const liveLint = promtoolCheck(live);
    assert.equal(liveLint.code, 0, liveLint.output);
    assert.equal(liveLint.output.trim(), '');
    await backend.removeWorker(other.id);
    await worker.stop();
    const text = await metrics.metrics();
    const lint = promtoolCheck(text);
    assert.equal(lint.code, 0, lint.output);
    assert.equal(lint.output.trim(), '');
    for (const name of [
      'sitq_tasks_total',
      'sitq_queue_tasks',
      'sitq_task_duration_seconds',
      'sitq_queue_lag_seconds',
      'sitq_workers',
      'sitq_queue_workers',
      'sitq_backend_up',
      'sitq_backend_health_score',
      'sitq_backend_response_time_seconds',
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
    assert.match(text, /^# TYPE sitq_tasks_total counter$/m);
    assert.match(text, /^# TYPE sitq_task_duration_seconds histogram$/m);
    assert.equal(sample(text, 'sitq_tasks_total', 'queue="default",state="enqueued"'), 30);
    assert.equal(sample(text, 'sitq_tasks_total', 'queue="default",state="succeeded"'), 30);
    assert.equal(sample(text, 'sitq_tasks_total', 'queue="risky",state="enqueued"'), 3);
    assert.equal(sample(text, 'sitq_tasks_total', 'queue="risky",state="failed"'), 2);
    assert.equal(sample(text, 'sitq_tasks_total', 'queue="risky",state="dead"'), 2);
    assert.equal(sample(text, 'sitq_tasks_total', 'queue="risky",state="retried"'), 0);
    assert.equal(sample(text, 'sitq_queue_tasks', 'queue="risky",state="delayed"'), 1);
    assert.equal(sample(text, 'sitq_queue_tasks', 'queue="default",state="succeeded"'), 30);
    assert.equal(sample(text, 'sitq_task_duration_seconds_count', 'queue="default"'), 30);
    assert.equal(sample(text, 'sitq_task_duration_seconds_bucket', 'le="+Inf",queue="default"'), 30);
    // Cumulative buckets never decrease.
    const buckets = text
      .split('\n')
      .filter((l) => l.startsWith('sitq_task_duration_seconds_bucket{') && l.includes('queue="default"'))
      .map((l) => Number(l.split(' ')[1]));
    assert.ok(buckets.length === 23 && buckets.every((v, i) => i === 0 || v >= buckets[i - 1]), buckets.join(' '));
    assert.equal(sample(text, 'sitq_queue_lag_seconds', 'queue="default"'), 0);
    assert.equal(sample(text, 'sitq_workers'), 0);
    // A queue with tasks and no live worker says 0 (what an alert on "nobody serves it" looks for);
    // one with neither drops out.
    assert.equal(sample(text, 'sitq_queue_workers', 'queue="default"'), 0);
    assert.equal(sample(text, 'sitq_queue_workers', 'queue="risky"'), 0);
    assert.equal(sample(text, 'sitq_queue_workers', 'queue="idle"'), undefined);
    assert.equal(sample(text, 'sitq_backend_up'), 1);
    assert.equal(sample(text, 'sitq_backend_health_score'), 100);
  });

  it('a backend that is down: sitq_backend_up 0, the score falls, the text still passes promtool', async () => {
    const down = createBackend({ type: 'redis', host: '127.0.0.1', port: 1, connectTimeout: 300 });
    const metrics = new PrometheusMetrics(down, { profile: 'down', timeoutMs: 2000 });
    try {
      const text = await metrics.metrics();
      assert.equal(sample(text, 'sitq_backend_up'), 0);
      assert.equal(sample(text, 'sitq_backend_health_score'), 50);
      assert.equal(sample(text, 'sitq_tasks_total', 'queue="default",state="enqueued"'), undefined);
      const lint = promtoolCheck(text);
      assert.equal(lint.code, 0, lint.output);
    } finally {
      await down.close();
    }
  });

  it('--serve addresses: HOST:PORT, :PORT (every interface), PORT (loopback); others are named errors', () => {
    assert.deepEqual(parseListenAddress('127.0.0.1:9464'), { host: '127.0.0.1', port: 9464 });
    assert.deepEqual(parseListenAddress(':9464'), { host: '0.0.0.0', port: 9464 });
    assert.deepEqual(parseListenAddress('9464'), { host: '127.0.0.1', port: 9464 });
    assert.deepEqual(parseListenAddress('[::1]:9464'), { host: '::1', port: 9464 });
    assert.throws(() => parseListenAddress('127.0.0.1:99999'), /--serve/);
    assert.throws(() => parseListenAddress('http://x'), /--serve/);
  });
});

describe('dashboard host /metrics', { skip }, () => {
  let t: TempDashboard;
  before(async () => {
    t = await tempDashboard();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      join(t.dir, 'sitq.config.json'),
      JSON.stringify({ defaultProfile: 'local', profiles: { local: { type: 'sqlite', path: join(t.dir, 'q.db') } } }),
    );
  });
  after(() => t.close());

  it('answers with the token (in the path, or as a bearer credential); refuses without it', async () => {
    const base = `http://127.0.0.1:${t.dashboard.port}`;
    // The config file was written after the start: the service reads it within its watch interval.
    let r: Response | undefined;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      r = await fetch(`${base}/${t.dashboard.token}/metrics`);
      if (r.status === 200) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    const text = (await r?.text()) ?? '';
    assert.equal(r?.status, 200, text);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.equal(sample(text, 'sitq_backend_up'), 1);
    assert.equal(promtoolCheck(text).code, 0);
    const bearer = await fetch(`${base}/metrics`, { headers: { Authorization: `Bearer ${t.dashboard.token}` } });
    assert.equal(bearer.status, 200);
    assert.equal((await fetch(`${base}/metrics`)).status, 403);
    assert.equal((await fetch(`${base}/metrics`, { headers: { Authorization: 'Bearer wrong' } })).status, 403);
    assert.equal((await fetch(`${base}/wrong-token/metrics`)).status, 403);
    const unknown = await fetch(`${base}/${t.dashboard.token}/metrics?profile=nope`);
    assert.equal(unknown.status, 503);
  });
});
