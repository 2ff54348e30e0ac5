// Worker.stop({ timeout }) returns in bounded time even when the backend no longer takes results:
// the final report gets what is left of the timeout (at least 1 s), then those results are given
// up (the tasks run again after their lease) and a warning says how many.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createBackend } from '../../shared/backends/index.js';
import { silentLogger } from '../../shared/core/logger.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { defineTask } from '../../shared/core/tasks.js';
import { Worker } from '../../shared/core/worker.js';

describe('Worker.stop', () => {
  it('returns within its timeout (+1 s for the final report) while results cannot be recorded, and says how many were given up', async () => {
    const config = { type: 'memory' as const, name: `stop-${randomBytes(4).toString('hex')}` };
    const producer = createBackend(config);
    const workerBackend = createBackend(config);
    await producer.connect();
    await workerBackend.connect();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const held = defineTask('test.held', async () => {
      started();
      await gate;
      return 1;
    });
    const worker = new Worker(workerBackend, { tasks: [held], pollInterval: 50, logger: silentLogger });
    const warnings: string[] = [];
    worker.on('warning', (w: string) => warnings.push(w));
    worker.on('backend-error', () => {});
    await worker.start();
    try {
      await new TaskQueue(producer).enqueue(held, undefined);
      await running;
      // The worker's backend goes away while the task runs: its result cannot be recorded.
      await workerBackend.close();
      release();
      const t0 = Date.now();
      await worker.stop({ timeout: 1500 });
      const took = Date.now() - t0;
      assert.ok(took < 1500 + 1000 + 1500, `stop took ${took} ms`);
      assert.ok(
        warnings.some((w) => /stopped with 1 result\(s\) unrecorded/.test(w)),
        warnings.join('\n'),
      );
      // Not recorded: the task is still running under its lease, and runs again once it expires.
      const [record] = (await producer.listTasks({})).tasks;
      assert.equal(record.state, 'running');
    } finally {
      release();
      await producer.destroy();
      await producer.close();
    }
  });

  it('a second stop() waits for the first; stop on an idle worker returns at once', async () => {
    const backend = createBackend({ type: 'memory', name: `stop-${randomBytes(4).toString('hex')}` });
    const worker = new Worker(backend, { pollInterval: 50, logger: silentLogger });
    await worker.stop();
    await backend.connect();
    const second = new Worker(backend, { pollInterval: 50, logger: silentLogger });
    await second.start();
    const [a, b] = [second.stop({ timeout: 1000 }), second.stop({ timeout: 1000 })];
    assert.equal(a, b);
    await a;
    await backend.close();
  });
});
