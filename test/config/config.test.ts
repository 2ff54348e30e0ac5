// Profiles and configuration: the file's schema, ${VAR} references, validation messages that name
// profile, field, value and expectation, secrets that never show, and saving without secrets.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  ConfigNotFoundError,
  configJsonSchemaText,
  EnvSecretStore,
  findConfigFile,
  LOCAL_SERVER_PRESETS,
  loadConfig,
  parseConfig,
  parseInlineProfile,
  pickProfileName,
  plainSecretFields,
  redact,
  redactValue,
  resolveEntry,
  resolveProfile,
  saveConfig,
  scrub,
  starterConfig,
  type SecretStore,
  type SitqConfig,
} from '../../shared/config/index.js';
import { ConfigurationError } from '../../shared/core/errors.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'sitq-config-test-'));
  dirs.push(d);
  return d;
};
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const env = (vars: Record<string, string>) => new EnvSecretStore(vars);

/** The ConfigurationError `fn` rejects with. */
async function configError(fn: () => unknown): Promise<ConfigurationError> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof ConfigurationError, `expected a ConfigurationError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigurationError');
}

describe('config file', () => {
  it('the starter config is valid and its default profile is a local SQLite file', async () => {
    const config = starterConfig();
    assert.equal(config.defaultProfile, 'local');
    const profile = await resolveProfile(config, 'local', { baseDir: '/srv/app' });
    assert.equal(profile.backend.type, 'sqlite');
    assert.equal((profile.backend as { path: string }).path, '/srv/app/.sitq/queue.db');
  });

  it('the presets for the local servers are valid profiles', async () => {
    const config = starterConfig({ all: true });
    assert.deepEqual(Object.keys(config.profiles).sort(), ['local', 'nats', 'postgres', 'redis']);
    for (const name of ['postgres', 'redis']) await resolveProfile(config, name);
    assert.equal(LOCAL_SERVER_PRESETS.postgres.port, 5432);
    assert.equal(LOCAL_SERVER_PRESETS.postgres.database, 'test');
    assert.equal(LOCAL_SERVER_PRESETS.redis.port, 6379);
  });

  it('is found by walking up from a subfolder; none found is a ConfigNotFoundError', () => {
    const root = tempDir();
    const deep = join(root, 'a', 'b', 'c');
    mkdirSync(deep, { recursive: true });
    assert.throws(() => loadConfig({ cwd: deep }), ConfigNotFoundError);
    writeFileSync(join(root, 'sitq.config.json'), JSON.stringify(starterConfig()));
    assert.equal(findConfigFile(deep), join(root, 'sitq.config.json'));
    const loaded = loadConfig({ cwd: deep });
    assert.equal(loaded.dir, root);
    assert.equal(loaded.config.defaultProfile, 'local');
  });

  it('an explicit --config that does not exist is named', () => {
    const err = assert.throws(
      () => loadConfig({ path: 'nope.json', cwd: tempDir() }),
      (e: unknown) => e instanceof ConfigurationError && /nope\.json/.test(e.message),
    );
    void err;
  });

  it('malformed JSON says where', async () => {
    const err = await configError(() => parseConfig('{\n  "profiles": {\n    "a": { "type": "sqlite", }\n  }\n}', 'sitq.config.json'));
    assert.match(err.message, /sitq\.config\.json: expected valid JSON/);
    assert.match(err.message, /line 3/);
  });

  it('malformed JSON never quotes the file (a secret sits next to the error), yet still says where', async () => {
    const text = '{\n  "profiles": {\n    "db": { "type": "postgres", "password": Hunter2SecretValue }\n  }\n}';
    const err = await configError(() => parseConfig(text, 'sitq.config.json'));
    assert.doesNotMatch(err.message, /Hunter2|Secret|Value/);
    assert.match(err.message, /Unexpected token 'H' at line 3, column \d+/);
    const short = await configError(() => parseConfig('{"a": Secret}', 'short.json'));
    assert.doesNotMatch(short.message, /ecret/);
  });

  it('structure problems: one issue per problem, naming the field, the value and what is expected', async () => {
    const err = await configError(() =>
      parseConfig(JSON.stringify({ defaultProfile: 'prod', profiles: { 'bad name!': { type: 'sqlite' }, db: { type: 'mysql' } } })),
    );
    const options = err.issues.map((i) => i.option);
    assert.ok(options.includes('profiles.db.type'), options.join());
    const typeIssue = err.issues.find((i) => i.option === 'profiles.db.type')!;
    assert.equal(typeIssue.given, 'mysql');
    assert.match(typeIssue.expected, /"sqlite", "postgres", "redis", "nats"/);
    const nameIssue = err.issues.find((i) => /bad name!/.test(i.option) || i.given === 'bad name!');
    assert.ok(nameIssue, JSON.stringify(err.issues));
    // The key's own rule, not zod's "Invalid key in record".
    assert.match(nameIssue.expected, /profile name of 1-64 letters/);
    assert.doesNotMatch(err.message, /Invalid key/);
  });

  it('a defaultProfile that names no profile is an error', async () => {
    const err = await configError(() => parseConfig(JSON.stringify({ defaultProfile: 'prod', profiles: { local: { type: 'sqlite' } } })));
    assert.equal(err.issues[0].option, 'defaultProfile');
    assert.equal(err.issues[0].given, 'prod');
  });

  it('unknown top-level keys are rejected (a typo is not silently ignored)', async () => {
    const err = await configError(() => parseConfig(JSON.stringify({ profile: {}, profiles: {} })));
    assert.ok(
      err.issues.some((i) => i.option === 'profile' && /did you mean "profiles"/.test(i.expected)),
      JSON.stringify(err.issues),
    );
  });

  it('picks the asked profile, else the default, else the only one; an unknown name lists the known ones', async () => {
    const config: SitqConfig = { profiles: { a: { type: 'sqlite' }, b: { type: 'sqlite' } } };
    assert.equal(pickProfileName({ ...config, defaultProfile: 'b' }), 'b');
    assert.equal(pickProfileName({ profiles: { only: { type: 'sqlite' } } }), 'only');
    assert.throws(
      () => pickProfileName(config),
      (e: unknown) => e instanceof ConfigurationError && /a, b/.test(e.message),
    );
    const err = await configError(() => pickProfileName(config, 'c'));
    assert.equal(err.issues[0].given, 'c');
    assert.match(err.message, /a, b/);
  });

  it('the committed JSON Schema is current', () => {
    const committed = readFileSync(new URL('../../../shared/config/sitq.schema.json', import.meta.url), 'utf8');
    assert.equal(committed, configJsonSchemaText(), 'regenerate: node dist/shared/config/json-schema.js shared/config/sitq.schema.json');
  });
});

describe("profile validation (the backend's own rules, renamed to the profile)", () => {
  it('each bad option is one issue naming profile, field, value given and what is expected', async () => {
    const config: SitqConfig = { profiles: { prod: { type: 'postgres', poolSize: 5000, port: 'x' } } };
    const err = await configError(() => resolveProfile(config, 'prod'));
    const pool = err.issues.find((i) => i.option === 'profiles.prod.poolSize');
    assert.ok(pool, JSON.stringify(err.issues));
    assert.equal(pool.given, 5000);
    assert.match(pool.expected, /1000/);
    assert.ok(err.issues.some((i) => i.option === 'profiles.prod.port' && i.given === 'x'));
    assert.match(err.message, /profiles\.prod\.poolSize: expected .*1000.*, got 5000/);
  });

  it('an unknown option is named', async () => {
    const err = await configError(() => resolveEntry('dev', { type: 'sqlite', pth: 'x.db' }));
    assert.match(err.message, /profiles\.dev\.pth/);
  });

  it('a bad password value is reported without the password', async () => {
    const err = await configError(() => resolveEntry('cache', { type: 'redis', password: 12345678 }));
    assert.ok(!err.message.includes('12345678'), err.message);
    assert.match(err.message, /profiles\.cache\.password/);
  });

  it('a malformed connection string is shown redacted', async () => {
    const err = await configError(() => resolveEntry('db', { type: 'postgres', connectionString: 'postgress://app:hunter22@db/app' }));
    assert.ok(!err.message.includes('hunter22'), err.message);
    assert.match(err.message, /profiles\.db\.connectionString/);
  });
});

describe('${VAR} references', () => {
  it('are resolved at load time, whole values and inside strings', async () => {
    const entry = { type: 'postgres' as const, connectionString: 'postgres://app:${PG_PW}@127.0.0.1:5432/test', schema: '${SCHEMA}' };
    const profile = await resolveEntry('db', entry, { secrets: env({ PG_PW: 's3cr3t-pw', SCHEMA: 'app_1' }) });
    assert.equal((profile.backend as { connectionString: string }).connectionString, 'postgres://app:s3cr3t-pw@127.0.0.1:5432/test');
    assert.equal((profile.backend as { schema: string }).schema, 'app_1');
    assert.ok(profile.secrets.includes('s3cr3t-pw'));
  });

  it('a missing variable names the profile, the field and the variable', async () => {
    const err = await configError(() => resolveEntry('prod', { type: 'redis', password: '${SITQ_MISSING_PW}' }, { secrets: env({}) }));
    assert.equal(err.issues[0].option, 'profiles.prod.password');
    assert.match(err.message, /SITQ_MISSING_PW/);
  });

  it('every missing variable is reported, and $${ is a literal', async () => {
    const err = await configError(() => resolveEntry('p', { type: 'redis', host: '${A}', username: '${B}' }, { secrets: env({}) }));
    assert.equal(err.issues.length, 2);
    const ok = await resolveEntry('p', { type: 'sqlite', path: '/tmp/$${x}.db' }, { secrets: env({}) });
    assert.equal((ok.backend as { path: string }).path, '/tmp/${x}.db');
  });

  it('a malformed reference is an error, not a silent literal', async () => {
    const err = await configError(() => resolveEntry('p', { type: 'redis', password: '${not closed' }, { secrets: env({}) }));
    assert.match(err.message, /profiles\.p\.password/);
  });

  it("a host's secret store supplies them", async () => {
    const store: SecretStore = {
      get: async (k) => (k === 'VAULT_PW' ? 'from-vault' : undefined),
      set: async () => {},
      delete: async () => {},
    };
    const profile = await resolveEntry('p', { type: 'redis', password: '${VAULT_PW}' }, { secrets: store });
    assert.equal((profile.backend as { password: string }).password, 'from-vault');
  });

  it('the environment store cannot store secrets', async () => {
    await assert.rejects(() => new EnvSecretStore({}).set('X', 'y'), ConfigurationError);
  });
});

describe('secrets never shown', () => {
  it('redact() hides passwords in connection strings and keeps references', () => {
    assert.equal(redact('postgres://app:hunter2@db:5432/app'), 'postgres://app:***@db:5432/app');
    assert.equal(redact('redis://:pw123@cache:6379/0'), 'redis://:***@cache:6379/0');
    assert.equal(redact('nats://s3cr3ttoken@nats:4222'), 'nats://***@nats:4222');
    assert.equal(redact('postgres://db/app?sslmode=require&password=abc'), 'postgres://db/app?sslmode=require&password=***');
    assert.equal(redact("host=db password='a b' dbname=x"), 'host=db password=*** dbname=x');
    assert.equal(redact('postgres://app:${PG_PW}@db/app'), 'postgres://app:${PG_PW}@db/app');
    assert.equal(redact('postgres://app@db/app'), 'postgres://app@db/app');
    assert.equal(redact('just text'), 'just text');
  });

  it('redact() masks a password typed with unencoded @, : and / whole (to the last @ before the host)', () => {
    assert.equal(redact('postgres://postgres:p@ss:w/rd%41@127.0.0.1:15432/postgres'), 'postgres://postgres:***@127.0.0.1:15432/postgres');
    assert.equal(redact('redis://:a@b@cache:6379/0'), 'redis://:***@cache:6379/0');
    // An @ after the query starts is not part of the password.
    assert.equal(redact('postgres://app:pw@db/app?application_name=a@b'), 'postgres://app:***@db/app?application_name=a@b');
  });

  it('redactValue() masks secret fields, nested TLS keys and URL passwords', () => {
    const shown = redactValue({ type: 'redis', password: 'hunter2', tls: { key: 'PEM', ca: 'CA' }, url: 'redis://:pw1@h', token: '${T}' });
    assert.deepEqual(shown, { type: 'redis', password: '***', tls: { key: '***', ca: 'CA' }, url: 'redis://:***@h', token: '${T}' });
  });

  it('scrub() removes known values, also URL-encoded ones', () => {
    assert.equal(scrub('auth failed for p@ss/word and p%40ss%2Fword', ['p@ss/word']), 'auth failed for *** and ***');
  });

  it('plain secrets in a profile are found (for warnings and for saveConfig)', () => {
    assert.deepEqual(plainSecretFields({ type: 'postgres', password: 'x', connectionString: 'postgres://a:b@h/d' }), [
      'password',
      'connectionString',
    ]);
    assert.deepEqual(plainSecretFields({ type: 'postgres', password: '${PW}', connectionString: 'postgres://a:${PW}@h/d' }), []);
  });

  it('loading a file with a plain password warns (and does not show it)', () => {
    const { warnings } = parseConfig(JSON.stringify({ profiles: { prod: { type: 'redis', password: 'hunter2' } } }));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /profiles\.prod\.password/);
    assert.ok(!warnings[0].includes('hunter2'));
  });
});

describe('saveConfig', () => {
  const withSecret = (): SitqConfig => ({
    defaultProfile: 'prod',
    profiles: {
      prod: { type: 'postgres', connectionString: 'postgres://app:hunter2@db/app' },
      cache: { type: 'redis', password: 'pw-cache' },
    },
  });

  it('refuses to write a secret, naming each field, and writes nothing', async () => {
    const path = join(tempDir(), 'sitq.config.json');
    const err = await configError(() => saveConfig(path, withSecret()));
    assert.deepEqual(err.issues.map((i) => i.option).sort(), ['profiles.cache.password', 'profiles.prod.connectionString']);
    assert.ok(!err.message.includes('hunter2') && !err.message.includes('pw-cache'));
    assert.throws(() => readFileSync(path));
  });

  it("moves secrets to the host's store and writes references instead", async () => {
    const path = join(tempDir(), 'sitq.config.json');
    const stored = new Map<string, string>();
    const store: SecretStore = {
      get: async (k) => stored.get(k),
      set: async (k, v) => void stored.set(k, v),
      delete: async (k) => void stored.delete(k),
    };
    await saveConfig(path, withSecret(), { secretStore: store });
    const text = readFileSync(path, 'utf8');
    assert.ok(!text.includes('hunter2') && !text.includes('pw-cache'), text);
    assert.match(text, /postgres:\/\/app:\$\{SITQ_PROD_CONNECTIONSTRING\}@db\/app/);
    assert.equal(stored.get('SITQ_PROD_CONNECTIONSTRING'), 'hunter2');
    assert.equal(stored.get('SITQ_CACHE_PASSWORD'), 'pw-cache');
    // and it loads back to the same values through the store
    const loaded = loadConfig({ path });
    const prod = await resolveProfile(loaded.config, 'prod', { secrets: store });
    assert.equal((prod.backend as { connectionString: string }).connectionString, 'postgres://app:hunter2@db/app');
  });

  it('strips secrets when asked', async () => {
    const path = join(tempDir(), 'sitq.config.json');
    const written = await saveConfig(path, withSecret(), { stripSecrets: true });
    assert.equal(written.profiles.prod.connectionString, 'postgres://app@db/app');
    assert.equal(written.profiles.cache.password, undefined);
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), written);
  });

  it('writes references as they are', async () => {
    const path = join(tempDir(), 'sitq.config.json');
    await saveConfig(path, { profiles: { cache: { type: 'redis', password: '${REDIS_PW}' } } });
    assert.match(readFileSync(path, 'utf8'), /"password": "\$\{REDIS_PW\}"/);
  });
});

describe('inline profiles', () => {
  it('from URLs and JSON', () => {
    assert.deepEqual(parseInlineProfile('redis://app:pw@cache:6380/2'), {
      type: 'redis',
      host: 'cache',
      port: 6380,
      db: 2,
      username: 'app',
      password: 'pw',
    });
    assert.deepEqual(parseInlineProfile('postgres://u@h/db'), { type: 'postgres', connectionString: 'postgres://u@h/db' });
    assert.deepEqual(parseInlineProfile('sqlite:./q.db'), { type: 'sqlite', path: './q.db' });
    assert.deepEqual(parseInlineProfile('{"type":"sqlite","path":"x.db"}'), { type: 'sqlite', path: 'x.db' });
  });

  it('bad inline input is a ConfigurationError that does not echo a password', async () => {
    const err = await configError(() => parseInlineProfile('{"type":"redis", "password": "hunter2"'));
    assert.ok(!err.message.includes('hunter2'), err.message);
  });
});
