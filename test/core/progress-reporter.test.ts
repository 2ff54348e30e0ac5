// ProgressReporter.settle: a task's last progress and log lines are written before its completion
// is sent, also when the write that carries them was started by another task's settle.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createBackend } from '../../shared/backends/index.js';
import type { TaskReport } from '../../shared/core/progress.js';
import { ProgressReporter } from '../../shared/core/progress-reporter.js';
import { TaskQueue } from '../../shared/core/queue.js';

describe('ProgressReporter.settle', () => {
  it('waits for the write that carries its task, even one another settle started', async () => {
    const backend = createBackend({ type: 'memory', name: `progress-${randomBytes(4).toString('hex')}` });
    await backend.connect();
    try {
      const q = new TaskQueue(backend);
      for (let i = 0; i < 3; i++) await q.enqueue('sitq.echo', i);
      const [a, b, c] = await backend.claim({ workerId: 'w', queues: ['default'], max: 3, leaseMs: 30_000 });
      assert.ok(a && b && c);
      // Each write waits until the test lets it through; what it carried is noted when it is done.
      const gates: Array<() => void> = [];
      const written = new Set<string>();
      const report = backend.report.bind(backend);
      backend.report = async (reports: readonly TaskReport[]) => {
        await new Promise<void>((resolve) => gates.push(resolve));
        const held = await report(reports);
        for (const r of reports) written.add(r.lease.taskId);
        return held;
      };
      /** Lets the next write through once it has started. */
      const letThrough = async () => {
        while (gates.length === 0) await new Promise((r) => setImmediate(r));
        gates.shift()!();
      };
      const errors: unknown[] = [];
      const reporter = new ProgressReporter(backend, (err) => errors.push(err));

      reporter.log(a, 'a');
      const settledA = reporter.settle(a.record.id); // the first write: a only
      reporter.log(b, 'b');
      reporter.log(c, 'c');
      const settledB = reporter.settle(b.record.id); // both wait for the first write ...
      const settledC = reporter.settle(c.record.id);
      await letThrough();
      await settledA;
      // ... then b's settle writes b and c in one batch; c's settle must wait for that write too.
      let cSettled = false;
      void settledC?.then(() => (cSettled = true));
      while (gates.length === 0) await new Promise((r) => setImmediate(r));
      assert.equal(cSettled, false, "c's settle ended before the write carrying c's log was done");
      await letThrough();
      await Promise.all([settledB, settledC]);
      assert.deepEqual([...written].sort(), [a, b, c].map((t) => t.record.id).sort());
      assert.deepEqual(errors, []);
      assert.deepEqual((await backend.getTask(c.record.id))?.log, ['c']);
    } finally {
      await backend.destroy();
      await backend.close();
    }
  });
});
