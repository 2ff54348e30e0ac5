// `sitq pause`, `sitq resume`, `sitq limits` and `sitq retention` as processes, on each backend
// (SQLite, and PostgreSQL, Redis and NATS on a fresh namespace of the shared server): human and
// --json output, exit codes, and what `sitq inspect` shows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backendProject, CLI_KINDS, cliSkips } from './backends.js';
import { ANSI, json } from './run.js';

interface FlowJson {
  ok: boolean;
  queue: string;
  paused: boolean;
  rate: { max: number; perMs: number } | null;
  maxRunning: number | null;
  profile: string;
}

const skips = await cliSkips();

for (const kind of CLI_KINDS)
  describe(`sitq pause / resume / limits / retention on ${kind}`, { skip: skips[kind] }, () => {
    const { run } = backendProject(kind, 'local');

    it('pause and resume a queue (human and --json); inspect shows it paused while it is, an empty queue too', async () => {
      const paused = await run('pause', 'emails');
      assert.equal(paused.code, 0, paused.all);
      assert.match(paused.stdout, /^paused queue emails \(profile local\)/m);
      assert.doesNotMatch(paused.all, ANSI);
      const listed = json<{ queues: { queue: string; paused: boolean }[] }>(await run('inspect', '--json'));
      assert.deepEqual(
        listed.queues.map((q) => [q.queue, q.paused]),
        [['emails', true]],
      );
      const table = await run('inspect');
      assert.match(table.stdout, /^emails\s.*\bpaused\s*$/m);
      // health lists it as paused too (its backlog is not stuck workers), in words and in --json.
      const health = await run('health', '--slow', '10s');
      assert.equal(health.code, 0, health.all);
      assert.match(health.stdout, /^QUEUE\s.*\sPAUSED\s*$/m);
      assert.match(health.stdout, /^emails\s.*\byes\s*$/m);
      assert.deepEqual(
        json<{ queues: { queue: string; paused: boolean }[] }>(await run('health', '--json', '--slow', '10s')).queues.map((q) => [
          q.queue,
          q.paused,
        ]),
        [['emails', true]],
      );
      assert.deepEqual(json<FlowJson>(await run('resume', 'emails', '--json')), {
        ok: true,
        queue: 'emails',
        paused: false,
        rate: null,
        maxRunning: null,
        profile: 'local',
      });
      assert.deepEqual(
        json<{ queues: unknown[] }>(await run('inspect', '--json')).queues,
        [],
        'a resumed queue with no tasks and no settings is not listed',
      );
    });

    it('limits: set a rate and a most-running, show them, remove one with off, both with --clear', async () => {
      const set = await run('limits', 'api', '--rate', '100/1s', '--max-running', '5');
      assert.equal(set.code, 0, set.all);
      assert.match(set.stdout, /^queue api \(profile local\): running; rate 100\/1s; at most 5 running$/m);
      assert.deepEqual(json<FlowJson>(await run('limits', 'api', '--json')), {
        ok: true,
        queue: 'api',
        paused: false,
        rate: { max: 100, perMs: 1000 },
        maxRunning: 5,
        profile: 'local',
      });
      const inspect = await run('inspect');
      assert.match(inspect.stdout, /^api\s.*100\/1s, max 5 running\s*$/m);
      assert.deepEqual(json<FlowJson>(await run('limits', 'api', '--rate', '30/1m', '--json')).rate, { max: 30, perMs: 60_000 });
      const off = json<FlowJson>(await run('limits', 'api', '--rate', 'off', '--json'));
      assert.deepEqual([off.rate, off.maxRunning], [null, 5]);
      const cleared = json<FlowJson>(await run('limits', 'api', '--clear', '--json'));
      assert.deepEqual([cleared.rate, cleared.maxRunning], [null, null]);
      assert.match((await run('limits', 'api')).stdout, /running; no rate limit; no running limit/);
    });

    it('bad values exit 2 naming the flag, and change nothing', async () => {
      for (const [args, pattern] of [
        [['limits', 'api', '--rate', '100'], /--rate.*N\/PERIOD/],
        [['limits', 'api', '--rate', '0/1s'], /--rate/],
        [['limits', 'api', '--max-running', '0'], /--max-running/],
        [['limits', 'api', '--clear', '--rate', '1/s'], /--clear/],
        [['pause', 'a.b'], /queue name/],
      ] as const) {
        const r = await run(...args);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.all}`);
        assert.match(r.stderr, pattern, args.join(' '));
      }
      assert.match((await run('limits', 'api')).stdout, /no rate limit; no running limit/);
    });

    it("sitq retention shows, sets and clears a queue's keep rules (human and --json); a bad rule exits 2", async () => {
      const none = json<{ keep: object; changed: boolean }>(await run('retention', 'kept', '--json'));
      assert.deepEqual([none.keep, none.changed], [{}, false]);
      const set = json<{ keep: object }>(await run('retention', 'kept', '--succeeded', '7d,1000', '--dead', '500', '--json'));
      assert.deepEqual(set.keep, { succeeded: { maxAgeMs: 7 * 86_400_000, maxCount: 1000 }, dead: { maxCount: 500 } });
      const shown = await run('retention', 'kept');
      assert.equal(shown.code, 0, shown.all);
      assert.match(shown.stdout, /succeeded +keep finished within 7\.0 d, at most the newest 1,000/);
      assert.match(shown.stdout, /dead +keep the newest 500/);
      assert.match(shown.stdout, /cancelled +keep all/);
      // A state not named keeps its rule; `none` removes one.
      const changed = json<{ keep: object }>(await run('retention', 'kept', '--dead', 'none', '--cancelled', '1h', '--json'));
      assert.deepEqual(changed.keep, { succeeded: { maxAgeMs: 7 * 86_400_000, maxCount: 1000 }, cancelled: { maxAgeMs: 3_600_000 } });
      const bad = await run('retention', 'kept', '--dead', 'lots');
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--dead.*"lots" is not one/);
      const cleared = json<{ keep: object }>(await run('retention', 'kept', '--clear', '--json'));
      assert.deepEqual(cleared.keep, {});
    });
  });
