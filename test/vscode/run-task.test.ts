// The runner Debug Task Locally starts under the debugger, as a plain process: it finds the
// handler by the task's name in the user's module (defineTask exports), calls it with the stored
// payload and a ctx, and says what the handler returned or threw; built-in test tasks need no module.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DebugTaskFile } from '../../extension/debug/run-task.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const RUNNER = join(ROOT, 'dist', 'extension', 'debug', 'run-task.js');
const dir = mkdtempSync(join(tmpdir(), 'sitq-run-task-'));
after(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'node_modules'));
symlinkSync(ROOT, join(dir, 'node_modules', 'sitq'), 'dir');
writeFileSync(
  join(dir, 'tasks.mjs'),
  `import { defineTask } from 'sitq';
export const boom = defineTask('fixture.boom', async (payload, ctx) => {
  if (payload.n > 100) throw new Error('too big: ' + payload.n);
  return { doubled: payload.n * 2, taskId: ctx.taskId, attempt: ctx.attempt, queue: ctx.queue };
});
`,
);

function run(module: string, task: Partial<DebugTaskFile>) {
  const file = join(dir, `task-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ taskId: 't-1', queue: 'default', attempt: 2, maxAttempts: 3, ...task }));
  const out = spawnSync(process.execPath, [RUNNER, module, file], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

test('runs the named handler from the module with the stored payload and a ctx', () => {
  const r = run(join(dir, 'tasks.mjs'), { name: 'fixture.boom', payload: { n: 21 } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /running fixture\.boom \(t-1\) with its stored payload/);
  assert.match(r.stdout, /the handler returned \{ doubled: 42, taskId: 't-1', attempt: 2, queue: 'default' \}/);
});

test('a handler that throws: the error is printed and the exit code is 1', () => {
  const r = run(join(dir, 'tasks.mjs'), { name: 'fixture.boom', payload: { n: 101 } });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /the handler threw Error: too big: 101/);
});

test('built-in test tasks run without a module; an unknown name says what the module exports', () => {
  const echo = run('-', { name: 'sitq.echo', payload: { hello: 1 } });
  assert.equal(echo.status, 0, echo.stderr);
  assert.match(echo.stdout, /returned \{ hello: 1 \}/);
  const unknown = run(join(dir, 'tasks.mjs'), { name: 'images.resize', payload: null });
  assert.equal(unknown.status, 2);
  assert.match(
    unknown.stderr,
    /sitq\.taskModule: expected a module that exports a handler for "images\.resize" \(it exports: .*fixture\.boom\)/,
  );
});
