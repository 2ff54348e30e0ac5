// The CLI's day-to-day commands as processes, on all four backends against the real servers:
// enqueue → health → worker → inspect → requeue / cancel / purge, each in a fresh namespace.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backendProject, CLI_KINDS, cliSkips } from './backends.js';
import { ANSI, json, SitqProcess } from './run.js';

interface Counts {
  queue: string;
  counts: Record<string, number>;
}

const skips = await cliSkips();

for (const kind of CLI_KINDS) {
  describe(`sitq on ${kind}`, { skip: skips[kind] }, () => {
    const project = backendProject(kind, 'it');
    const run = (...args: string[]) => project.run(...args, '--profile', 'it');

    it('enqueue: one task, many, delayed, on another queue (human and --json)', async () => {
      const one = await run('enqueue', 'sitq.echo', '{"hello":"world"}');
      assert.equal(one.code, 0, one.all);
      assert.match(one.stdout, /^Enqueued sitq\.echo on queue default \(profile it\): [0-9a-f]{28}$/m);
      assert.doesNotMatch(one.all, ANSI);
      const many = json<{ count: number; ids: string[] }>(await run('enqueue', 'sitq.echo', '{"n":1}', '--count', '4', '--json'));
      assert.equal(many.count, 4);
      assert.equal(new Set(many.ids).size, 4);
      const fail = await run('enqueue', 'sitq.fail', '{"times":99}', '--max-attempts', '1', '--queue', 'risky');
      assert.equal(fail.code, 0, fail.all);
      const delayed = await run('enqueue', 'sitq.echo', '--delay', '1h', '--queue', 'later', '--priority', '5');
      assert.equal(delayed.code, 0, delayed.all);
    });

    it('health: healthy, with the counts just enqueued', async () => {
      // --slow 10s: on a busy machine one ping may exceed the default 1 s; that is not what this tests
      const r = await run('health', '--slow', '10s');
      assert.equal(r.code, 0, r.all);
      assert.match(r.stdout, /^it\s+\S+\s+healthy\s/m);
      const report = json<{ status: string; queues: Counts[]; serverVersion: string }>(await run('health', '--json', '--slow', '10s'));
      assert.equal(report.status, 'healthy');
      assert.ok(report.serverVersion);
      const byQueue = Object.fromEntries(report.queues.map((q) => [q.queue, q.counts]));
      assert.equal(byQueue.default.pending, 5);
      assert.equal(byQueue.risky.pending, 1);
      assert.equal(byQueue.later.delayed, 1);
    });

    it('worker --until-empty runs what is ready and stops by itself', async () => {
      const r = await run('worker', '--until-empty', '--queues', 'default,risky', '--concurrency', '4');
      assert.equal(r.code, 0, r.all);
      assert.match(r.stdout, /worker w-\w+ started on it/);
      assert.equal((r.stdout.match(/ ok +sitq\.echo /g) ?? []).length, 5, r.stdout);
      assert.match(r.stdout, / dead +sitq\.fail .*failed on purpose/);
      assert.match(r.stdout, /stopped: 5 succeeded, 1 failed/);
    });

    it('inspect: counts, tasks newest first, filters, one task in full', async () => {
      const r = await run('inspect');
      assert.equal(r.code, 0, r.all);
      assert.match(r.stdout, /^QUEUE\s+PENDING\s+DELAYED\s+RUNNING\s+SUCCEEDED\s+DEAD\s+CANCELLED/m);
      assert.match(r.stdout, /^default\s+0\s+0\s+0\s+5\s+0\s+0/m);
      const all = json<{ queues: Counts[]; tasks: { id: string; state: string; name: string }[]; total: number }>(
        await run('inspect', '--json'),
      );
      assert.equal(all.total, 7);
      const dead = json<{ tasks: { id: string; state: string; error?: { message: string } }[]; total: number }>(
        await run('inspect', '--state', 'dead', '--json'),
      );
      assert.equal(dead.total, 1);
      const one = await run('inspect', '--id', dead.tasks[0].id);
      assert.equal(one.code, 0, one.all);
      assert.match(one.stdout, /^state:\s+dead$/m);
      assert.match(one.stdout, /^error:\s+Error: sitq\.fail failed on purpose/m);
      const missing = await run('inspect', '--id', 'nope');
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /no task with id nope/);
    });

    it('requeue a dead task, cancel a delayed one; refusals say why and exit 1', async () => {
      const dead = json<{ tasks: { id: string }[] }>(await run('inspect', '--state', 'dead', '--json')).tasks[0];
      const requeued = await run('requeue', dead.id);
      assert.equal(requeued.code, 0, requeued.all);
      assert.match(requeued.stdout, new RegExp(`requeued ${dead.id}`));
      const again = await run('requeue', dead.id);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /is pending; only a dead or cancelled task can be requeued/);

      const delayed = json<{ tasks: { id: string }[] }>(await run('inspect', '--state', 'delayed', '--json')).tasks[0];
      const cancelled = json<{ ok: boolean }>(await run('cancel', delayed.id, '--json'));
      assert.equal(cancelled.ok, true);
      const cancelAgain = await run('cancel', delayed.id);
      assert.equal(cancelAgain.code, 1);
      assert.match(cancelAgain.stderr, /is cancelled/);
      const unknown = await run('cancel', 'does-not-exist');
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /no task with id does-not-exist/);
    });

    it('enqueue --wait shows the result once a worker has run it', async () => {
      const { SitqProcess } = await import('./run.js');
      const worker = new SitqProcess(['worker', '--profile', 'it', '--queues', 'waiting'], { cwd: project.dir });
      try {
        await worker.waitFor('started on it');
        const r = await run('enqueue', 'sitq.echo', '{"answer":42}', '--queue', 'waiting', '--wait', '20s', '--json');
        assert.equal(r.code, 0, r.all);
        const out = json<{ ok: boolean; results: { status: string; value: unknown }[] }>(r);
        assert.equal(out.ok, true);
        assert.deepEqual(out.results[0].value, { answer: 42 });
      } finally {
        worker.child.kill('SIGINT');
        const done = await worker.done;
        assert.equal(done.code, 0, done.all);
      }
    });

    it('purge deletes finished tasks older than the age given', async () => {
      const none = json<{ deleted: number }>(await run('purge', '--older-than', '1h', '--json'));
      assert.equal(none.deleted, 0);
      const r = await run('purge', '--older-than', '0');
      assert.equal(r.code, 0, r.all);
      assert.match(r.stdout, /deleted \d+ finished task/);
      const left = json<{ tasks: { state: string }[] }>(await run('inspect', '--json'));
      assert.ok(
        left.tasks.every((t) => !['succeeded', 'dead', 'cancelled'].includes(t.state)),
        JSON.stringify(left.tasks),
      );
    });
  });
}
