// Malformed values for the fuzz tests: the shapes users (and broken tools) actually produce —
// wrong types, huge strings, invalid URLs, negative and non-finite numbers, unknown fields, broken
// JSON, `${VAR}` edge cases — plus a secret-looking string that no message may ever show.
import fc from 'fast-check';
import { ConfigurationError, SitqError } from '../../shared/core/errors.js';
import type { SecretStore } from '../../shared/config/references.js';

/** Every generated password/token contains this, so a leak is found by one `includes`. */
export const SECRET_MARK = 'Fz9sEcReT';

export const secretValue = fc.stringMatching(/^[A-Za-z0-9]{0,12}$/).map((s) => `${SECRET_MARK}${s}`);

/** Strings that break parsers: empty, whitespace, control characters, unicode, huge, URL-ish. */
export const weirdString = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\n',
    '\u0000',
    '\u202e',
    '💥',
    '../../etc/passwd',
    'C:\\x',
    '-1',
    'NaN',
    'Infinity',
    'null',
    'true',
    '{}',
    '[]',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('x'.repeat(100_000), '{'.repeat(50_000), 'a:'.repeat(30_000), '${'.repeat(20_000), '%'.repeat(20_000)),
  fc.constantFrom(
    'postgres://',
    'postgres://:@',
    'postgres://u:p@:99999/db',
    'postgresql://[::1/x',
    'postgres://%zz@host/db',
    'redis://',
    'redis://[::1',
    'rediss://h:0/abc',
    'redis://h:70000/0',
    'nats://',
    'nats://:4222',
    'nats://h:999999',
    'tls://a b',
    'http://example.com',
    'sqlite:',
    'sqlite:///',
    'file:///x',
    '://',
  ),
);

/** `${VAR}` references, well-formed and not. */
export const referenceString = fc.oneof(
  fc.constantFrom(
    '${',
    '${}',
    '${1A}',
    '${A',
    '$${A}',
    '$${',
    '${A}${B}',
    '${${A}}',
    '$$${A}',
    '${A-B}',
    '${ A }',
    '${_}',
    '$ {A}',
    '${A}x${',
    `\${${'V'.repeat(5000)}}`,
  ),
  fc
    .tuple(
      fc.constantFrom('', 'pre-', 'postgres://u:'),
      fc.constantFrom('A', 'B', 'MISSING', 'SECRET'),
      fc.constantFrom('', '@h/db', '}', '$'),
    )
    .map(([a, v, b]) => `${a}\${${v}}${b}`),
);

export const weirdNumber = fc.oneof(
  fc.constantFrom(-1, 0, -0, 1.5, -1e9, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 53, 65536, 4.9e-324),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Any value of a wrong or odd type, nested a little. */
export const weirdValue: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    weirdString,
    referenceString,
    weirdNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('key', 'ca', 'cert', 'rejectUnauthorized', '__proto__', 'constructor', 'x'), tie('v'), { maxKeys: 3 }),
  ),
})).v;

/** Each backend's option names (some that other helpers may be adding, e.g. HA settings). */
export const OPTION_KEYS = {
  sqlite: ['connectTimeout', 'path', 'journalMode', 'synchronous', 'cacheSize', 'busyTimeout'],
  postgres: [
    'connectTimeout',
    'connectionString',
    'host',
    'port',
    'database',
    'user',
    'password',
    'ssl',
    'schema',
    'poolSize',
    'maxOverflow',
    'poolTimeout',
    'poolRecycle',
    'overflowIdleTimeout',
    'hosts',
    'failoverTimeout',
    'queryTimeout',
    'keepAlive',
  ],
  redis: [
    'connectTimeout',
    'host',
    'port',
    'db',
    'username',
    'password',
    'tls',
    'maxConnections',
    'socketTimeout',
    'socketConnectTimeout',
    'keyPrefix',
    'startupNodes',
    'sentinels',
  ],
  nats: [
    'connectTimeout',
    'servers',
    'streamName',
    'maxReconnectAttempts',
    'reconnectWait',
    'pingInterval',
    'maxPingsOutstanding',
    'user',
    'pass',
    'token',
    'credsFile',
    'nkey',
    'tls',
  ],
} as const;
const UNKNOWN_KEYS = ['passwrod', 'timeout', '', ' ', '__proto__', 'constructor', 'toString', 'type2'];

/** Values that often pass a schema, so checks past the first one are reached too. */
const plausibleValue = fc.oneof(
  fc.integer({ min: -2, max: 70_000 }),
  fc.string({ maxLength: 20 }),
  fc.boolean(),
  fc.constantFrom('127.0.0.1', 'nats://127.0.0.1:4222', 'postgres://u@h/db', 'WAL', 'NORMAL', 'q.db'),
);

type Kind = keyof typeof OPTION_KEYS;
const kinds = Object.keys(OPTION_KEYS) as Kind[];

/** A profile entry: a (rarely wrong) type and that backend's options with odd values, sometimes an
 *  unknown option; a secret field (when the backend has one) holds a secret. */
export const profileEntry = fc
  .constantFrom(...kinds)
  .chain((kind) =>
    fc.tuple(
      fc.oneof(
        { weight: 6, arbitrary: fc.constant<unknown>(kind) },
        { weight: 1, arbitrary: fc.constantFrom<unknown>('mysql', '', 'SQLITE', 1, null, ['redis']) },
      ),
      fc.dictionary(
        fc.constantFrom(...OPTION_KEYS[kind]),
        fc.oneof({ weight: 2, arbitrary: plausibleValue }, { weight: 1, arbitrary: weirdValue }),
        { maxKeys: 4 },
      ),
      fc.option(fc.tuple(fc.constantFrom(...UNKNOWN_KEYS), weirdValue), { nil: undefined, freq: 5 }),
      fc.option(fc.constantFrom(...(kind === 'nats' ? ['pass', 'token'] : kind === 'sqlite' ? ['password'] : ['password'])), {
        nil: undefined,
      }),
      secretValue,
      fc.option(fc.oneof(fc.string({ maxLength: 10 }), fc.constant('d'.repeat(500)), fc.integer()), { nil: undefined, freq: 3 }),
    ),
  )
  .map(([type, options, unknown, secretField, secret, description]) => {
    const entry: Record<string, unknown> = { ...options, type };
    if (unknown) entry[unknown[0]] = unknown[1];
    if (secretField) entry[secretField] = secret;
    if (description !== undefined) entry.description = description;
    return entry;
  });

export const profileName = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_.-]{0,10}$/) },
  {
    weight: 1,
    arbitrary: fc.oneof(fc.constantFrom('-bad', '', ' ', 'x'.repeat(65), 'ü', 'has space', '__proto__'), fc.string({ maxLength: 8 })),
  },
);

/** A whole config object, mostly well-shaped at the top so the profile checks are reached. */
export const configObject = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.dictionary(profileName, profileEntry, { maxKeys: 3 }),
        fc.option(fc.oneof(profileName, fc.constant(0)), { nil: undefined, freq: 3 }),
        fc.option(fc.dictionary(fc.constantFrom('$schema', 'extra', 'profile', 'defaultprofile'), weirdValue, { maxKeys: 1 }), {
          nil: {},
          freq: 4,
        }),
      )
      .map(([profiles, defaultProfile, extra]) => {
        const config: Record<string, unknown> = { ...extra, profiles };
        // 0 stands for "the first profile": a default that exists, so the profiles are checked.
        if (defaultProfile === 0) {
          const first = Object.keys(profiles)[0];
          if (first !== undefined) config.defaultProfile = first;
        } else if (defaultProfile !== undefined) config.defaultProfile = defaultProfile;
        return config;
      }),
  },
  { weight: 1, arbitrary: weirdValue },
);

/** Text of a config file: valid JSON of a config, then maybe broken by a cut or an insertion. */
export const configText = fc.oneof(
  configObject.map((c) => JSON.stringify(c)),
  fc
    .tuple(
      configObject.map((c) => JSON.stringify(c, null, 2)),
      fc.nat(),
      fc.constantFrom('', ',', '}', '"', '\\', '\u0000', '//', '/*', 'NaN', '\uFEFF'),
    )
    .map(([text, at, insert]) => {
      const i = text.length ? at % text.length : 0;
      return text.slice(0, i) + insert + text.slice(i + (insert === '' ? 1 : 0));
    }),
  weirdString,
  fc.json(),
);

/** A SecretStore over a plain map, the environment's stand-in in the fuzz tests. */
export class MapSecretStore implements SecretStore {
  constructor(readonly values: Map<string, string> = new Map()) {}
  async get(key: string): Promise<string | undefined> {
    return this.values.get(key);
  }
  async set(key: string, value: string): Promise<void> {
    this.values.set(key, value);
  }
  async delete(key: string): Promise<void> {
    this.values.delete(key);
  }
}

/** Variables the reference strings name; SECRET holds a secret, MISSING is never set. */
export const referenceEnv = (secret: string) =>
  new Map([
    ['A', 'a-value'],
    ['B', ''],
    ['SECRET', secret],
    ['V'.repeat(5000), 'long'],
  ]);

/**
 * Runs `fn` and classifies what it threw. A sitq error of an allowed class is an answer; anything
 * else (TypeError, RangeError, a driver's own error) is a finding, reported with the input.
 */
export async function expectTypedOutcome<T>(
  input: unknown,
  fn: () => T | Promise<T>,
  allowed: readonly (abstract new (...args: never[]) => SitqError)[] = [ConfigurationError],
): Promise<{ ok: true; value: T } | { ok: false; error: SitqError }> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    if (allowed.some((cls) => err instanceof cls)) return { ok: false, error: err as SitqError };
    const shown = JSON.stringify(input, (_k, v: unknown) =>
      typeof v === 'string' && v.length > 200 ? `${v.slice(0, 200)}…(${v.length})` : v,
    );
    throw new Error(
      `input ${shown} threw ${(err as Error)?.name ?? typeof err} instead of ${allowed.map((c) => c.name).join('/')}: ${(err as Error)?.message ?? String(err)}`,
      { cause: err },
    );
  }
}

/**
 * fc.assert, but a failure reports the seed, the replay path and the property's own message
 * (which shortens long inputs) instead of a counterexample that may be megabytes of text.
 */
export async function checkProperty<Ts extends [unknown, ...unknown[]]>(
  property: fc.IAsyncProperty<Ts>,
  params: fc.Parameters<Ts>,
): Promise<void> {
  const details = await fc.check(property, params);
  if (!details.failed) return;
  const error = details.errorInstance;
  const message = error instanceof Error ? error.message : String(error);
  throw new Error(
    `property failed after ${details.numRuns} run(s) (replay with { seed: ${details.seed}, path: "${details.counterexamplePath}" }):\n${message}`,
    { cause: error },
  );
}
