// Schedules and running tasks in the Backends tree of a real VS Code (code-server): a profile's
// Schedules group lists its schedules (name, next run, paused); Pause, Resume and Remove from a
// row's context menu change the backend (read back here) and the row; Remove asks first. A running
// task's row shows its progress and offers Cancel, which stops its handler; a queue row's inline
// Pause and Resume. SQLite: no server.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createBackend } from '../../shared/backends/index.js';
import type { Backend } from '../../shared/core/backend.js';
import { silentLogger } from '../../shared/core/logger.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { defineTask } from '../../shared/core/tasks.js';
import { Worker } from '../../shared/core/worker.js';
import { codeServerSkipReason } from './harness.js';
import { openVscode } from './session.js';

const skip = codeServerSkipReason();

/** Polls the backend (not the UI) until `check` holds: what a menu action wrote. */
async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  for (const end = Date.now() + ms; !(await check());) {
    if (Date.now() > end) throw new Error(`${what}: not so within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('schedules and running tasks in the Backends tree (code-server)', { skip, timeout: 10 * 60_000 }, async (t) => {
  let backend: Backend | undefined;
  let worker: Worker | undefined;
  const s = await openVscode(t, {
    name: 'schedules',
    // The database's folder too: this test writes the schedules before the extension opens it.
    files: { 'sitq.config.json': JSON.stringify({ profiles: { local: { type: 'sqlite', path: '.sitq/queue.db' } } }), '.sitq/.keep': '' },
    cleanup: async () => {
      await worker?.stop({ timeout: 5000 });
      await backend?.close();
    },
  });
  const { wb } = s;
  backend = createBackend({ type: 'sqlite', path: join(s.workspace, '.sitq', 'queue.db') });
  await backend.connect();
  const queue = new TaskQueue(backend);
  await queue.schedule('nightly', { cron: '0 3 * * *' }, 'sitq.echo', { n: 1 }, { queue: 'chores' });
  await queue.schedule('often', { every: 60_000 }, 'sitq.echo', { n: 2 }, { paused: true });
  // A schedule's row: its label runs straight into its description (no space in the row's text).
  const nightly = () => wb.treeRow('Backends', /^\s*nightly\s*(next|paused)/);
  const often = () => wb.treeRow('Backends', /^\s*often\s*(next|paused)/);
  const paused = async (name: string) => (await queue.getSchedule(name))?.paused;

  await s.step('the Schedules group lists each schedule with its next run or paused', async () => {
    await wb.openContainer('sitq');
    await wb.widenSideBar(620);
    await wb.treeRow('Backends', 'local', 'healthy').waitFor({ timeout: 90_000 });
    await wb.expand(wb.treeRow('Backends', 'local'));
    await wb.expand(wb.treeRowNamed('Backends', 'Schedules'));
    await wb.treeRow('Backends', /^\s*nightly\s*next .* · cron 0 3 \* \* \* → chores/).waitFor({ timeout: 60_000 });
    await wb.treeRow('Backends', /^\s*often\s*paused · every 1 min → default/).waitFor({ timeout: 30_000 });
    await s.shot('schedules-listed');
  });

  await s.step('Pause and Resume from the context menu change the backend and the row', async () => {
    await wb.contextMenu(nightly(), /^Pause Schedule/);
    await until('nightly is paused in the backend', async () => (await paused('nightly')) === true);
    await wb.treeRow('Backends', /^\s*nightly\s*paused · cron/).waitFor({ timeout: 30_000 });
    await wb.contextMenu(often(), /^Resume Schedule/);
    await until('often is active in the backend', async () => (await paused('often')) === false);
    await wb.treeRow('Backends', /^\s*often\s*next .* · every 1 min/).waitFor({ timeout: 30_000 });
  });

  await s.step('Remove asks first; Keep It keeps it, Remove Schedule removes it', async () => {
    await wb.contextMenu(often(), /^Remove Schedule/);
    const dialog = wb.dialog(/Remove the schedule often from local\?/);
    await dialog.waitFor({ timeout: 30_000 });
    const buttons = await dialog.locator('.monaco-button').allTextContents();
    assert.deepEqual(buttons.map((b) => b.trim()).sort(), ['Keep It', 'Remove Schedule']);
    await s.shot('schedules-remove-dialog');
    await wb.confirm(/Remove the schedule often/, 'Keep It');
    assert.notEqual(await queue.getSchedule('often'), null, 'Keep It removes nothing');
    await wb.contextMenu(often(), /^Remove Schedule/);
    await wb.confirm(/Remove the schedule often/, 'Remove Schedule');
    await until('often is gone from the backend', async () => (await queue.getSchedule('often')) === null);
    await often().waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal(await paused('nightly'), true, 'the other schedule is untouched');
  });

  await s.step("a running task's row shows its progress and Cancel stops its handler", async () => {
    let aborted!: () => void;
    const abortedNow = new Promise<void>((r) => (aborted = r));
    const hold = defineTask('fixture.hold', async (_payload: null, ctx) => {
      ctx.progress(42);
      await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r(), { once: true }));
      aborted();
    });
    // No scheduler: the paused 'nightly' must stay the only thing that enqueues nothing.
    worker = new Worker(backend!, { tasks: [hold], queues: ['long'], pollInterval: 100, logger: silentLogger, schedules: false });
    await worker.start();
    const id = await queue.enqueue(hold, null, { queue: 'long', maxAttempts: 1 });
    await until('the task runs with its progress stored', async () => {
      const task = await queue.getTask(id);
      return task?.state === 'running' && task.progress === 42;
    });
    await wb.expand(wb.treeRow('Backends', 'long', '1 running'));
    await wb.expand(wb.treeRowNamed('Backends', 'running'));
    const row = wb.treeRowNamed('Backends', 'fixture.hold');
    await row.filter({ hasText: `…${id.slice(-8)} · 42% · attempt 1/1` }).waitFor({ timeout: 60_000 });
    await s.shot('running-task-progress');
    await wb.inlineAction(row, 'Cancel Task');
    await wb.confirm(/Cancel fixture\.hold .*Its worker stops its handler/, 'Cancel Task');
    await Promise.race([
      abortedNow,
      new Promise((_, no) => setTimeout(() => no(new Error('the handler was not aborted within 60 s')), 60_000)),
    ]);
    await until('the task is cancelled in the backend', async () => (await queue.getTask(id))?.state === 'cancelled');
  });

  await s.step("a queue row's inline Pause and Resume change the backend and the row's description", async () => {
    const pausedQueue = async () => (await queue.getQueueSettings('long')).paused === true;
    await wb.inlineAction(wb.treeRow('Backends', /^\s*long\s*(?!paused)\S/), 'Pause Queue');
    await until('the queue long is paused in the backend', pausedQueue);
    const row = wb.treeRow('Backends', /^\s*long\s*paused · /);
    await row.waitFor({ timeout: 30_000 });
    await s.shot('queue-paused');
    await wb.inlineAction(row, 'Resume Queue');
    await until('the queue long is resumed in the backend', async () => !(await pausedQueue()));
    await row.waitFor({ state: 'detached', timeout: 30_000 });
    await wb.treeRow('Backends', /^\s*long\s*(?!paused)\S/).waitFor({ timeout: 30_000 });
  });
});
