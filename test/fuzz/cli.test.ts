// Fuzzing the CLI's arguments: the built `sitq` run as a process with one malformed part in an
// otherwise plausible command line (a bad flag value, an unknown flag, a missing value, a bad
// payload or task name, a broken --profile or --config). Every run must end with exit code 2 and a
// message naming the problem — no crash, no hang, no stack trace — and must write nothing (the
// project folder, its config file and its SQLite file stay as they were). Each run is a process,
// so the number of runs is bounded.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { sitq, tempProject } from '../cli/run.js';
import { checkProperty } from './arbitraries.js';

const RUNS = Number(process.env.SITQ_FUZZ_CLI_RUNS ?? 60);

type Kind = 'whole' | 'duration' | 'queue' | 'queues' | 'list' | 'text';

/** The flags with a value, per command, and what kind of value each takes. */
const FLAGS: Record<string, [string, Kind][]> = {
  enqueue: [
    ['--count', 'whole'],
    ['--delay', 'duration'],
    ['--queue', 'queue'],
    ['--priority', 'whole'],
    ['--max-attempts', 'whole'],
    ['--timeout', 'duration'],
  ],
  inspect: [
    ['--queue', 'queue'],
    ['--limit', 'whole'],
    ['--offset', 'whole'],
  ],
  purge: [
    ['--older-than', 'duration'],
    ['--queue', 'queue'],
  ],
  stats: [
    ['--queue', 'queue'],
    ['--since', 'duration'],
  ],
  metrics: [],
  health: [
    ['--interval', 'duration'],
    ['--rounds', 'whole'],
    ['--timeout', 'duration'],
    ['--slow', 'duration'],
  ],
  worker: [
    ['--concurrency', 'whole'],
    ['--queues', 'queues'],
    ['--lease', 'duration'],
    ['--poll', 'duration'],
    ['--task-timeout', 'duration'],
    ['--grace', 'duration'],
  ],
  bench: [
    ['--tasks', 'whole'],
    ['--concurrency', 'whole'],
    ['--payload-bytes', 'whole'],
    ['--warmup', 'whole'],
    ['--idle-samples', 'whole'],
    ['--rounds', 'whole'],
  ],
  sweep: [
    ['--pool-sizes', 'list'],
    ['--concurrency', 'list'],
    ['--tasks-per-cell', 'whole'],
  ],
  demo: [
    ['--tasks', 'whole'],
    ['--rounds', 'whole'],
    ['--interval', 'duration'],
    ['--tasks-per-cell', 'whole'],
  ],
  dashboard: [['--port', 'whole']],
  requeue: [],
  cancel: [],
  profiles: [],
  init: [],
};
const COMMANDS = Object.keys(FLAGS);

/** Values no flag of that kind accepts (each flag's range is at least 0..9, at most 0..1e10). */
const BAD: Record<Kind, string[]> = {
  whole: ['-1', '1.5', 'abc', '', ' ', '1e3', '0x10', '9'.repeat(400), 'NaN', 'Infinity', '99999999999999999999', '٣', '5 '.repeat(3)],
  duration: ['-5', 'abc', '5 years', '1e3', '', '5ms5', '99999999999999d', 'NaN', 'Infinity', '.5s', '1,5s', '💥'],
  queue: ['', 'has space', 'q'.repeat(65), 'a.b', 'ü', 'a:b', '*', 'x'.repeat(100_000)],
  queues: ['', ',', 'a,,b c', 'ok,has space', 'q'.repeat(65)],
  list: ['', ',', 'a,b', '-1', '1.5', '0', '1,99999999'],
  text: [],
};

const GOOD: Record<Kind, string[]> = {
  whole: ['1', '5'],
  duration: ['100', '2s'],
  queue: ['default', 'emails'],
  queues: ['default', 'a,b'],
  list: ['1,2'],
  text: ['x'],
};
/** Flags whose range the kind's good values miss. */
const GOOD_FOR: Record<string, string[]> = { 'demo --tasks': ['100'], 'stats --since': ['1h'] };

const BAD_GLOBALS: [string, string][] = [
  ['--profile', '{'],
  ['--profile', '{"type":"mysql"}'],
  ['--profile', 'redis://[::1'],
  ['--profile', 'no-such-profile'],
  ['--profile', 'has space'],
  ['--profile', '{"type":"redis","port":-1}'],
  ['--profile', 'postgres://u@h:99999999/x'],
  ['--profile', '{"type":"nats","servers":"http://x y"}'],
  ['--profile', '{"type":"sqlite","path":""}'],
  ['--profile', 'p'.repeat(10_000)],
  ['--config', 'missing.json'],
  ['--config', 'broken.json'],
  ['--config', 'wrong-types.json'],
];

/** One malformed part and the words the message must contain. */
type Bad = { args: string[]; global?: string[]; names: RegExp };

const badPart = (command: string): fc.Arbitrary<Bad> => {
  const options: fc.Arbitrary<Bad>[] = [
    fc
      .constantFrom('--nope', '--count=', '-Z', '--priority=5=5', '---x', '--JSON')
      .map((f) => ({ args: [f], names: /unknown option|too many|argument/i })),
  ];
  // Commands that open a profile: a broken --profile or --config stops them before anything opens.
  // (`profiles` lists the config's profiles, each with its problem if it has one: it reads
  // --config but no --profile, and a profile with bad options is a listed problem, not an error.)
  const globals = BAD_GLOBALS.filter(([flag, value]) => command !== 'profiles' || (flag === '--config' && value !== 'wrong-types.json'));
  if (!['init', 'dashboard', 'demo'].includes(command)) {
    options.push(
      fc
        .constantFrom(...globals)
        .map(([flag, value]) => ({ args: [], global: [flag, value], names: /profile|config|invalid setting|expected/i })),
    );
  }
  const flags = FLAGS[command];
  if (flags.length > 0) {
    options.push(
      fc
        .constantFrom(...flags)
        .chain(([flag, kind]) =>
          fc.constantFrom(...BAD[kind]).map((v) => ({ args: [flag, v], names: new RegExp(flag.replace(/^--/, '').replace(/-/g, '[- ]')) })),
        ),
      // A flag that needs a value, given none (last on the line).
      fc.constantFrom(...flags).map(([flag]) => ({ args: [flag], names: /argument missing|requires|expected/i })),
    );
  }
  if (command === 'enqueue') {
    options.push(
      fc
        .constantFrom('{', '{"a":}', "{'a':1}", 'undefined', 'NaN', '[1,', '{"a":1}}', '\u00ff')
        .map((p) => ({ args: ['sitq.echo', p], names: /payload|JSON/i })),
      fc.constantFrom('', 'has space', 'n'.repeat(201), 'ü', 'a;b').map((t) => ({ args: [t], names: /task name|expected/i })),
      fc.constant({ args: ['sitq.echo', '{}', '--key', 'k', '--count', '2'], names: /--key/ }),
      fc.constant({ args: ['sitq.echo', '{}', '--key', 'k'.repeat(300)], names: /idempotencyKey/ }),
    );
  }
  return fc.oneof(...options);
};

/** A plausible rest of the line for a command: its positional arguments and a valid flag or two. */
const goodPart = (command: string): fc.Arbitrary<string[]> => {
  // purge's --older-than is required: given, so the malformed part is the only problem on the line.
  const positional =
    command === 'enqueue'
      ? ['sitq.echo']
      : command === 'requeue' || command === 'cancel'
        ? ['01J000000000000000000000']
        : command === 'purge'
          ? ['--older-than', '1d']
          : [];
  const flags = FLAGS[command];
  if (flags.length === 0) return fc.constant(positional);
  return fc
    .uniqueArray(fc.constantFrom(...flags), { maxLength: 2, selector: ([f]) => f })
    .chain((chosen) =>
      fc
        .tuple(...chosen.map(([flag, kind]) => fc.constantFrom(...(GOOD_FOR[`${command} ${flag}`] ?? GOOD[kind])).map((v) => [flag, v])))
        .map((pairs) => [...positional, ...pairs.flat()]),
    );
};

const invocation = fc.constantFrom(...COMMANDS).chain((command) =>
  fc.tuple(fc.constant(command), goodPart(command), badPart(command), fc.boolean()).map(([c, good, bad, json]) => ({
    argv: [
      ...(bad.global ?? []),
      ...(json ? ['--json'] : []),
      c,
      ...(command === 'enqueue' && bad.args.length > 0 && !bad.args[0].startsWith('-') ? [] : good),
      ...bad.args,
    ],
    names: bad.names,
    json,
  })),
);

/** Every file under dir with a hash of its bytes: "nothing was written" is this not changing. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = `${statSync(p).size}:${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
    }
  };
  walk(dir);
  return out;
}

describe('fuzz: CLI arguments', () => {
  const p = tempProject({ defaultProfile: 'local', profiles: { local: { type: 'sqlite', path: '.sitq/queue.db' } } });
  after(p.remove);
  writeFileSync(join(p.dir, 'broken.json'), '{"profiles": {"a": {"type": "sqlite",}}');
  writeFileSync(
    join(p.dir, 'wrong-types.json'),
    JSON.stringify({ profiles: { a: { type: 'redis', port: 'x', db: -1, keyPrefix: 'a b' } } }),
  );

  it(`malformed command lines exit 2 naming the problem and write nothing (${RUNS} processes)`, async () => {
    const before = snapshot(p.dir);
    await checkProperty(
      fc.asyncProperty(invocation, async ({ argv, names, json }) => {
        const r = await sitq(argv, { cwd: p.dir, timeoutMs: 30_000 });
        const shown = `sitq ${argv.map((a) => (a.length > 60 ? `${a.slice(0, 60)}…` : a)).join(' ')}\nexit ${r.code} ${r.signal ?? ''}\nstdout: ${r.stdout.slice(0, 800)}\nstderr: ${r.stderr.slice(0, 800)}`;
        assert.equal(r.signal, null, `killed by a signal:\n${shown}`);
        assert.equal(r.code, 2, `expected exit 2 (usage):\n${shown}`);
        assert.match(r.stderr, /^sitq: /m, `no "sitq:" message on stderr:\n${shown}`);
        assert.match(r.stderr, names, `the message does not name the problem:\n${shown}`);
        assert.doesNotMatch(r.all, /\n\s+at .+:\d+:\d+\)?\n/, `a stack trace was printed:\n${shown}`);
        if (json) {
          let doc: { ok?: boolean; error?: { exitCode?: number; message?: string } };
          try {
            doc = JSON.parse(r.stdout);
          } catch {
            assert.fail(`--json did not print one JSON document:\n${shown}`);
          }
          assert.equal(doc.ok, false, shown);
          assert.equal(doc.error?.exitCode, 2, shown);
        }
        assert.deepEqual(snapshot(p.dir), before, `files changed:\n${shown}`);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  });
});
