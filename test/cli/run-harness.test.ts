// Waiting in tests (helpers/awake.ts, and the CLI tests' process runner run.ts built on it) must
// not call a thing late because the test's own process stood still: a machine's stall stops the
// process under test too.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { awakeDeadline, eventually } from '../helpers/awake.js';
import { processState, SitqProcess } from './run.js';

const busy = (ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end);
};

describe('waiting in tests on a loaded machine', () => {
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

  it('eventually takes one last look after the I/O that arrived during a stall', async () => {
    // The check turns true from a socket's data; the process then stands still past the deadline.
    const { createServer, connect } = await import('node:net');
    let sent!: () => void;
    const written = new Promise<void>((r) => (sent = r));
    const server = createServer((socket) => socket.end('x', sent));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      let arrived = false;
      const socket = connect((server.address() as { port: number }).port, '127.0.0.1');
      socket.on('data', () => (arrived = true));
      await Promise.all([written, new Promise((r) => socket.once('connect', r))]); // in the kernel's buffer, not yet read here
      const waiting = eventually('the data', () => arrived, 500, 20);
      busy(2500);
      assert.equal(await waiting, true);
      socket.destroy();
    } finally {
      server.close();
    }
  });
});
