// The CLI as a process on the SQLite default (no server): help, init, profiles, usage errors that
// write nothing, and the exit codes.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ANSI, json, sitq, tempProject } from './run.js';

/** Every command, in the order --help lists them (the first test fails when one is added or
 *  removed without this list, so each has its own --help test below). */
const COMMANDS = [
  'init',
  'profiles',
  'health',
  'enqueue',
  'worker',
  'inspect',
  'events',
  'stats',
  'metrics',
  'requeue',
  'cancel',
  'purge',
  'retention',
  'pause',
  'resume',
  'limits',
  'schedule',
  'bench',
  'sweep',
  'demo',
  'dashboard',
];

/** The commands `sitq --help` lists (without `help` itself), in its order. */
const listedCommands = (help: string): string[] =>
  [...help.split('Commands:')[1].matchAll(/^  ([a-z][a-z-]*)\b/gm)].map((m) => m[1]).filter((c) => c !== 'help');

describe('sitq: help and version', () => {
  const p = tempProject();
  after(p.remove);

  it('--help on the program lists every command, exit 0', async () => {
    const r = await sitq(['--help'], { cwd: p.dir });
    assert.equal(r.code, 0);
    const listed = listedCommands(r.stdout);
    assert.deepEqual(listed, COMMANDS, 'the commands --help lists');
    assert.doesNotMatch(r.all, ANSI, 'no colours into a pipe');
  });

  for (const c of COMMANDS) {
    it(`sitq ${c} --help: usage with the global options, exit 0`, async () => {
      const r = await sitq([c, '--help'], { cwd: p.dir });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`Usage: sitq ${c}`));
      assert.match(r.stdout, /--json/);
      assert.match(r.stdout, /--profile/);
    });
  }

  it("the READMEs name every command --help lists: the root README's Tools row and shared/cli/README.md's table", async () => {
    const r = await sitq(['--help'], { cwd: p.dir });
    const listed = listedCommands(r.stdout);
    assert.ok(listed.length >= COMMANDS.length, `--help listed ${listed.join(', ')}`);
    const root = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
    const tools = root.split('\n').find((l) => l.startsWith('| `sitq` CLI'));
    assert.ok(tools, "the README's Tools table has no `sitq` CLI row");
    const cli = readFileSync(fileURLToPath(new URL('../../../shared/cli/README.md', import.meta.url)), 'utf8');
    assert.deepEqual(
      listed.filter((c) => !new RegExp(`\`${c}\\b`).test(tools)),
      [],
      "commands missing from the README's Tools table",
    );
    assert.deepEqual(
      listed.filter((c) => !new RegExp(`\`sitq ${c}\\b`).test(cli)),
      [],
      'commands missing from shared/cli/README.md',
    );
  });

  it('--version prints the package version', async () => {
    const r = await sitq(['--version'], { cwd: p.dir });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^\d+\.\d+\.\d+/);
  });

  it('no command is a usage error (exit 2) that shows the help', async () => {
    const r = await sitq([], { cwd: p.dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Usage: sitq/);
  });

  it('an unknown command is a usage error', async () => {
    const r = await sitq(['frobnicate'], { cwd: p.dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command/);
  });
});

describe('sitq init and profiles', () => {
  const p = tempProject();
  after(p.remove);
  const configPath = join(p.dir, 'sitq.config.json');

  it('init writes a starter config whose default profile is a local SQLite file', async () => {
    const r = await sitq(['init'], { cwd: p.dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Wrote .*sitq\.config\.json/);
    const config = JSON.parse(readFileSync(configPath, 'utf8'));
    assert.equal(config.defaultProfile, 'local');
    assert.deepEqual(config.profiles.local, { type: 'sqlite', description: config.profiles.local.description, path: '.sitq/queue.db' });
  });

  it('init again leaves the file alone: a no-op that succeeds, or, for --all without the server profiles, what to do (exit 2)', async () => {
    const before = readFileSync(configPath, 'utf8');
    const again = await sitq(['init'], { cwd: p.dir });
    assert.equal(again.code, 0, again.all);
    assert.equal(again.stdout, `${configPath} already exists (profiles: local); left as it is. \`sitq init --force\` replaces it.\n`);
    assert.equal(again.stderr, '');
    const againJson = json<{ ok: boolean; created: boolean }>(await sitq(['init', '--json'], { cwd: p.dir }));
    assert.deepEqual([againJson.ok, againJson.created], [true, false]);
    const all = await sitq(['init', '--all'], { cwd: p.dir });
    assert.equal(all.code, 2);
    assert.match(
      all.stderr,
      /already exists without the postgres, redis, nats profile\(s\) of --all; add them to it by hand, or replace it with `sitq init --all --force`/,
    );
    assert.equal(readFileSync(configPath, 'utf8'), before);
    const forced = await sitq(['init', '--all', '--force', '--json'], { cwd: p.dir });
    assert.equal(forced.code, 0, forced.stderr);
    const out = json<{ config: { profiles: Record<string, { type: string; port?: number; host?: string; database?: string }> } }>(forced);
    assert.deepEqual(Object.keys(out.config.profiles).sort(), ['local', 'nats', 'postgres', 'redis']);
    assert.equal(out.config.profiles.postgres.port, 5432);
    assert.equal(out.config.profiles.postgres.database, 'test');
    assert.equal(out.config.profiles.redis.port, 6379);
  });

  it('profiles lists each profile with its type, redacted address and status; found from a subfolder', async () => {
    const sub = join(p.dir, 'src');
    (await import('node:fs')).mkdirSync(sub, { recursive: true });
    const r = await sitq(['profiles'], { cwd: sub });
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /^local \*\s+sqlite\s+sqlite:.*\.sitq\/queue\.db\s+ok$/m);
    assert.match(r.stdout, /^redis\s+redis\s+redis:\/\/127\.0\.0\.1:6379/m);
    const j = json<{ profiles: { name: string; ok: boolean; default: boolean }[] }>(await sitq(['profiles', '--json'], { cwd: sub }));
    assert.equal(j.profiles.find((x) => x.name === 'local')?.default, true);
    assert.ok(j.profiles.every((x) => x.ok));
  });
});

describe('sitq: bad input is a clear message, exit 2, and nothing written', () => {
  const p = tempProject({
    defaultProfile: 'local',
    profiles: { local: { type: 'sqlite', path: 'queue.db' }, bad: { type: 'postgres', poolSize: 0 } },
  });
  after(p.remove);
  const db = join(p.dir, 'queue.db');

  const cases: [string, string[], RegExp][] = [
    ['malformed JSON payload', ['enqueue', 'sitq.echo', '{"a":'], /payload is not valid JSON/],
    [
      '--payload-file that does not exist',
      ['enqueue', 'sitq.echo', '--payload-file', 'nope.json'],
      /--payload-file nope\.json: cannot read it \(ENOENT\); expected a file with the JSON payload/,
    ],
    [
      'a payload argument and --payload-file',
      ['enqueue', 'sitq.echo', '{}', '--payload-file', 'p.json'],
      /give the payload once: as an argument or with --payload-file, not both/,
    ],
    ['unknown profile', ['enqueue', 'sitq.echo', '--profile', 'nope'], /profile.*"nope"/],
    ['unknown flag', ['enqueue', 'sitq.echo', '--bogus'], /unknown option '--bogus'/],
    ['bad number', ['enqueue', 'sitq.echo', '--count', 'abc'], /--count.*'abc' is invalid.*whole number/],
    ['zero count', ['enqueue', 'sitq.echo', '--count', '0'], /whole number from 1/],
    ['priority out of range', ['enqueue', 'sitq.echo', '--priority', '10'], /from 0 to 9/],
    ['bad delay', ['enqueue', 'sitq.echo', '--delay', 'soon'], /duration/],
    ['bad queue name', ['enqueue', 'sitq.echo', '--queue', 'a b'], /queue name/],
    ['bad task name', ['enqueue', 'bad name!'], /task name/],
    ['missing task argument', ['enqueue'], /missing required argument 'task'/],
    ['too many arguments', ['enqueue', 'sitq.echo', '{}', 'extra'], /too many arguments/],
    ['--key with --count', ['enqueue', 'sitq.echo', '--key', 'k', '--count', '2'], /--key/],
    ['bad state', ['inspect', '--state', 'lost'], /Allowed choices are pending/],
    ['bad concurrency', ['worker', '--concurrency', '-1'], /--concurrency/],
    ['tasks module that does not exist', ['worker', '--tasks', './nope.js'], /tasks module/],
    ['purge without --older-than', ['purge'], /--older-than/],
    ['invalid profile options', ['inspect', '--profile', 'bad'], /profiles\.bad\.poolSize: expected a number >= 1, got 0/],
    ['invalid inline profile', ['inspect', '--profile', '{"type":"sqlite","nope":1}'], /profiles\.inline\.nope/],
  ];

  for (const [what, args, message] of cases) {
    it(what, async () => {
      const r = await sitq(args, { cwd: p.dir });
      assert.equal(r.code, 2, `exit code; stderr: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '', 'nothing on stdout');
      assert.equal(existsSync(db), false, 'the database was not even created');
    });
  }

  it('with --json a usage error is also a JSON document on stdout', async () => {
    const r = await sitq(['enqueue', 'sitq.echo', '--count', 'abc', '--json'], { cwd: p.dir });
    assert.equal(r.code, 2);
    const j = json<{ ok: boolean; error: { exitCode: number; message: string } }>(r);
    assert.equal(j.ok, false);
    assert.equal(j.error.exitCode, 2);
    const r2 = await sitq(['enqueue', 'sitq.echo', '{bad', '--json'], { cwd: p.dir });
    assert.equal(r2.code, 2);
    assert.match(json<{ error: { message: string } }>(r2).error.message, /not valid JSON/);
  });

  it('a malformed config file names the file and the place', async () => {
    const q = tempProject();
    try {
      writeFileSync(join(q.dir, 'sitq.config.json'), '{ "profiles": { "a": { "type": "sqlite" }, } }');
      const r = await sitq(['inspect'], { cwd: q.dir });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /sitq\.config\.json: expected valid JSON .*line 1/);
    } finally {
      q.remove();
    }
  });

  it('enqueue --key: a second enqueue with the same key says nothing new was stored', async () => {
    const q = tempProject({ profiles: { local: { type: 'sqlite', path: 'q.db' } } });
    try {
      const first = await sitq(['enqueue', 'sitq.echo', '{}', '--key', 'order-7'], { cwd: q.dir });
      assert.equal(first.code, 0, first.all);
      const id = /: (\S+)$/m.exec(first.stdout)![1];
      assert.match(first.stdout, /^Enqueued sitq\.echo/m);
      const again = await sitq(['enqueue', 'sitq.echo', '{}', '--key', 'order-7'], { cwd: q.dir });
      assert.equal(again.code, 0, again.all);
      assert.doesNotMatch(again.stdout, /Enqueued/);
      assert.match(again.stdout, new RegExp(`Not enqueued: task ${id} .*already has idempotency key "order-7"`));
      const asJson = json<{ ids: string[]; created: boolean }>(
        await sitq(['enqueue', 'sitq.echo', '{}', '--key', 'order-7', '--json'], { cwd: q.dir }),
      );
      assert.deepEqual(asJson.ids, [id]);
      assert.equal(asJson.created, false);
    } finally {
      q.remove();
    }
  });

  it('no config anywhere: exit 2 with a pointer to sitq init', async () => {
    const q = tempProject();
    try {
      const r = await sitq(['enqueue', 'sitq.echo'], { cwd: q.dir });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /sitq init/);
      assert.equal(existsSync(join(q.dir, '.sitq')), false);
    } finally {
      q.remove();
    }
  });
});
