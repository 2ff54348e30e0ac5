// Fuzzing the config loader: file text → parseConfig/loadConfig → every profile resolved and checked
// by its backend's rules; inline profiles (--profile URL/JSON); ${VAR} references; saveConfig.
// Whatever the input, the answer is a value or a ConfigurationError naming the problem — never
// another exception, never a hang — nothing is written, and no message shows a secret.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { loadConfig, parseConfig } from '../../shared/config/load.js';
import { parseInlineProfile } from '../../shared/config/inline.js';
import { resolveEntry, resolveProfile } from '../../shared/config/profiles.js';
import { resolveReferences } from '../../shared/config/references.js';
import { saveConfig } from '../../shared/config/save.js';
import type { SitqConfig } from '../../shared/config/schema.js';
import { ConfigurationError, ConnectionError } from '../../shared/core/errors.js';
import {
  checkProperty,
  configObject,
  configText,
  expectTypedOutcome,
  MapSecretStore,
  profileEntry,
  referenceEnv,
  referenceString,
  SECRET_MARK,
  weirdString,
  weirdValue,
} from './arbitraries.js';

const DIR = mkdtempSync(join(tmpdir(), 'sitq-fuzz-config-'));
after(() => rmSync(DIR, { recursive: true, force: true }));

// Enough runs to reach the odd corners, few enough for a loaded 2-core machine.
const RUNS = Number(process.env.SITQ_FUZZ_RUNS ?? 300);
/** A synchronous parse of a 100 kB input that takes longer than this is a runaway regex, not load. */
const HANG_MS = 10_000;

const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function assertNoSecret(text: string, what: string): void {
  assert.ok(!text.includes(SECRET_MARK), `${what} shows a secret: ${text.slice(0, 500)}`);
}

/** Checks a ConfigurationError's shape: named options, an expectation, no secret anywhere. */
function assertGoodConfigError(err: ConfigurationError): void {
  assert.ok(err.issues.length > 0, 'a ConfigurationError names at least one option');
  for (const issue of err.issues) {
    assert.equal(typeof issue.option, 'string');
    assert.ok(issue.expected.length > 0, `issue for ${issue.option} says what was expected`);
  }
  assertNoSecret(err.message, 'a ConfigurationError message');
  assertNoSecret(JSON.stringify(err.issues), 'ConfigurationError issues');
}

describe('fuzz: config loader', () => {
  it('parseConfig: any text is a config or a ConfigurationError (never another exception or a hang)', async () => {
    await checkProperty(
      fc.asyncProperty(configText, async (text) => {
        const t0 = performance.now();
        const out = await expectTypedOutcome(text, () => parseConfig(text, 'fuzz.json'));
        assert.ok(performance.now() - t0 < HANG_MS, `parseConfig took ${Math.round(performance.now() - t0)} ms`);
        if (!out.ok) assertGoodConfigError(out.error as ConfigurationError);
        else for (const w of out.value.warnings) assertNoSecret(w, 'a config warning');
      }),
      { numRuns: RUNS },
    );
  });

  it('loadConfig + resolveProfile: every profile resolves or fails with a ConfigurationError; the file and its folder are untouched', async () => {
    let n = 0;
    await checkProperty(
      fc.asyncProperty(configText, fc.string({ maxLength: 8 }), async (text, secretTail) => {
        const dir = join(DIR, `load-${n++}`);
        mkdirSync(dir);
        const file = join(dir, 'sitq.config.json');
        writeFileSync(file, text);
        const before = digest(file);
        const store = new MapSecretStore(referenceEnv(`${SECRET_MARK}${secretTail}`));
        const loaded = await expectTypedOutcome(text, () => loadConfig({ cwd: dir }));
        if (loaded.ok) {
          for (const name of Object.keys(loaded.value.config.profiles)) {
            const t0 = performance.now();
            const out = await expectTypedOutcome({ text, name }, () =>
              resolveProfile(loaded.value.config, name, { secrets: store, baseDir: dir }),
            );
            assert.ok(performance.now() - t0 < HANG_MS, 'resolveProfile hung');
            if (!out.ok) assertGoodConfigError(out.error as ConfigurationError);
          }
        } else {
          assertGoodConfigError(loaded.error as ConfigurationError);
        }
        assert.equal(digest(file), before, 'loading changed the config file');
        assert.deepEqual(readdirSync(dir), ['sitq.config.json'], 'loading or resolving wrote a file (e.g. a SQLite database)');
        rmSync(dir, { recursive: true, force: true });
      }),
      { numRuns: RUNS },
    );
  });

  it('resolveEntry: odd option values in every backend are a ConfigurationError that names the option and hides the secret', async () => {
    await checkProperty(
      fc.asyncProperty(profileEntry, async (entry) => {
        const store = new MapSecretStore(referenceEnv(`${SECRET_MARK}env`));
        const out = await expectTypedOutcome(entry, () => resolveEntry('fuzz', entry as never, { secrets: store, baseDir: DIR }));
        if (!out.ok) {
          assertGoodConfigError(out.error as ConfigurationError);
          for (const issue of (out.error as ConfigurationError).issues)
            assert.match(issue.option, /^profiles\.fuzz/, 'the issue names the profile');
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('cases the fuzzers found: an empty SQLite path is refused, not anchored to the folder', async () => {
    await assert.rejects(
      resolveEntry('x', { type: 'sqlite', path: '' }, { baseDir: DIR }),
      (e: unknown) => e instanceof ConfigurationError && e.option === 'profiles.x.path',
    );
  });

  it("a postgres connectionString pg cannot parse is a sitq error, not pg's TypeError at connect", async () => {
    const { createBackend } = await import('../../shared/backends/index.js');
    const outcome = await expectTypedOutcome(
      'postgres://u@h:99999999/x',
      async () => {
        const profile = await resolveEntry('x', { type: 'postgres', connectionString: 'postgres://u@h:99999999/x', connectTimeout: 1000 });
        const backend = createBackend(profile.backend);
        try {
          await backend.connect();
        } finally {
          await backend.close();
        }
      },
      [ConfigurationError, ConnectionError],
    );
    assert.equal(outcome.ok, false);
  });

  it('--profile text (a URL or inline JSON) parses to a profile or a ConfigurationError', async () => {
    const inline = fc.oneof(
      weirdString,
      fc.json().map((j) => (j.trimStart().startsWith('{') ? j : `{"type":${j}}`)),
      profileEntry.map((e) => JSON.stringify(e)),
      fc
        .tuple(fc.constantFrom('redis://', 'rediss://', 'postgres://', 'nats://', 'tls://', 'sqlite:', 'REDIS://'), weirdString)
        .map(([a, b]) => a + b),
    );
    await checkProperty(
      fc.asyncProperty(inline, async (text) => {
        const parsed = await expectTypedOutcome(text, () => parseInlineProfile(text));
        if (!parsed.ok) return assertGoodConfigError(parsed.error as ConfigurationError);
        const out = await expectTypedOutcome(text, () =>
          resolveEntry('inline', parsed.value, { secrets: new MapSecretStore(), baseDir: DIR }),
        );
        if (!out.ok) assertGoodConfigError(out.error as ConfigurationError);
      }),
      { numRuns: RUNS },
    );
  });

  it('${VAR} references: substituted or a ConfigurationError naming the field; a secret substituted is listed for scrubbing', async () => {
    const nested = fc.oneof(
      referenceString,
      fc.array(referenceString, { maxLength: 3 }),
      fc.dictionary(fc.constantFrom('a', 'password', 'tls'), fc.oneof(referenceString, weirdValue), { maxKeys: 3 }),
    );
    await checkProperty(
      fc.asyncProperty(nested, async (value) => {
        const secret = `${SECRET_MARK}ref`;
        const out = await expectTypedOutcome(value, () =>
          resolveReferences(value, new MapSecretStore(referenceEnv(secret)), 'profiles.fuzz'),
        );
        if (!out.ok) {
          assertGoodConfigError(out.error as ConfigurationError);
          for (const issue of (out.error as ConfigurationError).issues) assert.match(issue.option, /^profiles\.fuzz/);
          return;
        }
        if (JSON.stringify(out.value.value).includes(secret))
          assert.ok(out.value.substituted.includes(secret), 'a substituted secret is not reported for scrubbing');
        assert.ok(!JSON.stringify(out.value.value).includes('${MISSING}'), 'a missing variable was left in place silently');
      }),
      { numRuns: RUNS },
    );
  });

  it('saveConfig: writes a valid config without plain secrets, or refuses with a ConfigurationError and leaves the file as it was', async () => {
    const file = join(DIR, 'save', 'sitq.config.json');
    const original = `${JSON.stringify({ profiles: { keep: { type: 'sqlite', path: 'q.db' } } }, null, 2)}\n`;
    await checkProperty(
      fc.asyncProperty(configObject, fc.constantFrom('refuse', 'strip', 'store'), async (config, mode) => {
        mkdirSync(join(DIR, 'save'), { recursive: true });
        writeFileSync(file, original);
        const store = new MapSecretStore();
        const options = mode === 'strip' ? { stripSecrets: true } : mode === 'store' ? { secretStore: store } : {};
        const out = await expectTypedOutcome(config, () => saveConfig(file, structuredClone(config) as unknown as SitqConfig, options));
        const written = readFileSync(file, 'utf8');
        assert.deepEqual(readdirSync(join(DIR, 'save')), ['sitq.config.json'], 'a temp file was left behind');
        if (!out.ok) {
          assertGoodConfigError(out.error as ConfigurationError);
          assert.equal(written, original, 'a refused save changed the file');
          return;
        }
        assertNoSecret(written, 'the saved config file');
        const reread = await expectTypedOutcome(written, () => parseConfig(written));
        assert.ok(reread.ok, 'what saveConfig wrote does not load again');
      }),
      { numRuns: RUNS },
    );
  });
});
