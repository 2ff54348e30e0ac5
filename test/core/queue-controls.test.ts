// Worker.refreshQueueSettings and the claim already in flight when a queue's limits change: the
// claim is held back (gated) until after the worker has read the new limits, so the tasks it then
// brings back were claimed under the old ones; they must start only as far as the new limits allow
// (the rest go back unstarted, no attempt used) — a new maxRunning on a queue claimed without
// limits, and a lowered maxRunning on a queue claimed under a higher one. On `memory`, one worker.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBackend } from '../../shared/backends/index.js';
import type { Backend } from '../../shared/core/backend.js';
import { silentLogger } from '../../shared/core/logger.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { defineTask } from '../../shared/core/tasks.js';
import { Worker } from '../../shared/core/worker.js';
import { eventually } from '../dashboard/helpers.js';

const Q = 'held';

/** A worker (concurrency 4) whose next claim waits at `gate.open()` before it reaches the backend,
 *  and a task that counts how many of its runs overlap. */
async function setup() {
  const config = { type: 'memory' as const, name: `qc-${randomBytes(4).toString('hex')}` };
  const producer = createBackend(config);
  const workerBackend: Backend = createBackend(config);
  await producer.connect();
  await workerBackend.connect();
  const queue = new TaskQueue(producer);
  let now = 0;
  let most = 0;
  const span = defineTask('test.overlap', async () => {
    most = Math.max(most, ++now);
    await sleep(30);
    now--;
  });
  let open!: () => void;
  let gated = false;
  let claimReached!: () => void;
  const reached = new Promise<void>((r) => (claimReached = r));
  const opened = new Promise<void>((r) => (open = r));
  const realClaim = workerBackend.claim.bind(workerBackend);
  workerBackend.claim = async (request) => {
    if (gated) {
      claimReached();
      await opened;
    }
    return realClaim(request);
  };
  const worker = new Worker(workerBackend, { tasks: [span], queues: [Q], maxConcurrency: 4, logger: silentLogger });
  const attempts: number[] = [];
  worker.on('succeeded', (e) => attempts.push(e.attempt));
  return {
    queue,
    worker,
    attempts,
    most: () => most,
    /** The next claim sent waits until open(). */
    gateNextClaim: () => {
      gated = true;
      return reached;
    },
    open: () => {
      gated = false;
      open();
    },
    async close() {
      await worker.stop({ timeout: 5000 });
      await workerBackend.close();
      await producer.close();
    },
  };
}

describe('queue limits and a claim in flight', () => {
  it('a maxRunning set while a claim without limits is in flight: of the 4 tasks it brings back, 1 starts; all run, one at a time', async () => {
    const s = await setup();
    try {
      await s.queue.enqueueMany('test.overlap', [null, null, null, null], { queue: Q });
      const reached = s.gateNextClaim();
      await s.worker.start();
      // Its first claim, for 4 with no limits, waits at the gate.
      await reached;
      await s.queue.setQueueLimits(Q, { maxRunning: 1 });
      await s.worker.refreshQueueSettings();
      s.open();
      await eventually('the 4 tasks to succeed', () => s.attempts.length === 4, 15_000, 10);
      assert.equal(s.most(), 1, 'the most tasks running at once');
      assert.deepEqual(s.attempts, [1, 1, 1, 1], 'a held-back task used an attempt');
    } finally {
      await s.close();
    }
  });

  it('a maxRunning lowered from 4 to 1 while a claim granted 4 is in flight: 1 starts; all run, one at a time', async () => {
    const s = await setup();
    try {
      await s.queue.setQueueLimits(Q, { maxRunning: 4 });
      await s.queue.enqueueMany('test.overlap', [null, null, null, null], { queue: Q });
      const reached = s.gateNextClaim();
      await s.worker.start();
      // Its first claim, granted 4 slots, waits at the gate.
      await reached;
      await s.queue.setQueueLimits(Q, { maxRunning: 1 });
      await s.worker.refreshQueueSettings();
      s.open();
      await eventually('the 4 tasks to succeed', () => s.attempts.length === 4, 15_000, 10);
      assert.equal(s.most(), 1, 'the most tasks running at once');
      assert.deepEqual(s.attempts, [1, 1, 1, 1], 'a held-back task used an attempt');
    } finally {
      await s.close();
    }
  });
});
