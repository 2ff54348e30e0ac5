// A full run with secret-looking passwords and tokens, and a grep of everything it produced for
// them. Profiles authenticate for real where the server allows it: a private redis-server with
// requirepass, a private nats-server with token auth, the shared PostgreSQL (trust auth takes any
// password, so the password still travels through every code path); an unreachable PostgreSQL and
// a Redis profile with a password written in plain text in the file give the error paths.
// Collected and searched: every CLI run's stdout and stderr (profiles, health, enqueue, worker,
// inspect, bench --out, sweep --out, inline URL profiles, failures with --verbose), the files bench
// and sweep wrote (JSON, CSV, Markdown), every frame the dashboard service sent over its WebSocket
// (events, worker logs, errors, bench exports), this process's own stdout/stderr, library errors
// and health reports, and the config files tools wrote (dashboard form save, saveConfig).
// The test fails naming the output a secret appeared in.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createBackend, type BackendConfig } from '../../shared/backends/index.js';
import { loadConfig } from '../../shared/config/load.js';
import { resolveProfile } from '../../shared/config/profiles.js';
import { saveConfig } from '../../shared/config/save.js';
import type { SitqConfig } from '../../shared/config/schema.js';
import { ConfigurationError } from '../../shared/core/errors.js';
import { startDashboard, type RunningDashboard } from '../../shared/dashboard/index.js';
import { checkHealth } from '../../shared/health/check.js';
import { ProtocolClient } from '../../shared/protocol/client.js';
import { FileSecretStore } from '../../shared/service/file-secrets.js';
import { sitq, type RunResult } from '../cli/run.js';
import { NodeWsTransport, eventually, wsTarget } from '../dashboard/helpers.js';
import { serverSkip, SERVERS } from '../helpers/servers.js';
import { MapSecretStore } from '../fuzz/arbitraries.js';
import { missingTool, startNats, startRedis, type PrivateServer } from './private-servers.js';

const REDIS_PORT = 7101;
const NATS_PORT = 4271;
const id = randomBytes(4).toString('hex');
const secret = (kind: string) => `S3cr3t${kind}-${randomBytes(6).toString('hex')}`;
const S = {
  pg: secret('Pg'),
  redis: secret('Redis'),
  nats: secret('NatsTok'),
  down: secret('Down'),
  plain: secret('Plain'),
  form: secret('Form'),
  saved: secret('Saved'),
  url: secret('Url'),
};
const ALL = Object.values(S);
const ENV = { SITQ_SEC_PG: S.pg, SITQ_SEC_REDIS: S.redis, SITQ_SEC_NATS: S.nats, SITQ_SEC_DOWN: S.down };

/** Everything the run produced, by where it came from. */
const outputs: { what: string; text: string }[] = [];
const record = (what: string, text: string) => outputs.push({ what, text });

/** Fails naming each output that shows a secret (plain or URL-encoded). */
function assertNoSecrets(list: { what: string; text: string }[] = outputs): void {
  const leaks: string[] = [];
  for (const { what, text } of list) {
    for (const s of ALL) {
      if (text.includes(s) || text.includes(encodeURIComponent(s)) || text.includes(Buffer.from(s).toString('base64'))) {
        const at = text.indexOf(s);
        leaks.push(`${what}: ${s} in …${text.slice(Math.max(0, at - 80), at + s.length + 40)}…`);
      }
    }
  }
  assert.deepEqual(leaks, [], `secrets leaked:\n${leaks.join('\n')}`);
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out;
}

const skipRedis = missingTool('redis-server');
const skipNats = missingTool('nats-server');
const skipPg = await serverSkip('postgres');

describe('secrets never leave: a full run grepped for the passwords and tokens it used', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sitq-secrets-'));
  const outDir = join(dir, 'out');
  const configPath = join(dir, 'sitq.config.json');
  const servers: PrivateServer[] = [];
  const live: string[] = [];
  const pgSchema = `sitq_sec_${id}`;
  const cleanup: BackendConfig[] = [];
  /** The config as the test wrote it (the dashboard rewrites the file when it saves a profile). */
  let originalConfig = '';

  before(async () => {
    mkdirSync(outDir);
    const profiles: SitqConfig['profiles'] = {
      down: {
        type: 'postgres',
        host: '127.0.0.1',
        port: 1,
        user: 'app',
        database: 'app',
        password: '${SITQ_SEC_DOWN}',
        connectTimeout: 500,
      },
      // Written in plain text on purpose: the tools warn about it and must still never show it.
      plain: { type: 'redis', host: '127.0.0.1', port: 1, password: S.plain, connectTimeout: 500 },
    };
    if (!skipPg) {
      profiles.db = {
        type: 'postgres',
        connectionString: `postgres://postgres:\${SITQ_SEC_PG}@${SERVERS.postgres.host}:${SERVERS.postgres.port}/test`,
        schema: pgSchema,
      };
      cleanup.push({
        type: 'postgres',
        host: SERVERS.postgres.host,
        port: SERVERS.postgres.port,
        user: 'postgres',
        database: 'test',
        schema: pgSchema,
      });
      live.push('db');
    }
    if (!skipRedis) {
      servers.push(await startRedis({ port: REDIS_PORT, password: S.redis }));
      profiles.cache = { type: 'redis', host: '127.0.0.1', port: REDIS_PORT, password: '${SITQ_SEC_REDIS}', keyPrefix: `sitq-sec-${id}:` };
      live.push('cache');
    }
    if (!skipNats) {
      servers.push(await startNats({ port: NATS_PORT, token: S.nats }));
      profiles.bus = {
        type: 'nats',
        servers: [`nats://127.0.0.1:${NATS_PORT}`],
        token: '${SITQ_SEC_NATS}',
        streamName: `SITQ_SEC_${id.toUpperCase()}`,
      };
      live.push('bus');
    }
    originalConfig = JSON.stringify({ defaultProfile: live[0] ?? 'down', profiles }, null, 2);
    writeFileSync(configPath, originalConfig);
  });

  after(async () => {
    for (const config of cleanup) {
      const b = createBackend(config);
      await b
        .connect()
        .then(() => b.destroy())
        .catch(() => {});
      await b.close().catch(() => {});
    }
    for (const s of servers) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = async (args: string[], expectCode: number | null = 0): Promise<RunResult> => {
    const r = await sitq(args, { cwd: dir, env: ENV, timeoutMs: 120_000 });
    record(`sitq ${args.join(' ')}`, r.all);
    if (expectCode !== null) assert.equal(r.code, expectCode, `sitq ${args.join(' ')} exited ${r.code}:\n${r.all.slice(0, 2000)}`);
    return r;
  };

  it('the CLI: profiles, health, enqueue, worker, inspect, bench and sweep with --out, failures', { timeout: 600_000 }, async () => {
    await cli(['profiles']);
    await cli(['profiles', '--json']);
    await cli(['health', '--all'], null);
    await cli(['health', '--all', '--json'], null);
    await cli(['health', '--profile', 'down', '--verbose'], 1);
    await cli(['inspect', '--profile', 'down', '--verbose', '--json'], 1);
    await cli(['enqueue', 'sitq.echo', '--profile', 'plain', '--verbose'], 1);
    for (const p of live) {
      await cli(['health', '--profile', p, '--json']);
      await cli(['enqueue', 'sitq.echo', '{"a":1}', '--count', '3', '--profile', p, '--json']);
      await cli(['enqueue', 'sitq.fail', '{"times":99}', '--max-attempts', '1', '--profile', p]);
      await cli(['worker', '--until-empty', '--profile', p]);
      await cli(['inspect', '--profile', p, '--json']);
      await cli(['inspect', '--profile', p]);
      await cli([
        'bench',
        '--profile',
        p,
        '--tasks',
        '60',
        '--warmup',
        '5',
        '--idle-samples',
        '3',
        '--no-floor',
        '--out',
        join(outDir, `bench-${p}`),
      ]);
    }
    if (live.includes('cache')) {
      await cli([
        'sweep',
        '--profile',
        'cache',
        '--pool-sizes',
        '1,2',
        '--concurrency',
        '1',
        '--tasks-per-cell',
        '20',
        '--out',
        join(outDir, 'sweep'),
      ]);
      // A password typed into an inline URL: right, and wrong.
      await cli(['health', '--profile', `redis://:${S.redis}@127.0.0.1:${REDIS_PORT}/0`]);
      await cli(['health', '--profile', `redis://:${S.url}@127.0.0.1:${REDIS_PORT}/0`, '--verbose'], 1);
    }
    await cli(['health', '--profile', `postgres://app:${S.url}@127.0.0.1:1/app`, '--json'], 1);
    if (live.includes('bus')) await cli(['health', '--profile', `nats://${S.url}@127.0.0.1:${NATS_PORT}`], 1);

    const written = filesUnder(outDir);
    if (live.length > 0)
      assert.ok(
        written.some((f) => f.endsWith('.csv')) && written.some((f) => f.endsWith('.md')) && written.some((f) => f.endsWith('.json')),
        `bench --out wrote JSON, CSV and Markdown: ${written.join(', ')}`,
      );
    for (const f of written) if (statSync(f).size < 50_000_000) record(`file ${relative(dir, f)}`, readFileSync(f, 'utf8'));
    assertNoSecrets();
  });

  it(
    'the dashboard service: every frame it sent (events, worker logs, errors, exports) and the config it saved',
    { timeout: 600_000 },
    async () => {
      const store = new FileSecretStore(join(dir, 'dashboard-secrets.json'), { ...ENV });
      const captured: string[] = [];
      const writes = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
      // The host's own log lines go to this process's stdout/stderr: keep a copy of them too.
      process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => (
        captured.push(String(chunk)),
        writes.out(chunk, ...rest)
      )) as typeof process.stdout.write;
      process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => (
        captured.push(String(chunk)),
        writes.err(chunk, ...rest)
      )) as typeof process.stderr.write;
      let dashboard: RunningDashboard | undefined;
      let client: ProtocolClient | undefined;
      const frames: string[] = [];
      try {
        dashboard = await startDashboard({
          port: 0,
          config: configPath,
          secrets: { store, info: store.info },
          service: { healthIntervalMs: 500, countsIntervalMs: 200, configWatchIntervalMs: 200 },
        });
        const { url, origin } = wsTarget(dashboard);
        const transport = new NodeWsTransport(url, { Origin: origin });
        transport.ws.on('message', (data) => frames.push(data.toString()));
        await transport.opened;
        client = new ProtocolClient(transport, 60_000);
        const c = client;
        const answer = async <T>(what: string, p: Promise<T>): Promise<T | undefined> => {
          try {
            const v = await p;
            record(`dashboard ${what}`, JSON.stringify(v));
            return v;
          } catch (err) {
            record(`dashboard ${what} (error)`, `${(err as Error).message} ${JSON.stringify(err)}`);
            return undefined;
          }
        };

        await answer('hello', c.request('hello', {}));
        await answer('profiles.list', c.request('profiles.list', {}));
        await eventually(
          'health for every profile',
          async () => {
            const h = await c.request('health.list', {});
            return h.length >= live.length + 2 ? h : undefined;
          },
          60_000,
        );
        await answer('health.list', c.request('health.list', {}));
        await answer('health.history down', c.request('health.history', { profile: 'down' }));
        await answer('ha.nodes down', c.request('ha.nodes', { profile: 'down' }));
        await answer('profiles.test down', c.request('profiles.test', { name: 'down' }));
        await answer('profiles.test plain', c.request('profiles.test', { name: 'plain' }));
        // A secret typed into the form: stored in the host's store, never in the config file.
        await answer(
          'profiles.save',
          c.request('profiles.save', {
            draft: {
              name: 'typed',
              kind: 'postgres',
              options: { host: '127.0.0.1', port: 1, user: 'app', connectTimeout: 500 },
              secrets: { password: S.form },
            },
          }),
        );
        await answer('profiles.test typed', c.request('profiles.test', { name: 'typed' }));
        if (live.includes('cache')) {
          await answer(
            'profiles.test draft',
            c.request('profiles.test', {
              draft: { name: 'draft', kind: 'redis', options: { host: '127.0.0.1', port: REDIS_PORT }, secrets: { password: S.redis } },
            }),
          );
          await answer(
            'profiles.test wrong',
            c.request('profiles.test', {
              draft: {
                name: 'draft',
                kind: 'redis',
                options: { host: '127.0.0.1', port: REDIS_PORT, connectTimeout: 1000 },
                secrets: { password: S.url },
              },
            }),
          );
        }
        for (const p of live) {
          await answer(`watch.set ${p}`, c.request('watch.set', { profile: p }));
          await answer(
            `tasks.enqueue ${p}`,
            c.request('tasks.enqueue', {
              profile: p,
              name: 'sitq.fail',
              payloadJson: '{"times":99}',
              count: 2,
              queue: 'dash',
              priority: 0,
              delayMs: 0,
              maxAttempts: 1,
            }),
          );
          const worker = await answer(`workers.start ${p}`, c.request('workers.start', { profile: p, queues: ['dash'], concurrency: 2 }));
          await eventually(
            `the dashboard's tasks on ${p} to die`,
            async () => {
              const page = await c.request('tasks.list', { profile: p, queue: 'dash', state: 'dead', offset: 0, limit: 50 });
              return page.total >= 2 ? page : undefined;
            },
            60_000,
          );
          const page = await answer(`tasks.list ${p}`, c.request('tasks.list', { profile: p, offset: 0, limit: 50 }));
          const first = (page as { tasks?: { id: string }[] } | undefined)?.tasks?.[0];
          if (first) await answer(`tasks.get ${p}`, c.request('tasks.get', { profile: p, id: first.id }));
          await answer(`queues.snapshot ${p}`, c.request('queues.snapshot', { profile: p }));
          await answer(`ha.nodes ${p}`, c.request('ha.nodes', { profile: p }));
          if (worker) {
            await answer(`workers.log ${p}`, c.request('workers.log', { id: worker.id }));
            await answer(`workers.stop ${p}`, c.request('workers.stop', { id: worker.id, force: true }));
          }
        }
        await answer('watch.set down', c.request('watch.set', { profile: 'down' }));
        await answer('queues.snapshot down', c.request('queues.snapshot', { profile: 'down' }));
        await answer(
          'tasks.enqueue down',
          c.request('tasks.enqueue', {
            profile: 'down',
            name: 'sitq.echo',
            payloadJson: '{}',
            count: 1,
            queue: 'default',
            priority: 0,
            delayMs: 0,
            maxAttempts: 1,
          }),
        );
        const benchProfile = live[0];
        if (benchProfile) {
          const run = await c.request('bench.start', {
            profiles: [benchProfile, 'down'],
            options: { tasks: 60, floor: false, warmup: 5, idleSamples: 3 },
            sweep: false,
          });
          await eventually(
            'the dashboard benchmark to end',
            async () => {
              const list = await c.request('bench.list', {});
              const r = list.find((x) => x.id === run.id);
              return r && r.state !== 'running' ? r : undefined;
            },
            300_000,
            200,
          );
          await answer('bench.get', c.request('bench.get', { id: run.id }));
          for (const format of ['json', 'csv', 'markdown'] as const)
            await answer(`bench.export ${format}`, c.request('bench.export', { id: run.id, format }));
        }
        // Let pushed events (health, counts, worker logs) arrive after the last requests.
        await new Promise((r) => setTimeout(r, 1500));
      } finally {
        client?.close();
        await dashboard?.close();
        process.stdout.write = writes.out;
        process.stderr.write = writes.err;
      }
      assert.ok(frames.length > 10, 'the dashboard sent frames');
      record('dashboard WebSocket frames', frames.join('\n'));
      record("this process's stdout/stderr during the dashboard run", captured.join(''));
      const file = readFileSync(configPath, 'utf8');
      assert.match(file, /"typed"/, "the form's profile was saved");
      // Saving rewrote the whole file: the password the test had written in plain text went to the store too.
      record('sitq.config.json after the dashboard saved a profile', file);
      assert.equal(await store.get('SITQ_TYPED_PASSWORD'), S.form, "the typed secret went to the host's store");
      assertNoSecrets();
    },
  );

  it("the library: connection errors, health reports, profile resolution, and saveConfig's file", async () => {
    writeFileSync(configPath, originalConfig);
    const loaded = loadConfig({ path: configPath });
    record('config warnings', loaded.warnings.join('\n'));
    assert.ok(
      loaded.warnings.some((w) => /profiles\.plain\.password/.test(w)),
      'the plain-text password is warned about',
    );
    const secrets = new MapSecretStore(new Map(Object.entries(ENV)));
    for (const name of ['down', 'plain', ...live]) {
      const profile = await resolveProfile(loaded.config, name, { secrets, baseDir: dir });
      record(`${name}: address`, createBackend(profile.backend).address);
      const report = await checkHealth(profile, { timeoutMs: 5000 });
      record(`${name}: health report`, JSON.stringify(report));
      const backend = createBackend(profile.backend);
      try {
        await backend.connect();
        record(`${name}: nodes`, JSON.stringify(await backend.nodes()));
      } catch (err) {
        record(`${name}: connect error`, `${(err as Error).message}\n${(err as Error).stack}\n${JSON.stringify(err)}`);
      } finally {
        await backend.close();
      }
    }

    // saveConfig: secrets moved to the store (URL password too), stripped, or the save refused.
    const config: SitqConfig = {
      profiles: {
        a: { type: 'postgres', connectionString: `postgres://app:${S.saved}@db.example/app` },
        b: { type: 'redis', host: 'r', password: S.saved, tls: { key: S.saved } },
        c: { type: 'nats', servers: ['nats://n:4222'], token: S.saved },
      },
    };
    const target = join(dir, 'saved', 'sitq.config.json');
    const store = new MapSecretStore();
    await saveConfig(target, structuredClone(config), { secretStore: store });
    record('saveConfig with a secret store', readFileSync(target, 'utf8'));
    assert.ok([...store.values.values()].includes(S.saved), 'the secrets went to the store');
    await saveConfig(target, structuredClone(config), { stripSecrets: true });
    record('saveConfig with stripSecrets', readFileSync(target, 'utf8'));
    const before = readFileSync(target, 'utf8');
    await assert.rejects(saveConfig(target, structuredClone(config)), (err: unknown) => {
      assert.ok(err instanceof ConfigurationError);
      record('saveConfig refusal', `${err.message}\n${JSON.stringify(err.issues)}`);
      return true;
    });
    assert.equal(readFileSync(target, 'utf8'), before, 'a refused save wrote nothing');
    assertNoSecrets();
  });

  it('the grep finds a leak when there is one (the check itself works)', () => {
    assert.throws(() => assertNoSecrets([{ what: 'planted', text: `password is ${S.pg}` }]), /secrets leaked:\nplanted/);
    assert.throws(() => assertNoSecrets([{ what: 'planted', text: encodeURIComponent(`${S.pg}`) + '/x%20' }]));
  });
});
