// `sitq events` (a live tail, here across processes on one SQLite file) and `sitq inspect ID --log`.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { json, sitq, SitqProcess, tempProject } from './run.js';

const project = tempProject({ defaultProfile: 'local', profiles: { local: { type: 'sqlite', path: 'queue.db' } } });
after(project.remove);
const cwd = project.dir;

describe('sitq events and inspect --log', () => {
  it('events --json tails what other processes do, one JSON object per line, in order per task', async () => {
    writeFileSync(
      join(cwd, 'chatty.mjs'),
      `export default { 'job.chatty': (p, ctx) => { ctx.progress(40); ctx.log('step one'); ctx.log('step two'); return 'done'; } };\n`,
    );
    const tail = new SitqProcess(['events', '--queue', 'tailq', '--json', '--count', '5'], { cwd, timeoutMs: 60_000 });
    await tail.waitFor('listening for events on local');
    const enqueued = json<{ ids: string[] }>(await sitq(['enqueue', 'job.chatty', '{}', '--queue', 'tailq', '--json'], { cwd }));
    await sitq(['enqueue', 'sitq.echo', '1', '--queue', 'elsewhere'], { cwd });
    const worker = await sitq(['worker', '--tasks', './chatty.mjs', '--queues', 'tailq', '--until-empty'], { cwd });
    assert.equal(worker.code, 0, worker.all);
    const r = await tail.done;
    assert.equal(r.code, 0, r.all);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string; taskId: string; queue: string; progress?: unknown; lines?: string[] });
    assert.deepEqual(
      events.map((e) => e.kind),
      ['enqueued', 'started', 'progress', 'log', 'succeeded'],
    );
    assert.ok(events.every((e) => e.taskId === enqueued.ids[0] && e.queue === 'tailq'));
    assert.equal(events[2].progress, 40);
    assert.deepEqual(events[3].lines, ['step one', 'step two']);

    // The log as stored, as text and as JSON.
    const text = await sitq(['inspect', enqueued.ids[0], '--log'], { cwd });
    assert.equal(text.code, 0, text.all);
    assert.equal(text.stdout, 'step one\nstep two\n');
    const asJson = json<{ id: string; progress: unknown; log: string[]; logDropped: number }>(
      await sitq(['inspect', enqueued.ids[0], '--log', '--json'], { cwd }),
    );
    assert.deepEqual(asJson, { id: enqueued.ids[0], state: 'succeeded', progress: 40, log: ['step one', 'step two'], logDropped: 0 });
    const shown = await sitq(['inspect', '--id', enqueued.ids[0]], { cwd });
    assert.match(shown.stdout, /progress: +40/);
    assert.match(shown.stdout, /log: +2 line\(s\)/);
  });

  it('inspect --log without an id is a usage error (exit 2); an unknown id fails (exit 1)', async () => {
    const noId = await sitq(['inspect', '--log'], { cwd });
    assert.equal(noId.code, 2, noId.all);
    assert.match(noId.stderr, /--log needs a task id/);
    const unknown = await sitq(['inspect', 'no-such-task', '--log'], { cwd });
    assert.equal(unknown.code, 1, unknown.all);
  });
});
