// The extension's core process without VS Code: the IPC channel, sessions, secrets kept by the
// host (never in the config file), better-sqlite3 chosen per Node ABI, crash and restart, and a
// Node that cannot run the core. Uses the same CoreProcess and protocol client as the extension.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
// The server's files are started as a program, not imported: these keep them in the compilation.
import type {} from '../../extension/server/main.js';
import type {} from '../../extension/server/native-hooks.js';
import type {} from '../../extension/server/native-missing.js';
import type {} from '../../extension/server/native-resolve.js';
import { CoreProcess, type CoreLaunch } from '../../extension/core/process.js';
import { explain } from '../../extension/explain.js';
import { pickSqlite } from '../../extension/server/native.js';
import { ProtocolClient } from '../../shared/protocol/client.js';
import type { QueuesSnapshot } from '../../shared/protocol/models.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SERVER = join(ROOT, 'dist', 'extension', 'server');

function launcher(dir: string, overrides: Partial<CoreLaunch> = {}): () => CoreLaunch {
  return () => ({
    nodePath: process.execPath,
    serverMain: join(SERVER, 'main.js'),
    hooks: join(SERVER, 'native-hooks.js'),
    cwd: dir,
    env: { ...process.env, SITQ_SQLITE_SEARCH: ROOT },
    init: { configPath: join(dir, 'sitq.config.json'), benchDir: join(dir, 'bench'), version: '0.0.0-test', healthIntervalMs: 500 },
    ...overrides,
  });
}

describe('extension core process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sitq-core-'));
  const secrets = new Map<string, string>();
  const logs: string[] = [];
  const core = new CoreProcess(launcher(dir), {
    log: (level, message) => logs.push(`${level} ${message}`),
    secret: async (op, key, value) => {
      if (op === 'get') return secrets.get(key);
      if (op === 'set') secrets.set(key, value ?? '');
      else secrets.delete(key);
      return undefined;
    },
    // As VS Code does: the written setting comes back as a configuration change.
    writeUserProfiles: async (profiles) => {
      userSettings = structuredClone(profiles);
      setTimeout(() => core.setUserProfiles(userSettings), 10);
    },
  });
  let userSettings: Record<string, unknown> = {};
  after(async () => {
    await core.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('starts, reports its Node and the better-sqlite3 it loaded', async () => {
    const info = await core.start();
    assert.equal(info.node, process.version);
    assert.equal(info.sqlite.ok, true, info.sqlite.error);
    assert.match(info.sqlite.source ?? '', /better-sqlite3/);
  });

  test('serves the dashboard protocol: a SQLite profile, 50 tasks worked off, counts pushed', async () => {
    const client = new ProtocolClient(core.openSession());
    await waitFor(() => client.state === 'open');
    const hello = await client.request('hello', {});
    assert.equal(hello.host, 'vscode');
    await client.request('profiles.save', { draft: { name: 'local', kind: 'sqlite', options: { path: join(dir, 'q.db') }, secrets: {} } });
    const watcher = new ProtocolClient(core.openSession());
    await waitFor(() => watcher.state === 'open');
    let last: QueuesSnapshot | undefined;
    watcher.on('queues', (snap) => (last = snap));
    await watcher.request('watch.set', { profile: 'local' });
    await client.request('tasks.enqueue', { profile: 'local', name: 'sitq.echo', payloadJson: '{"hi":1}', count: 50, queue: 'default', priority: 0, delayMs: 0, maxAttempts: 3 });
    const worker = await client.request('workers.start', { profile: 'local', queues: ['default'], concurrency: 5 });
    await waitFor(() => last?.queues.find((q) => q.queue === 'default')?.counts.succeeded === 50, 30_000);
    await client.request('workers.stop', { id: worker.id, force: false });
    client.close();
    watcher.close();
  });

  test('a password goes to the host’s secret store and only a reference into the config file', async () => {
    const client = new ProtocolClient(core.openSession());
    await waitFor(() => client.state === 'open');
    await client.request('profiles.save', { draft: { name: 'pg', kind: 'postgres', options: { host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres' }, secrets: { password: 'hunter2-secret' } } });
    assert.equal([...secrets.values()].includes('hunter2-secret'), true);
    const file = readFileSync(join(dir, 'sitq.config.json'), 'utf8');
    assert.doesNotMatch(file, /hunter2/);
    assert.match(file, /\$\{SITQ_PG_PASSWORD\}/);
    client.close();
  });

  test('a crash is reported, sessions close, and a start brings them back', async () => {
    const client = new ProtocolClient(core.openSession());
    await waitFor(() => client.state === 'open');
    const crashed = new Promise<string>((resolve) => core.once('crashed', resolve));
    process.kill(childPid(core), 'SIGKILL');
    assert.match(await crashed, /the sitq core exited \(SIGKILL\)/);
    assert.equal(client.state, 'closed');
    await core.start();
    await waitFor(() => client.state === 'open');
    assert.equal((await client.request('profiles.list', {})).length, 2);
    client.close();
  });

  test('user-level profiles from settings: listed and usable, the file wins a clash, secrets stay out of settings', async () => {
    const client = new ProtocolClient(core.openSession());
    await waitFor(() => client.state === 'open');
    core.setUserProfiles({ mine: { type: 'sqlite', path: join(dir, 'mine.db') }, local: { type: 'sqlite', path: join(dir, 'other.db') }, broken: { type: 'mongo' } });
    await waitFor(() => core.sources.user.includes('mine'));
    assert.deepEqual(core.sources.shadowed, ['local']);
    assert.match(core.sources.problems.join('\n'), /broken:.*type/);
    const listed = await client.request('profiles.list', {});
    assert.deepEqual(listed.map((p) => p.name).sort(), ['local', 'mine', 'pg']);
    // The project's "local" is the one in effect.
    assert.equal((await client.request('queues.snapshot', { profile: 'local' })).queues.find((q) => q.queue === 'default')?.counts.succeeded, 50);
    const out = await client.request('tasks.enqueue', { profile: 'mine', name: 'sitq.echo', payloadJson: '{}', count: 3, queue: 'q', priority: 0, delayMs: 0, maxAttempts: 1 });
    assert.equal(out.enqueued, 3);

    const saved = await core.saveUser({ name: 'team-pg', kind: 'postgres', options: { host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres' }, secrets: { password: 'user-level-s3cret' } });
    assert.equal(saved.name, 'team-pg');
    assert.equal(secrets.get('SITQ_TEAM_PG_PASSWORD'), 'user-level-s3cret');
    assert.doesNotMatch(JSON.stringify(userSettings), /s3cret/);
    assert.equal((userSettings['team-pg'] as { password?: string }).password, '${SITQ_TEAM_PG_PASSWORD}');
    assert.doesNotMatch(readFileSync(join(dir, 'sitq.config.json'), 'utf8'), /team-pg|mine/);

    // An edit goes back where the profile lives; a removal too, with its secret.
    await client.request('profiles.save', { draft: { name: 'mine', kind: 'sqlite', description: 'edited', options: { path: join(dir, 'mine.db') }, secrets: {} }, originalName: 'mine' });
    assert.equal((userSettings.mine as { description?: string }).description, 'edited');
    assert.doesNotMatch(readFileSync(join(dir, 'sitq.config.json'), 'utf8'), /mine/);
    assert.deepEqual(await client.request('profiles.delete', { name: 'team-pg' }), { deleted: true });
    assert.equal(secrets.has('SITQ_TEAM_PG_PASSWORD'), false);
    assert.equal('team-pg' in userSettings, false);
    await waitFor(() => !core.sources.user.includes('team-pg'));
    client.close();
  });
});

test('a node that does not exist: the start fails with what to do', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sitq-core-'));
  const core = new CoreProcess(launcher(dir, { nodePath: join(dir, 'no-such-node') }), { log: () => {}, secret: async () => undefined });
  await assert.rejects(core.start(), /Node\.js 20\.6 or newer.*sitq\.nodePath/);
  rmSync(dir, { recursive: true, force: true });
});

test('better-sqlite3 is taken from the first folder where it loads; none gives the fix', () => {
  const empty = mkdtempSync(join(tmpdir(), 'sitq-nosqlite-'));
  const ok = pickSqlite([empty, ROOT], '20.20.2');
  assert.ok(ok.url?.startsWith('file:'), ok.error);
  const none = pickSqlite([empty], '20.20.2');
  assert.equal(none.url, undefined);
  assert.match(none.error ?? '', new RegExp(`Node ${process.version.replace(/\./g, '\\.')} \\(module ABI ${process.versions.modules}\\)`));
  assert.match(none.error ?? '', /sitq\.nodePath.*Node 20\.20\.2.*npm install sitq/);
  rmSync(empty, { recursive: true, force: true });
});

test('errors become sentences that say what to do', () => {
  assert.equal(
    explain('redis at redis://127.0.0.1:6380/0 (prefix sitq:): could not connect (command connection): connect ECONNREFUSED 127.0.0.1:6380'),
    'Redis at 127.0.0.1:6380 refused the connection. Is it running?',
  );
  assert.equal(explain('cannot connect: connect ECONNREFUSED 127.0.0.1:5499', 'postgres'), 'PostgreSQL at 127.0.0.1:5499 refused the connection. Is it running?');
  assert.match(explain('postgres at x: password authentication failed for user "app"'), /rejected the credentials\. Edit the profile/);
  assert.match(explain('nats at nats://10.0.0.1:4222: connection timed out after 1000 ms'), /did not answer in time \(10\.0\.0\.1:4222\)/);
  assert.equal(explain('SQLite at x: cannot open: SQLite is unavailable: better-sqlite3 does not load in Node v24.1.0 (module ABI 137). To fix it, do this. (/a: b)'), 'SQLite is unavailable: better-sqlite3 does not load in Node v24.1.0 (module ABI 137). To fix it, do this.');
  assert.equal(explain('something else entirely'), 'something else entirely');
});

function childPid(core: CoreProcess): number {
  const pid = (core as unknown as { child?: { pid?: number } }).child?.pid;
  assert.ok(pid, 'the core process runs');
  return pid;
}

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; !check(); ) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}
