// The CLI tests' process runner (run.ts) must not call a process hung because the test's own
// process stood still: a loaded machine's stall stops the child too.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { awakeDeadline, processState, SitqProcess } from './run.js';

const busy = (ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end);
};

describe('CLI test runner: the hang deadline', () => {
  it('counts only time this process was awake: a 3 s stall uses up at most 1.25 s of a 2 s deadline', async () => {
    const started = Date.now();
    let firedAfter = -1;
    const fired = new Promise<void>((resolve) => {
      awakeDeadline(2000, () => {
        firedAfter = Date.now() - started;
        resolve();
      });
    });
    await new Promise((r) => setTimeout(r, 300));
    busy(3000); // the whole process stands still, as under a machine stall
    await fired;
    // A plain 2 s timer fires the moment the stall ends (~3.3 s); this one still owes ~0.5 s.
    assert.ok(firedAfter >= 3600, `fired ${firedAfter} ms after the start: the stall was counted as waiting`);
  });

  it('does not call a process hung that exited while this process stood still', async () => {
    // From an immediate (as a test runner calls a test): the next loop turn runs timers before I/O.
    const p = await new Promise<SitqProcess>((resolve) =>
      setImmediate(() => {
        const started = new SitqProcess(['--version'], { cwd: process.cwd(), timeoutMs: 1000 });
        busy(4000);
        resolve(started);
      }),
    );
    const r = await p.done;
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /^\d+\.\d+\.\d+/);
  });

  it('fires after the deadline of a process that keeps running, and a cancelled one never fires', async () => {
    const started = Date.now();
    await new Promise<void>((resolve) => awakeDeadline(600, resolve));
    const took = Date.now() - started;
    assert.ok(took >= 600 && took < 10_000, `fired after ${took} ms`);
    let fired = false;
    const cancel = awakeDeadline(200, () => (fired = true));
    cancel();
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(fired, false);
  });

  it('names the state of each thread of a process (Linux)', { skip: process.platform !== 'linux' && 'reads /proc' }, () => {
    assert.match(processState(process.pid), /^threads (\d+:[RSDTtZI](\([^)]*\))? ?)+$/);
    assert.match(processState(999_999_999), /^not readable/);
  });
});
