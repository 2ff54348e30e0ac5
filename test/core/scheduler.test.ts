// The scheduler loop's own behaviour (on the memory backend; what backends guarantee is in
// test/conformance/schedules.ts): a failing backend is reported once and retried, a damaged record
// is skipped (once reported) while the others tick, and a worker with `schedules: false` runs none.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createBackend } from '../../shared/backends/index.js';
import type { Backend } from '../../shared/core/backend.js';
import type { Logger } from '../../shared/core/logger.js';
import { silentLogger } from '../../shared/core/logger.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { Scheduler } from '../../shared/core/scheduler.js';
import { Worker } from '../../shared/core/worker.js';
import { eventually, sleep } from '../conformance/harness.js';

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { ...silentLogger, warnings, warn: (m: string) => void warnings.push(m) };
}

async function withMemory(fn: (b: Backend) => Promise<void>): Promise<void> {
  const b = createBackend({ type: 'memory', name: `sch-${randomBytes(4).toString('hex')}` });
  await b.connect();
  try {
    await fn(b);
  } finally {
    await b.destroy();
    await b.close();
  }
}

describe('scheduler loop', () => {
  it('a backend that fails is reported once, retried with backoff, and the loop goes on once it answers', () =>
    withMemory(async (b) => {
      const q = new TaskQueue(b);
      await q.schedule('s', { every: 1000 }, 'sitq.echo', null, { queue: 'sq' });
      let failing = true;
      let calls = 0;
      const listState = b.listState.bind(b);
      b.listState = (prefix: string) => {
        calls += 1;
        return failing ? Promise.reject(new Error('server down')) : listState(prefix);
      };
      const logger = recordingLogger();
      const scheduler = new Scheduler(b, { logger, intervalMs: 50 });
      scheduler.start();
      try {
        await eventually('four failed passes', async () => calls >= 4, 10_000);
        assert.equal(logger.warnings.length, 1, logger.warnings.join('\n'));
        assert.match(logger.warnings[0], /could not read the schedules .*server down/);
        failing = false;
        await eventually(
          'a tick enqueued after the backend came back',
          async () => (await b.counts()).some((c) => c.queue === 'sq'),
          15_000,
          50,
        );
      } finally {
        await scheduler.stop();
      }
    }));

  it('a damaged schedule record is reported once and skipped; the other schedules tick', () =>
    withMemory(async (b) => {
      const t0 = Date.now();
      await new TaskQueue(b).schedule('good', { every: 1000 }, 'sitq.echo', null, { queue: 'good' });
      assert.ok(await b.setState('schedules/bad', '{not json', 0));
      const logger = recordingLogger();
      const scheduler = new Scheduler(b, { logger });
      for (let k = 1; k <= 3; k++) await scheduler.runOnce(t0 + k * 1000 + 100);
      assert.equal(logger.warnings.length, 1, logger.warnings.join('\n'));
      assert.match(logger.warnings[0], /schedules\/bad cannot be read: not JSON/);
      assert.equal((await b.listTasks({ queue: 'good' })).total, 3);
    }));

  it('a worker with schedules: false enqueues no tick; one with the default does', () =>
    withMemory(async (b) => {
      await new TaskQueue(b).schedule('s', { every: 1000 }, 'sitq.echo', null, { queue: 'off' });
      const off = new Worker(b, { queues: ['off'], schedules: false, logger: silentLogger });
      await off.start();
      await sleep(2500);
      assert.equal((await b.listTasks({ queue: 'off' })).total, 0);
      await off.stop();
      const on = new Worker(b, { queues: ['off'], logger: silentLogger });
      await on.start();
      try {
        await eventually('a tick', async () => (await b.listTasks({ queue: 'off' })).total > 0, 10_000, 50);
      } finally {
        await on.stop();
      }
    }));
});
