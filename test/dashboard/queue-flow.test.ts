// The queues.pause / resume / setLimits requests (queues.settings reads them) end to end over the dashboard's
// WebSocket (the methods the queue rows' Pause/Resume and limits and the VS Code commands are built
// on), on a memory profile: each answers the queue's stored settings, queues.snapshot shows them, a watching
// session gets a push, bad limits are refused naming the field. Then on SQLite with one of the
// dashboard's own local workers running: a pause or limit binds that worker by the time the request
// is answered (tasks enqueued right after the answer obey it; the runs' start and end times are read
// back from the store).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ProtocolClient } from '../../shared/protocol/client.js';
import type { RemoteError } from '../../shared/protocol/messages.js';
import type { TaskRow } from '../../shared/protocol/models.js';
import { connectClient, eventually, memoryProfileDashboard, mostAtOnce, nextEvent, tempDashboard, type TempDashboard } from './helpers.js';

describe('dashboard service: queue flow control', () => {
  const profile = 'mem';
  const dashboard = memoryProfileDashboard(profile);

  it('pause, limits, resume: each answers the settings; the snapshot and a watching session show them', async () => {
    await dashboard.client.request('watch.set', { profile });
    const pushed = nextEvent(
      dashboard.client,
      'queues',
      (d) => d.profile === profile && d.queues.some((q) => q.queue === 'emails' && q.paused && q.maxRunning === 5),
    );
    assert.deepEqual(await dashboard.client.request('queues.pause', { profile, queue: 'emails' }), { paused: true });
    assert.deepEqual(
      await dashboard.client.request('queues.setLimits', { profile, queue: 'emails', rate: { max: 100, perMs: 1000 }, maxRunning: 5 }),
      { paused: true, rate: { max: 100, perMs: 1000 }, maxRunning: 5 },
    );
    const snap = await dashboard.client.request('queues.snapshot', { profile });
    assert.deepEqual(
      snap.queues.map((q) => [q.queue, q.paused, q.rate, q.maxRunning]),
      [['emails', true, { max: 100, perMs: 1000 }, 5]],
    );
    await pushed;
    assert.deepEqual(await dashboard.client.request('queues.setLimits', { profile, queue: 'emails', rate: null }), {
      paused: true,
      maxRunning: 5,
    });
    assert.deepEqual(await dashboard.client.request('queues.resume', { profile, queue: 'emails' }), { maxRunning: 5 });
    assert.deepEqual(await dashboard.client.request('queues.settings', { profile, queue: 'emails' }), { maxRunning: 5 });
    assert.deepEqual(await dashboard.client.request('queues.setLimits', { profile, queue: 'emails', maxRunning: null }), {});
    assert.deepEqual((await dashboard.client.request('queues.snapshot', { profile })).queues, []);
  });

  it('refuses bad limits and queue names with a ConfigurationError naming the field, and stores nothing', async () => {
    await assert.rejects(
      dashboard.client.request('queues.setLimits', { profile, queue: 'api', rate: { max: 0, perMs: 1000 } }),
      (e: RemoteError) => e.issues.some((i) => i.option === 'limits.rate.max'),
    );
    await assert.rejects(dashboard.client.request('queues.setLimits', { profile, queue: 'api', maxRunning: 2.5 }), (e: RemoteError) =>
      e.issues.some((i) => i.option === 'limits.maxRunning'),
    );
    await assert.rejects(dashboard.client.request('queues.pause', { profile, queue: 'a.b' }), (e: RemoteError) =>
      e.issues.some((i) => i.option === 'queue'),
    );
    assert.deepEqual(await dashboard.client.request('queues.settings', { profile, queue: 'api' }), {});
  });
});

describe('dashboard service: a pause or limit binds its local workers before it is answered (SQLite)', () => {
  const profile = 'local';
  let t: TempDashboard;
  let client: ProtocolClient;
  let workerId = '';
  const LONG = 60_000;

  before(async () => {
    t = await tempDashboard();
    client = await connectClient(t.dashboard);
    await client.request('profiles.save', {
      draft: { name: profile, kind: 'sqlite', options: { path: join(t.dir, 'flow.db') }, secrets: {} },
    });
    // Idle, so it sits in a claim of both queues (waiting up to 1 s) made before any setting exists.
    workerId = (await client.request('workers.start', { profile, queues: ['lim', 'other'], concurrency: 4 })).id;
    await eventually(
      'the local worker running',
      async () => (await client.request('workers.list', {})).find((w) => w.id === workerId)?.state === 'running',
      LONG,
    );
  });
  after(async () => {
    if (workerId) await client.request('workers.stop', { id: workerId, force: true }).catch(() => {});
    client.close();
    await t.close();
  });

  const enqueue = (queue: string, count: number, ms: number) =>
    client.request('tasks.enqueue', {
      profile,
      name: 'sitq.sleep',
      payloadJson: JSON.stringify({ ms }),
      count,
      queue,
      priority: 0,
      delayMs: 0,
      maxAttempts: 1,
    });
  const rows = async (queue: string, state?: 'succeeded' | 'pending'): Promise<TaskRow[]> =>
    (await client.request('tasks.list', { profile, queue, ...(state ? { state } : {}), offset: 0, limit: 100 })).rows;
  /** The succeeded runs of `queue` enqueued from `since` on, once there are `count`. */
  const drained = (queue: string, since: number, count: number) =>
    eventually(
      `${count} tasks of ${queue} succeeded`,
      async () => {
        const done = (await rows(queue, 'succeeded')).filter((r) => r.enqueuedAt >= since);
        return done.length === count && done;
      },
      LONG,
      50,
    );

  it('a pause answered: tasks enqueued right after it wait while the worker goes on claiming; resume runs them', async () => {
    await client.request('queues.pause', { profile, queue: 'lim' });
    const since = Date.now();
    await enqueue('lim', 3, 10);
    // A task of the other queue run after them: the worker has claimed since they were enqueued.
    await enqueue('other', 1, 10);
    await drained('other', since, 1);
    assert.equal((await rows('lim', 'pending')).length, 3, 'the paused queue keeps its 3 tasks pending');
    const resumedAt = Date.now();
    await client.request('queues.resume', { profile, queue: 'lim' });
    for (const r of await drained('lim', since, 3)) assert.ok(r.startedAt! >= resumedAt, `task ${r.id} started after the resume`);
  });

  it('maxRunning 2 answered: of 6 tasks enqueued right after it, never more than 2 run at once, and 2 do', async () => {
    await client.request('queues.setLimits', { profile, queue: 'lim', maxRunning: 2 });
    const since = Date.now();
    await enqueue('lim', 6, 300);
    const runs = await drained('lim', since, 6);
    assert.equal(mostAtOnce(runs), 2, 'the most tasks running at once, by their start and end times');
  });

  it('rate 2/1s answered: 6 tasks enqueued right after it start over at least 2 s', async () => {
    await client.request('queues.setLimits', { profile, queue: 'lim', maxRunning: null });
    await client.request('queues.setLimits', { profile, queue: 'lim', rate: { max: 2, perMs: 1000 } });
    const since = Date.now();
    await enqueue('lim', 6, 10);
    const starts = (await drained('lim', since, 6)).map((r) => r.startedAt!).sort((a, b) => a - b);
    // The bucket starts empty and holds 1 token (a quarter of 2, at least 1); the idle worker holds
    // at most that one while its claim waits. So 6 starts need at least (6 - 2) / 2 s after the first.
    assert.ok(starts[5] - starts[0] >= 1900, `6 starts took ${starts[5] - starts[0]} ms at 2/s`);
  });
});
