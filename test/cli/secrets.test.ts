// Passwords never appear in any output: profiles whose password is `${SITQ_TEST_PW}` are run
// through every command (succeeding, failing to authenticate, unreachable), and the value is
// looked for in stdout and stderr of each.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createBackend, type BackendConfig } from '../../shared/backends/index.js';
import { serverSkip } from '../helpers/servers.js';
import { sitq, tempProject, type RunResult } from './run.js';

const PW = `pw-${randomBytes(6).toString('hex')}`;
const WRONG = `wrong-${randomBytes(6).toString('hex')}`;
const id = randomBytes(4).toString('hex');
const prefix = `sitq-secret-${id}:`;
const redisUser = `sitq-cli-${id}`;
const pgSchema = `sitq_secret_${id}`;
const natsStream = `SITQ_SECRET_${id.toUpperCase()}`;

const skip = { postgres: await serverSkip('postgres'), redis: await serverSkip('redis'), nats: await serverSkip('nats') };

const project = tempProject({
  defaultProfile: 'cache',
  profiles: {
    cache: { type: 'redis', host: '127.0.0.1', port: 6379, username: redisUser, password: '${SITQ_TEST_PW}', keyPrefix: prefix },
    db: { type: 'postgres', connectionString: 'postgres://postgres:${SITQ_TEST_PW}@127.0.0.1:5432/test', schema: pgSchema },
    bus: { type: 'nats', servers: ['nats://127.0.0.1:4222'], token: '${SITQ_TEST_PW}', streamName: natsStream },
    downdb: { type: 'postgres', connectionString: 'postgres://app:${SITQ_TEST_PW}@127.0.0.1:1/app', connectTimeout: 500 },
    downcache: { type: 'redis', host: '127.0.0.1', port: 1, password: '${SITQ_TEST_PW}', connectTimeout: 500 },
  },
});

function assertHidden(r: RunResult, value: string, what: string): void {
  assert.ok(!r.all.includes(value), `${what}: the secret appeared in the output:\n${r.all}`);
  assert.ok(!r.all.includes(encodeURIComponent(value)) || encodeURIComponent(value) === value, `${what}: URL-encoded secret appeared`);
}

/** Runs sitq with SITQ_TEST_PW set to `pw` (null: unset) and checks the value never shows. */
const run = async (args: string[], pw: string | null = PW) => {
  const r = await sitq(args, { cwd: project.dir, env: { SITQ_TEST_PW: pw ?? undefined } });
  if (pw) assertHidden(r, pw, `sitq ${args.join(' ')}`);
  return r;
};

async function withAdmin<T>(fn: (admin: Redis) => Promise<T>): Promise<T> {
  const admin = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    admin.disconnect();
  }
}

async function destroy(config: BackendConfig): Promise<void> {
  const backend = createBackend(config);
  await backend.connect().catch(() => {});
  await backend.destroy().catch(() => {});
  await backend.close().catch(() => {});
}

describe("secrets never appear in the CLI's output", () => {
  before(async () => {
    if (!skip.redis) await withAdmin((a) => a.call('ACL', 'SETUSER', redisUser, 'on', `>${PW}`, `~${prefix}*`, `&${prefix}*`, '+@all'));
  });
  after(async () => {
    if (!skip.redis) {
      await destroy({ type: 'redis', host: '127.0.0.1', port: 6379, keyPrefix: prefix });
      await withAdmin((a) => a.call('ACL', 'DELUSER', redisUser));
    }
    if (!skip.postgres)
      await destroy({ type: 'postgres', host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test', schema: pgSchema });
    if (!skip.nats) await destroy({ type: 'nats', servers: ['nats://127.0.0.1:4222'], streamName: natsStream });
    project.remove();
  });

  it('profiles, with and without --json', async () => {
    for (const args of [['profiles'], ['profiles', '--json']]) {
      const r = await run(args);
      assert.equal(r.code, 0, r.all);
      assert.match(r.all, /cache/);
    }
  });

  it('a missing variable: exit 2 naming the profile, the field and the variable', async () => {
    const r = await run(['health', '--profile', 'cache'], null);
    assert.equal(r.code, 2, r.all);
    assert.match(r.stderr, /profiles\.cache\.password: expected the variable SITQ_TEST_PW to be set/);
  });

  it('Redis with an ACL password: health, enqueue, worker, inspect (human and --json)', { skip: skip.redis }, async () => {
    for (const args of [
      ['health'],
      ['health', '--json'],
      ['enqueue', 'sitq.echo', '{"a":1}'],
      ['enqueue', 'sitq.echo', '--json'],
      ['worker', '--until-empty'],
      ['inspect'],
      ['inspect', '--json'],
      ['health', '--watch', '--rounds', '1', '--interval', '50ms'],
    ]) {
      const r = await run(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.all}`);
    }
  });

  it('Redis with the wrong password: exit 1, and neither value shows', { skip: skip.redis }, async () => {
    for (const args of [['health'], ['inspect', '--verbose'], ['enqueue', 'sitq.echo', '--json']]) {
      const r = await run(args, WRONG);
      assert.equal(r.code, 1, r.all);
      assert.match(r.all, /WRONGPASS|invalid|auth/i);
    }
  });

  it('PostgreSQL with the password inside the connection string', { skip: skip.postgres }, async () => {
    for (const args of [
      ['health', '--profile', 'db'],
      ['enqueue', 'sitq.echo', '--profile', 'db'],
      ['inspect', '--profile', 'db', '--json'],
      ['worker', '--until-empty', '--profile', 'db'],
    ]) {
      const r = await run(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.all}`);
    }
    const shown = await run(['health', '--profile', 'db', '--json']);
    assert.match(shown.stdout, /postgres:\/\/postgres@127\.0\.0\.1:5432\/test/);
  });

  it('NATS with a token', { skip: skip.nats }, async () => {
    for (const args of [
      ['health', '--profile', 'bus'],
      ['enqueue', 'sitq.echo', '--profile', 'bus'],
      ['inspect', '--profile', 'bus'],
    ]) {
      const r = await run(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.all}`);
    }
  });

  it('unreachable servers: the errors name the address, never the password', async () => {
    for (const args of [
      ['health', '--profile', 'downdb'],
      ['inspect', '--profile', 'downdb', '--verbose'],
      ['health', '--profile', 'downcache', '--json'],
      ['health', '--all'],
      ['enqueue', 'sitq.echo', '--profile', 'downcache'],
    ]) {
      const r = await run(args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.all}`);
    }
  });

  it('a password typed into an inline profile URL is hidden too', async () => {
    const r = await run(['health', '--profile', `redis://:${WRONG}@127.0.0.1:1/0`]);
    assert.equal(r.code, 1, r.all);
    assertHidden(r, WRONG, 'inline URL');
    const pg = await run(['inspect', '--profile', `postgres://app:${WRONG}@127.0.0.1:1/app`, '--json']);
    assert.equal(pg.code, 1, pg.all);
    assertHidden(pg, WRONG, 'inline postgres URL');
  });

  it('a URL password with an unencoded @ is hidden whole (sitq -p URL health, sitq profiles --json)', async () => {
    const secret = `p@ss:w/rd%41-${id}`;
    const url = `postgres://postgres:${secret}@127.0.0.1:1/postgres`;
    const parts = secret.split('@'); // every piece after the first @ used to be shown
    const health = await sitq(['-p', url, 'health', '--timeout', '2000'], { cwd: project.dir });
    assert.notEqual(health.code, 0, health.all); // 2: pg cannot parse such a URL, and says so
    assert.match(health.all, /postgres:\*\*\*@127\.0\.0\.1:1\/postgres/);
    for (const piece of [secret, parts[1]]) assert.ok(!health.all.includes(piece), `health showed ${piece}:\n${health.all}`);
    const q = tempProject({ profiles: { typed: { type: 'postgres', connectionString: url } } });
    try {
      const listed = await sitq(['profiles', '--json'], { cwd: q.dir });
      for (const piece of [secret, parts[1]]) assert.ok(!listed.all.includes(piece), `profiles --json showed ${piece}:\n${listed.all}`);
      assert.match(listed.stdout, /postgres:\*\*\*@127\.0\.0\.1:1\/postgres/);
    } finally {
      q.remove();
    }
  });
});
