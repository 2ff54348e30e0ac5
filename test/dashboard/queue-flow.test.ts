// The queues.pause / resume / setLimits requests (queues.settings reads them) end to end over the dashboard's
// WebSocket (the methods the queue rows' Pause/Resume and limits and the VS Code commands are built
// on), on a memory profile: each answers the queue's stored settings, queues.snapshot shows them, a watching
// session gets a push, bad limits are refused naming the field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RemoteError } from '../../shared/protocol/messages.js';
import { memoryProfileDashboard, nextEvent } from './helpers.js';

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
