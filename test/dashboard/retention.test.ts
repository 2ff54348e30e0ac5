// The queue-settings and cancel requests end to end over the dashboard's WebSocket (what the
// dashboard's queue rows and the VS Code extension build retention and Cancel on), on a memory
// profile: read and set a queue's retention, errors naming the field, cancel of a running task.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createBackend } from '../../shared/backends/index.js';
import { silentLogger } from '../../shared/core/logger.js';
import { Worker } from '../../shared/core/worker.js';
import type { ProtocolClient } from '../../shared/protocol/client.js';
import type { RemoteError } from '../../shared/protocol/messages.js';
import { connectClient, tempDashboard, type TempDashboard } from './helpers.js';

describe('dashboard service: queue settings and cancel', () => {
  let t: TempDashboard;
  let client: ProtocolClient;
  const profile = 'mem';
  const storeName = `r-${randomBytes(4).toString('hex')}`;

  before(async () => {
    t = await tempDashboard();
    client = await connectClient(t.dashboard);
    await client.request('profiles.save', { draft: { name: profile, kind: 'memory', options: { name: storeName }, secrets: {} } });
  });
  after(async () => {
    client.close();
    await t.close();
  });

  it("reads and sets a queue's retention, shown in the queue listing; {} removes it", async () => {
    assert.deepEqual(await client.request('queues.settings', { profile, queue: 'reports' }), {});
    const keep = { succeeded: { maxAgeMs: 86_400_000, maxCount: 1000 }, dead: { maxCount: 50 } };
    assert.deepEqual(await client.request('queues.setRetention', { profile, queue: 'reports', keep }), { keep });
    assert.deepEqual(await client.request('queues.settings', { profile, queue: 'reports' }), { keep });
    // The queue listing (each row of the dashboard's queue table) carries the rules too.
    const row = async () => (await client.request('queues.snapshot', { profile })).queues.find((q) => q.queue === 'reports');
    assert.deepEqual((await row())?.keep, keep);
    assert.deepEqual(await client.request('queues.setRetention', { profile, queue: 'reports', keep: {} }), {});
    assert.equal(await row(), undefined);
  });

  it('refuses a bad rule or queue with a ConfigurationError naming the field', async () => {
    await assert.rejects(
      client.request('queues.setRetention', { profile, queue: 'reports', keep: { dead: { maxCount: -1 } } }),
      (e: RemoteError) => e.issues[0]?.option === 'keep.dead.maxCount',
    );
    await assert.rejects(
      client.request('queues.setRetention', { profile, queue: 'reports', keep: { running: { maxCount: 1 } } as never }),
      (e: RemoteError) => e.issues[0]?.option === 'keep.running',
    );
    await assert.rejects(client.request('queues.settings', { profile, queue: 'a b' }), (e: RemoteError) => e.issues[0]?.option === 'queue');
  });

  it('tasks.cancel cancels a running task; its worker aborts it', async () => {
    // The dashboard host and this worker share the memory store by name (one process).
    const backend = createBackend({ type: 'memory', name: storeName });
    await backend.connect();
    const worker = new Worker(backend, { logger: silentLogger, queues: ['ui'] });
    const cancelled = new Promise<void>((resolve) => worker.once('cancelled', () => resolve()));
    await worker.start();
    try {
      const { firstId } = await client.request('tasks.enqueue', {
        profile,
        name: 'sitq.sleep',
        payloadJson: '{"ms":60000}',
        queue: 'ui',
        count: 1,
        priority: 0,
        delayMs: 0,
        maxAttempts: 1,
      });
      const id = firstId!;
      for (let i = 0; i < 500 && (await backend.getTask(id))?.state !== 'running'; i++) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(await client.request('tasks.cancel', { profile, id }), { ok: true });
      await cancelled;
      assert.equal((await client.request('tasks.get', { profile, id }))?.state, 'cancelled');
      assert.deepEqual(await client.request('tasks.cancel', { profile, id }), { ok: false });
    } finally {
      await worker.stop({ timeout: 1000 });
      await backend.close();
    }
  });
});
