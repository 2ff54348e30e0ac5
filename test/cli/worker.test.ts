// `sitq worker` as a process: the user's task module, Ctrl-C that lets the running task finish, a
// second Ctrl-C that forces the process out, and `sitq health --watch`.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createBackend } from '../../shared/backends/index.js';
import type { Backend } from '../../shared/core/backend.js';
import { SAME_INTERRUPT_MS, sleep } from '../../shared/cli/signals.js';
import { ANSI, json, MAIN, sitq, SitqProcess, tempProject } from './run.js';

const project = tempProject({ defaultProfile: 'local', profiles: { local: { type: 'sqlite', path: 'queue.db' } } });
after(project.remove);
const cwd = project.dir;

/** util-linux script(1), which runs a command on a pseudo-terminal (its -e returns the exit code). */
const SCRIPT = process.platform === 'linux' && spawnSync('script', ['--version'], { encoding: 'utf8' }).stdout?.includes('util-linux');

/**
 * Runs `sitq ARGS` on a 120×30 pseudo-terminal; resolves with everything it drew (after the
 * terminal's device path and sitq's pid, printed first). `onOutput` sees the output as it grows,
 * with those two.
 */
function underTerminal(
  args: string,
  cwd: string,
  onOutput?: (output: string, tty: string, pid: number) => void,
): Promise<{ code: number | null; output: string }> {
  const command = `tty; echo $$; stty cols 120 rows 30; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(MAIN)} ${args}`;
  const child = spawn('script', ['-qefc', command, '/dev/null'], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TERM: 'xterm-256color', NO_COLOR: undefined, FORCE_COLOR: undefined },
  });
  let raw = '';
  const split = () => {
    const m = /^(.*)\r?\n(\d+)\r?\n/.exec(raw);
    return m ? { tty: m[1].trim(), pid: Number(m[2]), output: raw.slice(m[0].length) } : { tty: '', pid: 0, output: '' };
  };
  const onData = (d: string) => {
    raw += d;
    const { tty, pid, output } = split();
    if (tty) onOutput?.(output, tty, pid);
  };
  child.stdout.setEncoding('utf8').on('data', onData);
  child.stderr.setEncoding('utf8').on('data', onData);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output: split().output })));
}

/** What a frame shows, without colours, line-clearing codes or carriage returns. */
// eslint-disable-next-line no-control-regex
const plain = (text: string) => text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

async function runningCount(): Promise<number> {
  const backend: Backend = createBackend({ type: 'sqlite', path: join(cwd, 'queue.db') });
  await backend.connect();
  try {
    return (await backend.counts()).reduce((n, q) => n + q.counts.running, 0);
  } finally {
    await backend.close();
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('sitq worker', () => {
  it('runs the handlers of a --tasks module next to the built-in ones', async () => {
    writeFileSync(
      join(cwd, 'my-tasks.mjs'),
      `export const double = { name: 'math.double', handler: (p) => ({ doubled: p.n * 2 }) };\n` +
        `export default { 'text.upper': (p) => String(p).toUpperCase() };\n`,
    );
    assert.equal((await sitq(['enqueue', 'math.double', '{"n":21}'], { cwd })).code, 0);
    assert.equal((await sitq(['enqueue', 'text.upper', '"shout"'], { cwd })).code, 0);
    assert.equal((await sitq(['enqueue', 'sitq.echo', '1'], { cwd })).code, 0);
    const r = await sitq(['worker', '--tasks', './my-tasks.mjs', '--until-empty'], { cwd });
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /tasks .*math\.double/);
    assert.match(r.stdout, /tasks .*text\.upper/);
    assert.match(r.stdout, /stopped: 3 succeeded, 0 failed/);
    const tasks = json<{ tasks: { name: string; result: unknown }[] }>(
      await sitq(['inspect', '--state', 'succeeded', '--json'], { cwd }),
    ).tasks;
    assert.deepEqual(tasks.find((t) => t.name === 'math.double')?.result, { doubled: 42 });
    assert.equal(tasks.find((t) => t.name === 'text.upper')?.result, 'SHOUT');
  });

  it('--json prints one event per line', async () => {
    assert.equal((await sitq(['enqueue', 'sitq.echo', '{"x":1}', '--count', '2'], { cwd })).code, 0);
    const r = await sitq(['worker', '--until-empty', '--json'], { cwd });
    assert.equal(r.code, 0, r.all);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string });
    assert.equal(events[0].event, 'worker-started');
    assert.equal(events.filter((e) => e.event === 'succeeded').length, 2);
    assert.equal(events[events.length - 1].event, 'worker-stopped');
  });

  it('--until-empty polls for seconds without piling up abort listeners (no MaxListenersExceededWarning)', async () => {
    // The empty-queue watch sleeps 200 ms per round on one abort signal; 5 × 600 ms one at a time
    // keep it polling for ~3 s (15 rounds), past the 11 listeners at which Node used to warn.
    assert.equal((await sitq(['enqueue', 'sitq.sleep', '{"ms":600}', '--count', '5', '--queue', 'slow'], { cwd })).code, 0);
    const started = Date.now();
    const r = await sitq(['worker', '--until-empty', '--queues', 'slow', '--concurrency', '1'], { cwd });
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /stopped: 5 succeeded, 0 failed/);
    assert.ok(Date.now() - started >= 3000, 'the worker polled for at least 3 s');
    assert.doesNotMatch(r.stderr, /MaxListenersExceeded|Warning/, r.stderr);
  });

  it('Ctrl-C stops gracefully: the running task finishes, then the worker exits 0', async () => {
    assert.equal((await sitq(['enqueue', 'sitq.sleep', '{"ms":1500}'], { cwd })).code, 0);
    const worker = new SitqProcess(['worker'], { cwd });
    await worker.waitFor('started on local');
    await until('the task to be running', async () => (await runningCount()) === 1);
    worker.child.kill('SIGINT');
    await worker.waitFor('stopping: waiting up to 30.0 s for 1 running task(s); Ctrl-C again to force');
    const r = await worker.done;
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, / ok +sitq\.sleep /);
    assert.match(r.stdout, /stopped: 1 succeeded, 0 failed/);
    assert.equal(await runningCount(), 0);
  });

  it('sitq cancel ID on a running task: the worker aborts it at once, the task ends cancelled', async () => {
    const enqueued = json<{ ids: string[] }>(
      await sitq(['enqueue', 'sitq.sleep', '{"ms":60000}', '--queue', 'cancelme', '--json'], { cwd }),
    );
    const id = enqueued.ids[0];
    const worker = new SitqProcess(['worker', '--queues', 'cancelme'], { cwd });
    await worker.waitFor('started on local');
    await until('the task to be running', async () => (await runningCount()) === 1);
    const t0 = Date.now();
    const r = json<{ ok: boolean; action: string }>(await sitq(['cancel', id, '--json'], { cwd }));
    assert.deepEqual([r.ok, r.action], [true, 'cancel']);
    await worker.waitFor(new RegExp(`cancl +sitq\\.sleep +${id}`));
    assert.ok(Date.now() - t0 < 10_000, 'the sleeping task was aborted long before its 60 s');
    const shown = json<{ state: string }>(await sitq(['inspect', '--id', id, '--json'], { cwd }));
    assert.equal(shown.state, 'cancelled');
    const again = await sitq(['cancel', id], { cwd });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /is cancelled; only a pending, delayed or running task can be cancelled/);
    worker.child.kill('SIGINT');
    const done = await worker.done;
    assert.equal(done.code, 0, done.all);
    assert.match(done.stdout, /stopped: 0 succeeded, 0 failed/);
  });

  it("one Ctrl-C through npx (the terminal's signal, then npm's copy moments later) still stops gracefully", async () => {
    assert.equal((await sitq(['enqueue', 'sitq.sleep', '{"ms":1500}', '--queue', 'npx'], { cwd })).code, 0);
    const worker = new SitqProcess(['worker', '--queues', 'npx'], { cwd });
    await worker.waitFor('started on local');
    await until('the task to be running', async () => (await runningCount()) === 1);
    worker.child.kill('SIGINT');
    await sleep(20);
    worker.child.kill('SIGINT');
    const r = await worker.done;
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /stopped: 1 succeeded, 0 failed/);
    assert.doesNotMatch(r.stderr, /forced stop/);
  });

  it('a second Ctrl-C forces the process out (exit 130); the task comes back after its lease', async () => {
    assert.equal((await sitq(['enqueue', 'sitq.sleep', '{"ms":60000}', '--queue', 'long'], { cwd })).code, 0);
    const worker = new SitqProcess(['worker', '--queues', 'long', '--lease', '1s'], { cwd });
    await worker.waitFor('started on local');
    await until('the task to be running', async () => (await runningCount()) === 1);
    worker.child.kill('SIGINT');
    await worker.waitFor('Ctrl-C again to force');
    // A person's second Ctrl-C comes after reading that line, not within SAME_INTERRUPT_MS.
    await sleep(SAME_INTERRUPT_MS + 100);
    worker.child.kill('SIGINT');
    const r = await worker.done;
    assert.equal(r.code, 130, r.all);
    assert.match(r.stderr, /forced stop: 1 running task\(s\) return to the queue when their lease ends/);
    // Nobody renews the lease any more: after 1 s another worker may take the task.
    const backend: Backend = createBackend({ type: 'sqlite', path: join(cwd, 'queue.db') });
    await backend.connect();
    try {
      let reclaimed = 0;
      await until(
        'the task to be claimable again',
        async () => {
          reclaimed = (await backend.claim({ workerId: 'w-test', queues: ['long'], max: 1, leaseMs: 30_000 })).length;
          return reclaimed === 1;
        },
        10_000,
      );
    } finally {
      await backend.close();
    }
  });
});

describe('sitq health --watch', () => {
  it('checks every interval, then shows the metrics with the health score', async () => {
    const r = await sitq(['health', '--watch', '--interval', '100ms', '--rounds', '3', '--slow', '10s'], { cwd });
    assert.equal(r.code, 0, r.all);
    assert.equal((r.stdout.match(/ local +healthy /g) ?? []).length, 3, r.stdout);
    assert.match(r.stdout, /^PROFILE\s+CHECKS\s+ERRORS\s+SLOW\s+AVG\s+P95\s+SCORE$/m);
    assert.match(r.stdout, /^local\s+3\s+0\s+0\s.*\s100$/m);
  });

  it('--json: one line per check, then the metrics; an unreachable profile scores 50 and exits 1', async () => {
    const down = tempProject({ profiles: { down: { type: 'redis', host: '127.0.0.1', port: 1, connectTimeout: 300 } } });
    try {
      const r = await sitq(['health', '--watch', '--interval', '50ms', '--rounds', '2', '--json'], { cwd: down.dir });
      assert.equal(r.code, 1, r.all);
      const lines = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { event: string; status?: string; metrics?: { healthScore: number; connectionErrors: number }[] });
      assert.equal(lines.filter((l) => l.event === 'check' && l.status === 'unhealthy').length, 2);
      const metrics = lines[lines.length - 1];
      assert.equal(metrics.event, 'metrics');
      assert.equal(metrics.metrics![0].healthScore, 50);
      assert.equal(metrics.metrics![0].connectionErrors, 2);
    } finally {
      down.remove();
    }
  });

  it('--all --watch into a pipe: one plain line per check, no screen control', async () => {
    const mixed = tempProject({
      defaultProfile: 'local',
      profiles: { local: { type: 'sqlite', path: 'q.db' }, down: { type: 'redis', host: '127.0.0.1', port: 1, connectTimeout: 300 } },
    });
    try {
      const r = await sitq(['health', '--all', '--watch', '--interval', '200ms', '--rounds', '3'], { cwd: mixed.dir });
      assert.equal(r.code, 1, r.all);
      assert.doesNotMatch(r.all, ANSI);
      const checks = r.stdout.split('\n').filter((l) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  (local|down) /.test(l));
      assert.ok(checks.filter((l) => / local +healthy /.test(l)).length >= 3, r.stdout);
      assert.ok(checks.filter((l) => / down +unhealthy /.test(l)).length >= 3, r.stdout);
      assert.match(r.stderr, /checking local, down every 200 ms; Ctrl-C to stop/);
      // A profile that never answered has no response time: '-', not an average of nothing (0 ms).
      assert.match(r.stdout, /^down\s+(\d+)\s+\1\s+0\s+-\s+-\s+50$/m);
    } finally {
      mixed.remove();
    }
  });

  it(
    '--all --watch on a terminal (a pseudo-terminal from script(1)): one table redrawn in place, then the metrics',
    { skip: !SCRIPT && 'needs util-linux script(1)', timeout: 60_000 },
    async () => {
      const mixed = tempProject({
        defaultProfile: 'local',
        profiles: { local: { type: 'sqlite', path: 'q.db' }, down: { type: 'redis', host: '127.0.0.1', port: 1, connectTimeout: 300 } },
      });
      try {
        const r = await underTerminal(`health --all --watch --interval 200ms --rounds 3`, mixed.dir);
        assert.equal(r.code, 1, r.output);
        const out = r.output;
        assert.ok(out.startsWith('\u001b[?1049h\u001b[?25l'), 'enters the alternate screen, cursor hidden');
        const leave = out.lastIndexOf('\u001b[?25h\u001b[?1049l');
        assert.ok(leave > 0, 'gives the terminal back');
        const frames = out.slice(0, leave).split('\u001b[H').slice(1).map(plain);
        assert.ok(frames.length >= 3, `${frames.length} frames`);
        for (const frame of frames) {
          // Every frame is the whole table: the title, the header, each profile once, in config order.
          assert.match(frame, /^sitq health  2 profile\(s\), every 200 ms, at \d\d:\d\d:\d\d; Ctrl-C to stop$/m);
          assert.match(frame, /^PROFILE +TYPE +STATUS +RESPONSE +SCORE +CHECKS +ERRORS +WORKERS +DEAD +LAG +CHECKED$/m);
          assert.equal(frame.match(/^local /gm)?.length, 1, frame);
          assert.equal(frame.match(/^down /gm)?.length, 1, frame);
          assert.ok(frame.indexOf('\nlocal ') < frame.indexOf('\ndown '), frame);
          assert.doesNotMatch(frame, /\d\d:\d\d:\d\d {2}(local|down) {2,}/, 'no line-per-check output');
        }
        const last = frames[frames.length - 1];
        assert.match(last, /^local +sqlite +healthy +\S+ ms +100 +[3-9] +0 /m);
        assert.match(last, /^down +redis +unhealthy +- +50 +[3-9] +[3-9] /m);
        assert.match(last, /^down: redis at redis:\/\/127\.0\.0\.1:1/m);
        // After the screen: the metrics table, on the normal screen.
        assert.match(plain(out.slice(leave)), /PROFILE +CHECKS +ERRORS +SLOW +AVG +P95 +SCORE[\s\S]*\ndown +[3-9] +[3-9] /);
      } finally {
        mixed.remove();
      }
    },
  );

  it(
    '--watch on a terminal that is resized redraws the table cut to the new width',
    { skip: !SCRIPT && 'needs util-linux script(1)', timeout: 60_000 },
    async () => {
      const mixed = tempProject({
        defaultProfile: 'local',
        profiles: { local: { type: 'sqlite', path: 'q.db' }, down: { type: 'redis', host: '127.0.0.1', port: 1, connectTimeout: 300 } },
      });
      try {
        let resizedAfter = -1;
        const r = await underTerminal('health --all --watch --interval 300ms --rounds 4', mixed.dir, (output, tty) => {
          const frames = output.split('\u001b[H').length - 1;
          if (resizedAfter < 0 && frames >= 2) {
            resizedAfter = frames;
            spawnSync('stty', ['-F', tty, 'cols', '60']); // the kernel tells sitq with SIGWINCH
          }
        });
        const out = r.output.slice(0, r.output.lastIndexOf('\u001b[?25h\u001b[?1049l'));
        const widths = out
          .split('\u001b[H')
          .slice(1)
          .map((f) =>
            Math.max(
              ...plain(f)
                .split('\n')
                .map((l) => l.length),
            ),
          );
        assert.ok(resizedAfter >= 2, 'resized while the table was shown');
        assert.ok(
          widths.slice(0, resizedAfter).some((w) => w > 60),
          `before: ${widths.join(' ')}`,
        );
        // A frame already on its way when the size changed may still be 120 wide; from the first
        // narrow one on, every frame fits.
        const narrow = widths.findIndex((w, i) => i >= resizedAfter && w <= 60);
        assert.ok(narrow >= 0 && widths.slice(narrow).every((w) => w <= 60), `after: ${widths.join(' ')}`);
        assert.match(plain(out.split('\u001b[H').pop()!), /^down +redis +unhealthy/m);
      } finally {
        mixed.remove();
      }
    },
  );

  it(
    '--watch on a terminal forced out by a second Ctrl-C (exit 130) still gives the terminal back',
    { skip: !SCRIPT && 'needs util-linux script(1)', timeout: 60_000 },
    async () => {
      // A server that accepts and never answers: the graceful stop waits for its check, so the
      // second signal arrives while the table is still up.
      const silent = createServer((socket) => socket.on('error', () => {}));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const hang = tempProject({ profiles: { hang: { type: 'redis', host: '127.0.0.1', port: (silent.address() as AddressInfo).port } } });
      try {
        let signalled = false;
        const r = await underTerminal('health --all --watch --interval 300ms --timeout 20s', hang.dir, (output, _tty, pid) => {
          if (signalled || !output.includes('\u001b[H')) return;
          signalled = true;
          // Once the first check has been hanging for a second: Ctrl-C, then Ctrl-C again.
          const signal = () => {
            try {
              process.kill(pid, 'SIGTERM');
            } catch {
              // already gone: the exit code below says how
            }
          };
          setTimeout(signal, 1000);
          setTimeout(signal, 1000 + SAME_INTERRUPT_MS + 200);
        });
        assert.equal(r.code, 130, plain(r.output));
        assert.ok(r.output.startsWith('\u001b[?1049h\u001b[?25l'));
        assert.ok(r.output.trimEnd().endsWith('\u001b[?25h\u001b[?1049l'), JSON.stringify(r.output.slice(-80)));
      } finally {
        hang.remove();
        silent.close();
      }
    },
  );

  it('health --all: one row per profile; an unreachable one is unhealthy and the exit code is 1', async () => {
    const mixed = tempProject({
      defaultProfile: 'local',
      profiles: {
        local: { type: 'sqlite', path: 'q.db' },
        down: { type: 'postgres', host: '127.0.0.1', port: 1, user: 'postgres', connectTimeout: 300 },
      },
    });
    try {
      const r = await sitq(['health', '--all'], { cwd: mixed.dir });
      assert.equal(r.code, 1, r.all);
      assert.match(r.stdout, /^local\s+sqlite\s+healthy\s/m);
      assert.match(r.stdout, /^down\s+postgres\s+unhealthy\s/m);
      assert.match(r.stdout, /^down: .*127\.0\.0\.1:1/m);
    } finally {
      mixed.remove();
    }
  });

  it('health --all: a profile with a bad option keeps its own type in the table', async () => {
    const mixed = tempProject({
      defaultProfile: 'local',
      profiles: { local: { type: 'sqlite', path: 'q.db' }, typo: { type: 'postgres', hots: ['127.0.0.1:5432'] } },
    });
    try {
      const r = await sitq(['health', '--all'], { cwd: mixed.dir });
      assert.equal(r.code, 1, r.all);
      assert.match(r.stdout, /^typo\s+postgres\s+unhealthy\s/m);
      assert.match(r.stdout, /^typo: .*hots.*did you mean "hosts"/m);
    } finally {
      mixed.remove();
    }
  });
});
