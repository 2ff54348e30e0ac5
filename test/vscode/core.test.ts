// The extension's core process without VS Code: the IPC channel, sessions, secrets kept by the
// host (never in the config file), the SQLite driver of the runtime, crash and restart, and a
// runtime that cannot be started. Uses the same core client (shared/host) and protocol client as
// the extension, and starts the core as it does: a Node child, and in the Node 24 of code-server's
// install as VS Code's own runtime (ELECTRON_RUN_AS_NODE=1), where SQLite runs on node:sqlite.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
// The core's entry is started as a program, not imported: this keeps it in the compilation.
import type {} from '../../shared/host/core-main.js';
import { CoreClient, type CoreClientOptions } from '../../shared/host/client.js';
import { forkNodeCore, type NodeCoreLaunch } from '../../shared/host/node-child.js';
import { explain } from '../../extension/explain.js';
import { codeServerDir } from './code-server.js';
import { ProtocolClient } from '../../shared/protocol/client.js';
import type { QueuesSnapshot } from '../../shared/protocol/models.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CORE_MAIN = join(ROOT, 'dist', 'shared', 'host', 'core-main.js');
const NODE_24 = join(codeServerDir(), 'node_modules', 'node', 'bin', 'node');

/** The core client as the extension builds it, over a Node child of `launch`. */
function coreClient(
  dir: string,
  hooks: Pick<CoreClientOptions, 'log' | 'secrets' | 'writeUserProfiles'>,
  launch: Partial<NodeCoreLaunch> = {},
): CoreClient {
  return new CoreClient({
    fork: () => forkNodeCore({ command: process.execPath, main: CORE_MAIN, cwd: dir, env: { ...process.env }, ...launch }),
    init: () => ({
      host: 'vscode',
      configPath: join(dir, 'sitq.config.json'),
      benchDir: join(dir, 'bench'),
      version: '0.0.0-test',
      secretStore: { label: 'test secrets', secure: true, writable: true },
      healthIntervalMs: 500,
      userProfiles: { label: 'VS Code user settings', profiles: {} },
    }),
    ...hooks,
  });
}

function mapSecrets(secrets: Map<string, string>): CoreClientOptions['secrets'] {
  return {
    get: async (key) => secrets.get(key),
    set: async (key, value) => void secrets.set(key, value),
    delete: async (key) => void secrets.delete(key),
  };
}

describe('extension core process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sitq-core-'));
  const secrets = new Map<string, string>();
  const logs: string[] = [];
  const core = coreClient(dir, {
    log: (level, message) => logs.push(`${level} ${message}`),
    secrets: mapSecrets(secrets),
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

  test('starts, reports its Node and the SQLite driver it runs (better-sqlite3 on Node 20)', async () => {
    const info = await core.start();
    assert.equal(info.node, process.version);
    assert.equal(info.sqlite.ok, true, info.sqlite.error);
    assert.match(info.sqlite.source ?? '', /^better-sqlite3 \(SQLite 3\.\d+/);
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
    await client.request('tasks.enqueue', {
      profile: 'local',
      name: 'sitq.echo',
      payloadJson: '{"hi":1}',
      count: 50,
      queue: 'default',
      priority: 0,
      delayMs: 0,
      maxAttempts: 3,
    });
    const worker = await client.request('workers.start', { profile: 'local', queues: ['default'], concurrency: 5 });
    await waitFor(() => last?.queues.find((q) => q.queue === 'default')?.counts.succeeded === 50, 30_000);
    await client.request('workers.stop', { id: worker.id, force: false });
    client.close();
    watcher.close();
  });

  test('a password goes to the host’s secret store and only a reference into the config file', async () => {
    const client = new ProtocolClient(core.openSession());
    await waitFor(() => client.state === 'open');
    await client.request('profiles.save', {
      draft: {
        name: 'pg',
        kind: 'postgres',
        options: { host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres' },
        secrets: { password: 'hunter2-secret' },
      },
    });
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
    core.setUserProfiles({
      mine: { type: 'sqlite', path: join(dir, 'mine.db') },
      local: { type: 'sqlite', path: join(dir, 'other.db') },
      broken: { type: 'mongo' },
    });
    await waitFor(() => core.sources.user.includes('mine'));
    assert.deepEqual(core.sources.shadowed, ['local']);
    assert.match(core.sources.problems.join('\n'), /broken:.*type/);
    const listed = await client.request('profiles.list', {});
    assert.deepEqual(listed.map((p) => p.name).sort(), ['local', 'mine', 'pg']);
    // The project's "local" is the one in effect.
    assert.equal(
      (await client.request('queues.snapshot', { profile: 'local' })).queues.find((q) => q.queue === 'default')?.counts.succeeded,
      50,
    );
    const out = await client.request('tasks.enqueue', {
      profile: 'mine',
      name: 'sitq.echo',
      payloadJson: '{}',
      count: 3,
      queue: 'q',
      priority: 0,
      delayMs: 0,
      maxAttempts: 1,
    });
    assert.equal(out.enqueued, 3);

    const saved = await core.saveUser({
      name: 'team-pg',
      kind: 'postgres',
      options: { host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres' },
      secrets: { password: 'user-level-s3cret' },
    });
    assert.equal(saved.name, 'team-pg');
    assert.equal(secrets.get('SITQ_TEAM_PG_PASSWORD'), 'user-level-s3cret');
    assert.doesNotMatch(JSON.stringify(userSettings), /s3cret/);
    assert.equal((userSettings['team-pg'] as { password?: string }).password, '${SITQ_TEAM_PG_PASSWORD}');
    assert.doesNotMatch(readFileSync(join(dir, 'sitq.config.json'), 'utf8'), /team-pg|mine/);

    // An edit goes back where the profile lives; a removal too, with its secret.
    await client.request('profiles.save', {
      draft: { name: 'mine', kind: 'sqlite', description: 'edited', options: { path: join(dir, 'mine.db') }, secrets: {} },
      originalName: 'mine',
    });
    assert.equal((userSettings.mine as { description?: string }).description, 'edited');
    assert.doesNotMatch(readFileSync(join(dir, 'sitq.config.json'), 'utf8'), /mine/);
    assert.deepEqual(await client.request('profiles.delete', { name: 'team-pg' }), { deleted: true });
    assert.equal(secrets.has('SITQ_TEAM_PG_PASSWORD'), false);
    assert.equal('team-pg' in userSettings, false);
    await waitFor(() => !core.sources.user.includes('team-pg'));
    client.close();
  });
});

test("a runtime that does not exist: the start fails with the host's sentence", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sitq-core-'));
  const core = coreClient(
    dir,
    { log: () => {}, secrets: mapSecrets(new Map()) },
    { command: join(dir, 'no-such-node'), problem: (reason) => `could not start it (${reason}); clear sitq.nodePath` },
  );
  await assert.rejects(core.start(), /could not start it \(spawn .*no-such-node ENOENT\); clear sitq\.nodePath/);
  rmSync(dir, { recursive: true, force: true });
});

test('a program that is not Node exits at once: the start fails instead of waiting', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sitq-core-'));
  const core = coreClient(dir, { log: () => {}, secrets: mapSecrets(new Map()) }, { command: '/bin/true' });
  await assert.rejects(core.start(), /exited before it was ready \(code 0\)/);
  rmSync(dir, { recursive: true, force: true });
});

// VS Code's runtime, as the extension starts the core by default: code-server's Node 24 with
// ELECTRON_RUN_AS_NODE=1. No native module loads there; SQLite runs on node:sqlite.
const node24Missing = existsSync(NODE_24)
  ? false
  : `code-server's Node 24 is not installed at ${NODE_24} (bash scripts/install-code-server.sh)`;
test(
  "in VS Code's runtime (Node 24) the core runs SQLite on node:sqlite: a profile, 20 tasks worked off",
  { skip: node24Missing },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sitq-core24-'));
    const core = coreClient(
      dir,
      { log: () => {}, secrets: mapSecrets(new Map()) },
      { command: NODE_24, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } },
    );
    try {
      const info = await core.start();
      assert.match(info.node, /^v24\./);
      assert.equal(info.sqlite.ok, true, info.sqlite.error);
      assert.match(info.sqlite.source ?? '', /^node:sqlite \(SQLite 3\.\d+/);
      const client = new ProtocolClient(core.openSession());
      await waitFor(() => client.state === 'open');
      await client.request('profiles.save', {
        draft: { name: 'local', kind: 'sqlite', options: { path: join(dir, 'q.db') }, secrets: {} },
      });
      await client.request('tasks.enqueue', {
        profile: 'local',
        name: 'sitq.echo',
        payloadJson: '{}',
        count: 20,
        queue: 'default',
        priority: 0,
        delayMs: 0,
        maxAttempts: 3,
      });
      const worker = await client.request('workers.start', { profile: 'local', queues: ['default'], concurrency: 4 });
      await waitFor(
        async () =>
          (await client.request('queues.snapshot', { profile: 'local' })).queues.find((q) => q.queue === 'default')?.counts.succeeded ===
          20,
        30_000,
      );
      await client.request('workers.stop', { id: worker.id, force: false });
      client.close();
    } finally {
      await core.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('errors become sentences that say what to do', () => {
  assert.equal(
    explain(
      'redis at redis://127.0.0.1:6380/0 (prefix sitq:): could not connect (command connection): connect ECONNREFUSED 127.0.0.1:6380',
    ),
    'Redis at 127.0.0.1:6380 refused the connection. Is it running?',
  );
  assert.equal(
    explain('cannot connect: connect ECONNREFUSED 127.0.0.1:5499', 'postgres'),
    'PostgreSQL at 127.0.0.1:5499 refused the connection. Is it running?',
  );
  assert.match(explain('postgres at x: password authentication failed for user "app"'), /rejected the credentials\. Edit the profile/);
  assert.match(explain('nats at nats://10.0.0.1:4222: connection timed out after 1000 ms'), /did not answer in time \(10\.0\.0\.1:4222\)/);
  // The NATS client says CONNECTION_REFUSED where the others say ECONNREFUSED.
  assert.equal(
    explain('NATS JetStream at nats://127.0.0.1:4299: connecting failed: CONNECTION_REFUSED'),
    'NATS JetStream at nats://127.0.0.1:4299 refused the connection. Is it running?',
  );
  assert.equal(
    explain(
      'SQLite at x: cannot open: SQLite is unavailable: better-sqlite3 does not load in Node v24.1.0 (module ABI 137). To fix it, do this. (/a: b)',
    ),
    'SQLite is unavailable: better-sqlite3 does not load in Node v24.1.0 (module ABI 137). To fix it, do this.',
  );
  assert.equal(explain('something else entirely'), 'something else entirely');
});

function childPid(core: CoreClient): number {
  const pid = core.pid;
  assert.ok(pid, 'the core process runs');
  return pid;
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; !(await check());) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}
