// `sitq stats` and `sitq metrics` as processes on SQLite: the history table and its --json series
// after a CLI enqueue and worker run, the printed Prometheus text, and `metrics --serve` scraped by
// a real Prometheus server (its target up, its query answering the run's counts).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { prometheusSkip, promtoolCheck, startPrometheus } from '../helpers/prometheus.js';
import { ANSI, SitqProcess, json, sitq, tempProject } from './run.js';

describe('sitq stats and sitq metrics (SQLite)', () => {
  const project = tempProject();
  const run = (...args: string[]) => sitq([...args, '--profile', 'it'], { cwd: project.dir, timeoutMs: 120_000 });

  before(async () => {
    writeFileSync(
      join(project.dir, 'sitq.config.json'),
      JSON.stringify({ defaultProfile: 'it', profiles: { it: { type: 'sqlite', path: join(project.dir, 'q.db') } } }),
    );
    assert.equal((await run('enqueue', 'sitq.echo', '{"n":1}', '--count', '40')).code, 0);
    assert.equal((await run('enqueue', 'sitq.fail', '{"times":99}', '--count', '3', '--max-attempts', '2', '--queue', 'risky')).code, 0);
    // --until-empty: the worker stops once nothing is left, which writes its history.
    const worker = await run('worker', '--queues', 'default,risky', '--until-empty', '--poll', '50ms');
    assert.equal(worker.code, 0, worker.all);
  });
  after(() => project.remove());

  it("stats: a row per queue with the run's counts; --queue adds the minutes; --json has the series", async () => {
    const table = await run('stats');
    assert.equal(table.code, 0, table.all);
    assert.doesNotMatch(table.all, ANSI);
    assert.match(table.stdout, /^QUEUE\s+ENQUEUED\s+SUCCEEDED\s+FAILED\s+RETRIED\s+DEAD\s+P50\s+P95\s+P99$/m);
    assert.match(table.stdout, /^default\s+40\s+40\s+0\s+0\s+0\s/m);
    // sitq.fail with 2 attempts: each task fails, is retried once, then is dead.
    assert.match(table.stdout, /^risky\s+3\s+0\s+6\s+3\s+3\s/m);
    const one = await run('stats', '--queue', 'risky');
    assert.equal(one.code, 0, one.all);
    assert.match(one.stdout, /^MINUTE\s+ENQUEUED/m);
    const report = json<{
      resolution: string;
      queues: {
        queue: string;
        points: { at: number; enqueued: number; succeeded: number }[];
        total: { succeeded: number; p50Ms: number | null };
      }[];
    }>(await run('stats', '--since', '2h', '--json'));
    assert.equal(report.resolution, 'minute');
    const d = report.queues.find((q) => q.queue === 'default');
    assert.ok(d);
    // Dense: every minute from the one two hours ago (rounded down) to the current one.
    assert.ok(d.points.length === 121 || d.points.length === 120, `${d.points.length} minutes`);
    assert.equal(
      d.points.reduce((n, p) => n + p.succeeded, 0),
      40,
    );
    assert.equal(d.total.succeeded, 40);
    assert.ok(d.total.p50Ms !== null && d.total.p50Ms >= 0);
    const days = json<{ resolution: string; queues: { points: unknown[] }[] }>(await run('stats', '--since', '3d', '--json'));
    assert.equal(days.resolution, 'hour');
    assert.ok(days.queues[0].points.length === 73 || days.queues[0].points.length === 72, `${days.queues[0].points.length} hours`);
    const bad = await run('stats', '--since', 'soon');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--since/);
  });

  it('metrics prints the exposition text, which promtool accepts', { skip: prometheusSkip() }, async () => {
    const r = await run('metrics');
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /^sitq_tasks_total\{queue="default",state="succeeded"\} 40$/m);
    // The worker has stopped: both queues it served say 0 workers.
    assert.match(r.stdout, /^sitq_queue_workers\{queue="default"\} 0$/m);
    assert.match(r.stdout, /^sitq_queue_workers\{queue="risky"\} 0$/m);
    const lint = promtoolCheck(r.stdout);
    assert.equal(lint.code, 0, lint.output);
  });

  it('metrics --serve is scraped by a real Prometheus server', { skip: prometheusSkip(), timeout: 180_000 }, async () => {
    const serve = new SitqProcess(['metrics', '--serve', '127.0.0.1:0', '--profile', 'it'], { cwd: project.dir, timeoutMs: 170_000 });
    try {
      await serve.waitFor(/sitq metrics: http:\/\/127\.0\.0\.1:\d+\/metrics/, 60_000);
      const address = /http:\/\/(127\.0\.0\.1:\d+)\/metrics/.exec(serve.stdout)![1];
      const prometheus = await startPrometheus({ address, metricsPath: '/metrics' });
      try {
        // Generous: the first scrape comes within a scrape interval of the start, later on a loaded machine.
        const deadline = Date.now() + 90_000;
        let target = await prometheus.target();
        while (target?.health !== 'up' && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 500));
          target = await prometheus.target();
        }
        assert.equal(target?.health, 'up', `target not up: ${target?.lastError}`);
        const succeeded = await prometheus.query('sitq_tasks_total{state="succeeded",queue="default"}');
        assert.deepEqual(
          succeeded.map((s) => s.value),
          [40],
        );
        const dead = await prometheus.query('sum(sitq_tasks_total{state="dead"})');
        assert.deepEqual(
          dead.map((s) => s.value),
          [3],
        );
        const p = await prometheus.query('histogram_quantile(0.5, sitq_task_duration_seconds_bucket{queue="default"})');
        assert.equal(p.length, 1);
        assert.ok(p[0].value >= 0 && p[0].value < 1, `median ${p[0].value} s`);
        assert.deepEqual(
          (await prometheus.query('sitq_backend_up')).map((s) => s.value),
          [1],
        );
        assert.deepEqual(
          (await prometheus.query('sitq_queue_workers{queue="risky"}')).map((s) => s.value),
          [0],
        );
      } finally {
        await prometheus.close();
      }
    } finally {
      serve.child.kill('SIGINT');
      const done = await serve.done;
      assert.equal(done.code, 0, done.all);
    }
  });
});
