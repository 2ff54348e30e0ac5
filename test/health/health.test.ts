// Health checks and the monitor, against real backends: a SQLite file, the three servers, closed
// ports and a server that accepts connections but never answers.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createBackend, type BackendConfig } from '../../shared/backends/index.js';
import type { Backend } from '../../shared/core/backend.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { checkHealth, healthScore, HealthMonitor, type HealthReport, type StatusChange } from '../../shared/health/index.js';
import { newTask, workerInfo } from '../conformance/harness.js';
import { serverSkip } from '../helpers/servers.js';
import { serverConfigs } from './configs.js';
import { RedisProcess, redisServerSkip } from '../ha/redis-servers.js';
import { sitq } from '../cli/run.js';

const skips = { postgres: await serverSkip('postgres'), redis: await serverSkip('redis'), nats: await serverSkip('nats') };
const dir = mkdtempSync(join(tmpdir(), 'sitq-health-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
/** Tests that assert `healthy` use this threshold: on a busy machine one ping may exceed 1 s. */
const RELAXED = 10_000;
const sqliteConfig = (): BackendConfig => ({ type: 'sqlite', path: join(dir, `${randomBytes(4).toString('hex')}.db`) });

async function withBackend<T>(config: BackendConfig, fn: (b: Backend) => Promise<T>): Promise<T> {
  const backend = createBackend(config);
  await backend.connect();
  try {
    return await fn(backend);
  } finally {
    await backend.destroy().catch(() => {});
    await backend.close();
  }
}

/** A real backend whose ping is slowed down or made to fail, to drive statuses. */
function tamper(backend: Backend, behaviour: { delayMs?: number; failTimes?: number }): Backend {
  let calls = 0;
  return new Proxy(backend, {
    get(target, prop, receiver) {
      if (prop === 'ping') {
        return async () => {
          calls++;
          if (behaviour.failTimes && calls <= behaviour.failTimes) throw new Error(`ping ${calls} failed on purpose`);
          if (behaviour.delayMs) await new Promise((r) => setTimeout(r, behaviour.delayMs));
          return target.ping();
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A TCP server that accepts connections and never says a word. */
async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe('checkHealth', () => {
  it('reports status, version, queue counts, lag, live workers and dead tasks (SQLite)', async () => {
    const config = sqliteConfig();
    await withBackend(config, async (backend) => {
      const old = Date.now() - 5000;
      await backend.enqueue([newTask({ enqueuedAt: old, runAt: old }), newTask(), newTask({ queue: 'mail' }), newTask({ queue: 'mail' })]);
      const [claimed] = await backend.claim({ workerId: 'w-1', queues: ['mail'], max: 1, leaseMs: 30_000 });
      await backend.complete([{ lease: claimed.lease, outcome: 'dead', error: { name: 'Error', message: 'x' }, finishedAt: Date.now() }]);
      await backend.heartbeat(workerInfo({ id: 'w-1', queues: ['default', 'mail'] }), 30_000);
      await new TaskQueue(backend).pauseQueue('mail');

      const report = await checkHealth(config, { profile: 'local', slowThresholdMs: RELAXED });
      assert.equal(report.status, 'healthy', report.error);
      assert.equal(report.profile, 'local');
      assert.equal(report.kind, 'sqlite');
      assert.match(report.serverVersion ?? '', /SQLite/);
      assert.ok(report.responseTimeMs >= 0);
      assert.ok(report.connectTimeMs !== undefined);
      assert.equal(report.deadTasks, 1);
      assert.equal(report.liveWorkers, 1);
      assert.deepEqual({ ...report.liveWorkersByQueue }, { default: 1, mail: 1 });
      assert.ok(report.oldestPendingAgeMs >= 4900, String(report.oldestPendingAgeMs));
      const byQueue = Object.fromEntries(report.queues.map((q) => [q.queue, q.counts]));
      assert.equal(byQueue.default.pending, 2);
      assert.equal(byQueue.mail.pending, 1);
      assert.equal(byQueue.mail.dead, 1);
      // Which queue is paused, as TaskQueue.counts() says (a paused queue's backlog is expected).
      assert.deepEqual(
        report.queues.map((q) => [q.queue, q.paused]),
        [
          ['default', false],
          ['mail', true],
        ],
      );
      assert.ok(report.nodes.length >= 1 && report.nodes[0].reachable);
      assert.ok(report.checkedAt <= Date.now());
    });
  });

  it('is degraded when the ping is slower than slowThresholdMs (default 1000)', async () => {
    await withBackend(sqliteConfig(), async (backend) => {
      const fast = await checkHealth(backend, { slowThresholdMs: RELAXED });
      assert.equal(fast.status, 'healthy');
      const slow = await checkHealth(tamper(backend, { delayMs: 60 }), { slowThresholdMs: 20 });
      assert.equal(slow.status, 'degraded');
      assert.equal(slow.slow, true);
      assert.ok(slow.responseTimeMs >= 55);
      assert.match(slow.warnings.join(), /slow above 20 ms/);
      // a check given a Backend leaves it open
      await backend.ping();
    });
  });

  it('an error becomes unhealthy with the reason; it never throws', async () => {
    await withBackend(sqliteConfig(), async (backend) => {
      const report = await checkHealth(tamper(backend, { failTimes: 1 }));
      assert.equal(report.status, 'unhealthy');
      assert.match(report.error ?? '', /ping 1 failed on purpose/);
    });
    const invalid = await checkHealth({ type: 'redis', port: 99999 } as BackendConfig);
    assert.equal(invalid.status, 'unhealthy');
    assert.match(invalid.error ?? '', /port/);
  });

  for (const [kind, config] of Object.entries(serverConfigs.unreachable())) {
    it(`${kind} on a closed port: unhealthy within the connect timeout, with the reason`, async () => {
      const t0 = Date.now();
      const report = await checkHealth(config, { timeoutMs: 3000 });
      assert.equal(report.status, 'unhealthy');
      assert.ok(report.error && report.error.length > 0);
      assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
    });
  }

  for (const kind of ['postgres', 'redis', 'nats'] as const) {
    it(`${kind} that accepts and never answers: unhealthy when the check's timeout ends`, async () => {
      const silent = await silentServer();
      try {
        const t0 = Date.now();
        const report = await checkHealth(serverConfigs.atPort(kind, silent.port, 20_000), { timeoutMs: 600 });
        const took = Date.now() - t0;
        assert.equal(report.status, 'unhealthy');
        assert.ok(took < 1500, `took ${took} ms`);
        assert.ok(report.error, 'has a reason');
      } finally {
        await silent.close();
      }
    });
  }

  for (const kind of ['postgres', 'redis', 'nats'] as const) {
    it(`${kind}: healthy against the real server, with its version`, { skip: skips[kind] }, async () => {
      const config = serverConfigs.fresh(kind);
      await withBackend(config, async (backend) => {
        await backend.enqueue([newTask(), newTask({ queue: 'other' })]);
        const report = await checkHealth(config, { profile: kind, slowThresholdMs: RELAXED });
        assert.equal(report.status, 'healthy', report.error);
        assert.equal(report.kind, kind);
        assert.ok(report.serverVersion && report.serverVersion.length > 0);
        assert.equal(
          report.queues.reduce((n, q) => n + q.counts.pending, 0),
          2,
        );
        assert.ok(report.nodes.some((n) => n.serving));
      });
    });
  }
});

describe('Redis persistence (private redis-server processes)', { skip: redisServerSkip() }, () => {
  // One keeps nothing on disk (as ../shared/services.sh starts the main one), one keeps an
  // append-only file. Private, so the test does not depend on how the main server was started.
  const volatile = new RedisProcess(7061, { args: ['--save', '', '--appendonly', 'no'] });
  const durable = new RedisProcess(7062, { args: ['--appendonly', 'yes'] });
  after(() => Promise.all([volatile.stop(), durable.stop()]));

  it('a Redis that persists nothing is a warning in checkHealth and sitq health; one with appendonly is not', async () => {
    await Promise.all([volatile.start(), durable.start()]);
    const report = await checkHealth({ type: 'redis', host: '127.0.0.1', port: volatile.port }, { slowThresholdMs: RELAXED });
    assert.equal(report.status, 'healthy', 'a standing risk does not degrade the status');
    assert.equal(report.warnings.length, 1, JSON.stringify(report.warnings));
    assert.match(report.warnings[0], /keeps nothing on disk .*appendonly yes/);
    const safe = await checkHealth({ type: 'redis', host: '127.0.0.1', port: durable.port }, { slowThresholdMs: RELAXED });
    assert.equal(safe.status, 'healthy');
    assert.deepEqual(safe.warnings, []);
    const cli = await sitq(['-p', `redis://127.0.0.1:${volatile.port}/0`, 'health'], { cwd: dir });
    assert.equal(cli.code, 0, cli.all);
    assert.match(cli.stderr, /warning: the Redis server keeps nothing on disk/);
    const clean = await sitq(['-p', `redis://127.0.0.1:${durable.port}/0`, 'health'], { cwd: dir });
    assert.doesNotMatch(clean.all, /keeps nothing on disk/);
  });
});

describe('health score and percentiles', () => {
  it("the seed's formula: 100 − 50 × errorRate − 20 × slowRate, floored at 0", () => {
    assert.equal(healthScore(0, 0, 0), 100);
    assert.equal(healthScore(10, 0, 0), 100);
    assert.equal(healthScore(10, 10, 0), 50);
    assert.equal(healthScore(10, 0, 10), 80);
    assert.equal(healthScore(10, 2, 3), 84);
    assert.equal(healthScore(4, 2, 2), 65);
  });
});

describe('HealthMonitor', () => {
  it('checks every profile on an interval, keeps a bounded history, emits events, keeps metrics', async () => {
    const monitor = new HealthMonitor({ intervalMs: 40, historySize: 3, timeoutMs: 2000, slowThresholdMs: RELAXED });
    monitor.add('local', sqliteConfig());
    monitor.add('down', { type: 'redis', host: '127.0.0.1', port: 1, connectTimeout: 500 });
    const checks: HealthReport[] = [];
    const changes: StatusChange[] = [];
    monitor.on('check', (r) => checks.push(r));
    monitor.on('status-change', (c) => changes.push(c));
    monitor.on('check', () => {
      throw new Error('a listener that throws does not stop the monitor');
    });
    monitor.start();
    const deadline = Date.now() + 10_000;
    while ((monitor.metrics('local')!.totalChecks < 5 || monitor.metrics('down')!.totalChecks < 5) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await monitor.stop();

    const local = monitor.metrics('local')!;
    const down = monitor.metrics('down')!;
    assert.ok(local.totalChecks >= 5 && down.totalChecks >= 5);
    assert.equal(local.connectionErrors, 0);
    assert.equal(local.healthScore, 100);
    assert.equal(local.lastStatus, 'healthy');
    assert.ok(local.avgResponseTimeMs >= 0 && local.p95ResponseTimeMs >= 0);
    assert.equal(down.connectionErrors, down.totalChecks);
    assert.equal(down.healthScore, 50);
    assert.equal(down.lastStatus, 'unhealthy');
    assert.equal(monitor.history('local').length, 3);
    assert.equal(monitor.history('down').length, 3);
    // one status change each: the first check (from undefined)
    assert.deepEqual(changes.map((c) => `${c.profile}:${c.from}->${c.to}`).sort(), [
      'down:undefined->unhealthy',
      'local:undefined->healthy',
    ]);
    assert.equal(checks.length, local.totalChecks + down.totalChecks);
    // stopped: no more checks
    const total = checks.length;
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(checks.length, total);
  });

  it('emits status-change when a profile recovers or slows down, and counts slow checks', async () => {
    await withBackend(sqliteConfig(), async (backend) => {
      const flaky = tamper(backend, { failTimes: 2 });
      const monitor = new HealthMonitor({ intervalMs: 1000, slowThresholdMs: RELAXED });
      monitor.add('flaky', flaky);
      const changes: string[] = [];
      monitor.on('status-change', (c) => changes.push(`${c.from}->${c.to}`));
      for (let i = 0; i < 4; i++) await monitor.checkNow();
      assert.deepEqual(changes, ['undefined->unhealthy', 'unhealthy->healthy']);
      const m = monitor.metrics('flaky')!;
      assert.equal(m.totalChecks, 4);
      assert.equal(m.connectionErrors, 2);
      assert.equal(m.healthScore, 75);
      await monitor.stop();

      const slowMonitor = new HealthMonitor({ slowThresholdMs: 10 });
      slowMonitor.add('slow', tamper(backend, { delayMs: 30 }));
      await slowMonitor.checkNow();
      await slowMonitor.checkNow();
      const s = slowMonitor.metrics('slow')!;
      assert.equal(s.slowChecks, 2);
      assert.equal(s.lastStatus, 'degraded');
      assert.equal(s.healthScore, 80);
      await slowMonitor.stop();
      // a Backend given to the monitor stays open: the caller owns it
      await backend.ping();
    });
  });

  it('a check in flight is shared, not repeated', async () => {
    await withBackend(sqliteConfig(), async (backend) => {
      const monitor = new HealthMonitor();
      monitor.add('slow', tamper(backend, { delayMs: 100 }));
      const [a, b] = await Promise.all([monitor.checkNow(), monitor.checkNow()]);
      assert.equal(a[0], b[0]);
      assert.equal(monitor.metrics('slow')!.totalChecks, 1);
      await monitor.stop();
    });
  });

  it('rejects bad settings with a ConfigurationError', () => {
    assert.throws(() => new HealthMonitor({ intervalMs: 0 }), /healthMonitor\.intervalMs/);
    assert.throws(() => new HealthMonitor({ historySize: 0 }), /healthMonitor\.historySize/);
    const m = new HealthMonitor();
    m.add('a', sqliteConfig());
    assert.throws(() => m.add('a', sqliteConfig()), /already watched/);
  });
});
