// The schedules.* requests end to end over the dashboard's WebSocket (the methods the Schedules
// screen and the VS Code node are built on), on a memory profile: save, list, get, pause, resume,
// remove, the form's live preview, and errors that name the field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RemoteError } from '../../shared/protocol/messages.js';
import { memoryProfileDashboard } from './helpers.js';

describe('dashboard service: schedules', () => {
  const profile = 'mem';
  const dashboard = memoryProfileDashboard(profile);

  it('saves, lists, gets, pauses, resumes and removes a schedule', async () => {
    const saved = await dashboard.client.request('schedules.save', {
      profile,
      name: 'nightly',
      spec: { cron: '0 3 * * *', tz: 'Europe/Berlin' },
      task: 'sitq.echo',
      payloadJson: '{"n":1}',
      queue: 'reports',
      catchUp: 'all',
      catchUpLimit: 10,
    });
    assert.equal(saved.name, 'nightly');
    assert.equal(saved.queue, 'reports');
    assert.equal(saved.payloadJson, '{"n":1}');
    assert.equal(saved.catchUp, 'all');
    assert.equal(saved.nextRuns.length, 5);
    assert.ok(
      saved.nextRuns.every((at) => [1, 2].includes(new Date(at).getUTCHours())),
      '03:00 in Berlin is 01:00 or 02:00 UTC',
    );
    assert.deepEqual(
      (await dashboard.client.request('schedules.list', { profile, runs: 1 })).map((s) => [s.name, s.nextRuns.length]),
      [['nightly', 1]],
    );
    assert.deepEqual(await dashboard.client.request('schedules.pause', { profile, name: 'nightly' }), { ok: true });
    assert.equal((await dashboard.client.request('schedules.get', { profile, name: 'nightly' }))?.paused, true);
    assert.deepEqual(await dashboard.client.request('schedules.resume', { profile, name: 'nightly' }), { ok: true });
    assert.equal((await dashboard.client.request('schedules.get', { profile, name: 'nightly' }))?.paused, false);
    assert.deepEqual(await dashboard.client.request('schedules.remove', { profile, name: 'nightly' }), { ok: true });
    assert.deepEqual(await dashboard.client.request('schedules.remove', { profile, name: 'nightly' }), { ok: false });
    assert.deepEqual(await dashboard.client.request('schedules.pause', { profile, name: 'nightly' }), { ok: false });
    assert.equal(await dashboard.client.request('schedules.get', { profile, name: 'nightly' }), null);
  });

  it('previews a spec as it is typed: next runs, or the field that is wrong', async () => {
    const every = await dashboard.client.request('schedules.preview', { spec: { every: 60_000 }, runs: 3 });
    assert.deepEqual(every.issues, []);
    assert.deepEqual(
      every.nextRuns.slice(1).map((at, i) => at - every.nextRuns[i]),
      [60_000, 60_000],
    );
    const cron = await dashboard.client.request('schedules.preview', { spec: { cron: '*/15 * * * *' } });
    assert.equal(cron.nextRuns.length, 5);
    assert.ok(cron.nextRuns.every((at) => new Date(at).getUTCMinutes() % 15 === 0));
    assert.deepEqual(
      (await dashboard.client.request('schedules.preview', { spec: { cron: '61 * * * *' } })).issues.map((i) => i.field),
      ['spec.cron'],
    );
    assert.deepEqual(
      (await dashboard.client.request('schedules.preview', { spec: { cron: '0 3 * * *', tz: 'Nowhere/City' } })).issues.map((i) => i.field),
      ['spec.tz'],
    );
    assert.deepEqual(
      (await dashboard.client.request('schedules.preview', { spec: { every: 5 } })).issues.map((i) => i.field),
      ['spec.every'],
    );
  });

  it('refuses a bad draft with a ConfigurationError naming the field, and stores nothing', async () => {
    await assert.rejects(
      dashboard.client.request('schedules.save', { profile, name: 'x', spec: { every: 1000 }, task: 'sitq.echo', payloadJson: '{"n":' }),
      (e: RemoteError) => e.issues[0]?.option === 'payloadJson',
    );
    await assert.rejects(
      dashboard.client.request('schedules.save', { profile, name: 'bad name', spec: { every: 1000 }, task: 'sitq.echo', payloadJson: '1' }),
      (e: RemoteError) => e.issues[0]?.option === 'schedule name',
    );
    await assert.rejects(
      dashboard.client.request('schedules.save', {
        profile,
        name: 'x',
        spec: { every: 1000 },
        task: 'sitq.echo',
        payloadJson: '1',
        priority: 12,
      }),
      (e: RemoteError) => e.issues.some((i) => i.option === 'schedule options.priority'),
    );
    assert.deepEqual(await dashboard.client.request('schedules.list', { profile }), []);
  });
});
