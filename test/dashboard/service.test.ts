// The dashboard protocol end to end over a real WebSocket, with the real core on SQLite: profiles
// (validation, secrets kept out of the config file, outside edits), pushed counts, paged tasks,
// task actions, enqueue validation, local workers.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ProtocolClient } from '../../shared/protocol/client.js';
import { RemoteError } from '../../shared/protocol/messages.js';
import type { ProfileDraft } from '../../shared/protocol/models.js';
import { connectClient, eventually, nextEvent, tempDashboard, type TempDashboard } from './helpers.js';

describe('dashboard service over the WebSocket (SQLite)', () => {
  let t: TempDashboard;
  let client: ProtocolClient;
  const sqlite = (name: string): ProfileDraft => ({ name, kind: 'sqlite', options: { path: join(t.dir, `${name}.db`) }, secrets: {} });

  before(async () => {
    t = await tempDashboard();
    client = await connectClient(t.dashboard);
  });
  after(async () => {
    client.close();
    await t.close();
  });

  it('says hello with the host, the secret store and the test tasks', async () => {
    const hello = await client.request('hello', {});
    assert.equal(hello.host, 'browser');
    assert.equal(hello.configPath, join(t.dir, 'sitq.config.json'));
    assert.equal(hello.secretStore.secure, false);
    assert.match(hello.secretStore.warning ?? '', /unencrypted/);
    assert.deepEqual(
      hello.testTasks.map((x) => x.name),
      ['sitq.echo', 'sitq.sleep', 'sitq.fail', 'sitq.cpu', 'sitq.progress'],
    );
    assert.ok(hello.presets.some((p) => p.kind === 'sqlite'));
  });

  it("validates drafts with the backends' own rules, per field", async () => {
    const issues = await client.request('profiles.validate', {
      draft: { name: 'bad name!', kind: 'postgres', options: { port: 'abc', poolSize: 0 }, secrets: {} },
    });
    const fields = issues.map((i) => i.field).sort();
    assert.deepEqual(fields, ['name', 'poolSize', 'port']);
    assert.match(issues.find((i) => i.field === 'port')!.message, /number/);
    assert.deepEqual(await client.request('profiles.validate', { draft: sqlite('ok') }), []);
  });

  it('refuses malformed requests with a ConfigurationError naming the parameter', async () => {
    await assert.rejects(
      client.request('tasks.list', { profile: 'x', offset: -1, limit: 50 }),
      (err: RemoteError) => err.name === 'ConfigurationError' && err.issues.some((i) => i.option === 'tasks.list.offset'),
    );
    await assert.rejects(client.request('nope' as 'hello', {}), /method/);
  });

  it('keeps secrets out of the config file and in the host secret store', async () => {
    const changed = nextEvent(client, 'profiles.changed', (d) => d.profiles.some((p) => p.name === 'pg'));
    const saved = await client.request('profiles.save', {
      draft: {
        name: 'pg',
        kind: 'postgres',
        options: { host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres' },
        secrets: { password: 'hunter2-secret' },
      },
    });
    assert.deepEqual(saved.secretKeys, ['password']);
    await changed;
    const file = readFileSync(join(t.dir, 'sitq.config.json'), 'utf8');
    assert.doesNotMatch(file, /hunter2/);
    assert.match(file, /"password": "\$\{SITQ_PG_PASSWORD\}"/);
    assert.equal(await t.secrets.get('SITQ_PG_PASSWORD'), 'hunter2-secret');
    assert.doesNotMatch(JSON.stringify(await client.request('profiles.list', {})), /hunter2/);

    // Editing without touching the secret keeps it; removing it deletes it from the store.
    const kept = await client.request('profiles.save', {
      draft: { name: 'pg', kind: 'postgres', options: { host: '127.0.0.1', port: 5433 }, secrets: {} },
      originalName: 'pg',
    });
    assert.deepEqual(kept.secretKeys, ['password']);
    assert.equal(await t.secrets.get('SITQ_PG_PASSWORD'), 'hunter2-secret');
    const removed = await client.request('profiles.save', {
      draft: { name: 'pg', kind: 'postgres', options: { host: '127.0.0.1' }, secrets: { password: null } },
      originalName: 'pg',
    });
    assert.deepEqual(removed.secretKeys, []);
    assert.equal(await t.secrets.get('SITQ_PG_PASSWORD'), undefined);
    assert.deepEqual(await client.request('profiles.delete', { name: 'pg' }), { deleted: true });
  });

  it('notices edits made to the config file by someone else', async () => {
    await client.request('profiles.save', { draft: sqlite('local') });
    const changed = nextEvent(client, 'profiles.changed', (d) => d.profiles.some((p) => p.name === 'outside'));
    const path = join(t.dir, 'sitq.config.json');
    const config = JSON.parse(readFileSync(path, 'utf8')) as { profiles: Record<string, unknown> };
    config.profiles.outside = { type: 'sqlite', path: join(t.dir, 'outside.db') };
    writeFileSync(path, JSON.stringify(config, null, 2));
    await changed;
  });

  it('never saves over a config file it could not read', async () => {
    const path = join(t.dir, 'sitq.config.json');
    const good = readFileSync(path, 'utf8');
    const changed = nextEvent(client, 'profiles.changed');
    writeFileSync(path, `${good.slice(0, -3)} oops`);
    assert.match((await changed).problem ?? '', /JSON/);
    await assert.rejects(client.request('profiles.list', {}), /JSON/);
    await assert.rejects(client.request('profiles.save', { draft: sqlite('other') }), /fix it first/);
    assert.match(readFileSync(path, 'utf8'), /oops$/);
    const restored = nextEvent(client, 'profiles.changed', (d) => d.profiles.some((p) => p.name === 'local'));
    writeFileSync(path, good);
    await restored;
  });

  it('tests a connection, pushes counts, pages tasks, and runs task actions', async () => {
    const test = await client.request('profiles.test', { name: 'local' });
    assert.equal(test.ok, true);
    assert.match(test.serverVersion ?? '', /SQLite/);

    await client.request('watch.set', { profile: 'local' });
    const pushed = nextEvent(client, 'queues', (d) => d.profile === 'local' && d.queues.some((q) => q.counts.pending === 120));
    const r = await client.request('tasks.enqueue', {
      profile: 'local',
      name: 'sitq.echo',
      payloadJson: '{"n":1}',
      count: 120,
      queue: 'q1',
      priority: 0,
      delayMs: 0,
      maxAttempts: 3,
    });
    assert.equal(r.enqueued, 120);
    await pushed;

    const page = await client.request('tasks.list', { profile: 'local', queue: 'q1', offset: 100, limit: 50 });
    assert.equal(page.total, 120);
    assert.equal(page.rows.length, 20);
    const first = (await client.request('tasks.list', { profile: 'local', state: 'pending', offset: 0, limit: 1 })).rows[0];
    const detail = await client.request('tasks.get', { profile: 'local', id: first.id });
    assert.equal(detail?.payloadText, '{\n  "n": 1\n}');

    assert.deepEqual(await client.request('tasks.cancel', { profile: 'local', id: first.id }), { ok: true });
    assert.deepEqual(await client.request('tasks.cancel', { profile: 'local', id: first.id }), { ok: false });
    assert.deepEqual(await client.request('tasks.requeue', { profile: 'local', id: first.id }), { ok: true });
    assert.equal((await client.request('tasks.get', { profile: 'local', id: first.id }))?.state, 'pending');
  });

  it('rejects a bad payload or option before writing anything', async () => {
    const before = (await client.request('tasks.list', { profile: 'local', offset: 0, limit: 1 })).total;
    await assert.rejects(
      client.request('tasks.enqueue', {
        profile: 'local',
        name: 'sitq.echo',
        payloadJson: '{"n":',
        count: 5,
        queue: 'q1',
        priority: 0,
        delayMs: 0,
        maxAttempts: 3,
      }),
      (e: RemoteError) => e.issues[0]?.option === 'payloadJson',
    );
    await assert.rejects(
      client.request('tasks.enqueue', {
        profile: 'local',
        name: 'sitq.echo',
        payloadJson: '1',
        count: 5,
        queue: 'q1',
        priority: 12,
        delayMs: 0,
        maxAttempts: 3,
      }),
      (e: RemoteError) => e.issues.some((i) => i.option.endsWith('priority')),
    );
    assert.equal((await client.request('tasks.list', { profile: 'local', offset: 0, limit: 1 })).total, before);
  });

  it('starts a local worker, pushes its numbers and log, stops it gracefully', async () => {
    await client.request('tasks.enqueue', {
      profile: 'local',
      name: 'sitq.fail',
      payloadJson: '{"message":"on purpose"}',
      count: 2,
      queue: 'q1',
      priority: 0,
      delayMs: 0,
      maxAttempts: 1,
    });
    const started = await client.request('workers.start', { profile: 'local', queues: ['q1'], concurrency: 8 });
    assert.equal(started.state, 'starting');
    const done = await nextEvent(
      client,
      'workers',
      (d) => d.workers.some((w) => w.id === started.id && w.succeeded === 120 && w.failed === 2),
      20_000,
    );
    assert.equal(done.workers.find((w) => w.id === started.id)?.state, 'running');
    const dead = (await client.request('tasks.list', { profile: 'local', state: 'dead', offset: 0, limit: 10 })).rows;
    assert.equal(dead.length, 2);
    const stack = (await client.request('tasks.get', { profile: 'local', id: dead[0].id }))?.errorStack ?? '';
    assert.match(stack, /on purpose/);
    const log = await client.request('workers.log', { id: started.id });
    assert.ok(log.some((l) => l.level === 'warn' && /dead: sitq\.fail/.test(l.message)));
    await client.request('workers.stop', { id: started.id, force: false });
    await eventually(
      'the worker to stop',
      async () => (await client.request('workers.list', {})).find((w) => w.id === started.id)?.state === 'stopped',
    );
  });

  it('force-stops a worker whose tasks would run for minutes', async () => {
    await client.request('tasks.enqueue', {
      profile: 'local',
      name: 'sitq.sleep',
      payloadJson: '{"ms":600000}',
      count: 2,
      queue: 'slow',
      priority: 0,
      delayMs: 0,
      maxAttempts: 3,
    });
    const w = await client.request('workers.start', { profile: 'local', queues: ['slow'], concurrency: 2 });
    await eventually(
      'both tasks running',
      async () => (await client.request('workers.list', {})).find((x) => x.id === w.id)?.running === 2,
    );
    const t0 = Date.now();
    await client.request('workers.stop', { id: w.id, force: true });
    await eventually(
      'the worker to stop',
      async () => (await client.request('workers.list', {})).find((x) => x.id === w.id)?.state === 'stopped',
      10_000,
    );
    assert.ok(Date.now() - t0 < 8000);
    // Nothing is lost or finished by the stop: the tasks wait for another attempt (at once when the
    // worker could report the abort, else when their lease runs out).
    const counts = (await client.request('queues.snapshot', { profile: 'local' })).queues.find((q) => q.queue === 'slow')!.counts;
    assert.equal(counts.running + counts.pending + counts.delayed, 2);
    assert.equal(counts.succeeded + counts.dead, 0);
  });

  it('pushes health checks of every profile', async () => {
    const event = await nextEvent(client, 'health', (d) => d.health.profile === 'local' && d.health.status === 'healthy');
    assert.ok(event.health.score > 0);
    assert.ok((await client.request('health.history', { profile: 'local' })).length > 0);
    const nodes = await client.request('ha.nodes', { profile: 'local' });
    assert.equal(nodes.length, 1);
  });
});
