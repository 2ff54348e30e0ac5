// tasks.follow over the dashboard's WebSocket (what the task detail's live progress bar and log
// tail, and VS Code's "Show Task Log", are built on), on a memory profile: the pushed task.events,
// tasks.get's progress and log, and unfollow.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createBackend } from '../../shared/backends/index.js';
import type { EventStreamItem } from '../../shared/core/events.js';
import { silentLogger } from '../../shared/core/logger.js';
import { Worker } from '../../shared/core/worker.js';
import type { ProtocolClient } from '../../shared/protocol/client.js';
import type { RemoteError } from '../../shared/protocol/messages.js';
import { connectClient, eventually, tempDashboard, type TempDashboard } from './helpers.js';

describe('dashboard service: following a task live', () => {
  let t: TempDashboard;
  let client: ProtocolClient;
  const profile = 'mem';
  const storeName = `ev-${randomBytes(4).toString('hex')}`;

  before(async () => {
    t = await tempDashboard();
    client = await connectClient(t.dashboard);
    await client.request('profiles.save', { draft: { name: profile, kind: 'memory', options: { name: storeName }, secrets: {} } });
  });
  after(async () => {
    client.close();
    await t.close();
  });

  it("tasks.follow pushes one task's events as task.events; tasks.get has its progress and log", async () => {
    const backend = createBackend({ type: 'memory', name: storeName });
    await backend.connect();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const worker = new Worker(backend, {
      logger: silentLogger,
      queues: ['live'],
      tasks: {
        'ui.steps': async (_p: never, ctx) => {
          ctx.progress(30);
          ctx.log('half way');
          await gate;
          return 'ok';
        },
      },
    });
    await worker.start();
    const items: EventStreamItem[] = [];
    const stop = client.on('task.events', (d) => d.profile === profile && items.push(...d.items));
    try {
      const { firstId } = await client.request('tasks.enqueue', {
        profile,
        name: 'ui.steps',
        payloadJson: 'null',
        queue: 'live',
        count: 1,
        priority: 0,
        delayMs: 0,
        maxAttempts: 1,
      });
      const id = firstId!;
      assert.deepEqual(await client.request('tasks.follow', { profile, taskId: id }), { following: true });
      await eventually('the log event', () => items.some((e) => e.kind === 'log'));
      const detail = await client.request('tasks.get', { profile, id });
      assert.equal(detail?.progress, 30);
      assert.deepEqual(detail?.log, ['half way']);
      release();
      await eventually('the succeeded event', () => items.some((e) => e.kind === 'succeeded'));
      assert.ok(items.every((e) => e.kind !== 'gap' && e.taskId === id));
      assert.deepEqual(
        items.map((e) => e.kind).filter((k) => k !== 'enqueued' && k !== 'started'),
        ['progress', 'log', 'succeeded'],
      );
      assert.deepEqual(await client.request('tasks.unfollow', {}), { following: false });
      const before = items.length;
      await client.request('tasks.enqueue', {
        profile,
        name: 'sitq.echo',
        payloadJson: '1',
        queue: 'live',
        count: 1,
        priority: 0,
        delayMs: 0,
        maxAttempts: 1,
      });
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(items.length, before);
    } finally {
      stop();
      await worker.stop({ timeout: 1000 });
      await backend.close();
    }
  });

  it('refuses a bad queue name, naming it', async () => {
    await assert.rejects(client.request('tasks.follow', { profile, queue: 'a b' }), (e: RemoteError) =>
      e.issues.some((i) => /queue/.test(i.option)),
    );
  });
});
