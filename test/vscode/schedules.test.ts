// Schedules and running tasks in the Backends tree of a real VS Code (code-server): a profile's
// Schedules group lists its schedules (name, next run, paused); Pause, Resume and Remove from a
// row's context menu change the backend (read back here) and the row; Remove asks first. A running
// task's row shows its progress and offers Cancel, which stops its handler; a queue row's inline
// Pause and Resume. Then the forms: Add Schedule… and Edit Schedule… typed into their input boxes,
// Set Queue Limits… and Set Retention… on a queue row; Show Task Log filling an editor while a task
// logs; the queue row's throughput tooltip. SQLite: no server.
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
import { openVscode, treeEvents } from './session.js';

const skip = codeServerSkipReason();

/** Gates a test opens, by name: a handler waits on one until the test opens it. */
const gates = new Map<string, { opened: Promise<void>; open: () => void }>();
function gate(name: string): { opened: Promise<void>; open: () => void } {
  let g = gates.get(name);
  if (!g) {
    let open!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    gates.set(name, (g = { opened, open }));
  }
  return g;
}

/** Logs 50 lines (more than the editor shows), waits for `<tag>:half`, logs 50 more, waits for
 *  `<tag>:end`, succeeds. */
const chatty = defineTask('fixture.chatty', async ({ tag }: { tag: string }, ctx) => {
  // An aborted handler (its worker stopping) waits no more.
  const aborted = new Promise<void>((r) => (ctx.signal.aborted ? r() : ctx.signal.addEventListener('abort', () => r(), { once: true })));
  const wait = (name: string) => Promise.race([gate(`${tag}:${name}`).opened, aborted]);
  for (let i = 1; i <= 50; i++) ctx.log(`${tag} line ${i}`);
  await wait('half');
  for (let i = 51; i <= 100; i++) ctx.log(`${tag} line ${i}`);
  await wait('end');
});

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
      // A step that failed may have left a handler waiting for its gate.
      for (const g of gates.values()) g.open();
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
    worker = new Worker(backend!, { tasks: [hold, chatty], queues: ['long'], pollInterval: 100, logger: silentLogger, schedules: false });
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
  /** Each step's title as it is shown, to check the counter only goes up. */
  const titles: string[] = [];
  const step = async (expected: RegExp, value: string | null, options: { pick?: boolean } = {}) => {
    titles.push((await wb.waitForQuickInput(expected)).split('\n')[0]);
    await wb.answer(expected, value, options);
  };

  await s.step('Add Schedule… takes each field in turn, previews the next runs and names the field of each mistake', async () => {
    titles.length = 0;
    await wb.contextMenu(wb.treeRowNamed('Backends', 'Schedules'), /^Add Schedule/);
    await wb.waitForQuickInput(/Add Schedule to local \(1\/11\): name/);
    await wb.typeAndSee('bad name!', /name: expected 1-128 letters/);
    await step(/\(1\/11\): name/, 'hourly');
    await wb.waitForQuickInput(/\(2\/11\): when/);
    await wb.typeAndSee('61 * * * *', /spec\.cron: expected a cron pattern/);
    await wb.typeAndSee('every soon', /spec\.every: expected every and a duration/);
    await wb.typeAndSee('*/5 * * * *', /Next runs \(UTC pattern; shown in local time\): .+, .+, .+/);
    await s.shot('schedule-form-preview');
    await step(/\(2\/11\): when/, null);
    await wb.waitForQuickInput(/\(3\/11\): in which time zone/);
    await wb.typeAndSee('Mars/Olympus', /spec\.tz: expected/);
    await wb.typeAndSee('Europe/Berlin', /Next runs \(Europe\/Berlin pattern/);
    await step(/\(3\/11\): in which time zone/, null);
    await step(/\(4\/11\): which task/, 'sitq.echo', { pick: true });
    await wb.waitForQuickInput(/\(5\/11\): the payload/);
    await wb.typeAndSee('{bad', /payload: expected JSON/);
    await step(/\(5\/11\): the payload/, '{"n": 3}');
    await wb.waitForQuickInput(/\(6\/11\): into which queue/);
    await wb.typeAndSee('a.b', /queue: expected a queue name/);
    await step(/\(6\/11\): into which queue/, 'reports');
    // The numbers: checked with the core's ranges as typed, each mistake naming the option.
    await wb.waitForQuickInput(/\(7\/11\): priority/);
    assert.equal(await wb.quickInput().inputValue(), '', 'a new schedule starts with the default priority (empty)');
    await wb.typeAndSee('10', /priority: expected a priority: a whole number from 0 to 9/);
    await step(/\(7\/11\): priority/, '7');
    await wb.waitForQuickInput(/\(8\/11\): how many attempts/);
    await wb.typeAndSee('0', /maxAttempts: expected a number of attempts: a whole number from 1 to 1,000/);
    await step(/\(8\/11\): how many attempts/, '5');
    await wb.waitForQuickInput(/\(9\/11\): timeout/);
    await wb.typeAndSee('1.5', /timeout: expected a timeout in ms/);
    await step(/\(9\/11\): timeout/, '30000');
    await step(/\(10\/11\): after downtime/, 'all', { pick: true });
    await wb.waitForQuickInput(/\(11\/11\): run at most how many missed ticks/);
    assert.equal(await wb.quickInput().inputValue(), '100', 'the catch-up limit starts at its default');
    await wb.typeAndSee('1001', /catchUpLimit: expected a number of ticks: a whole number from 1 to 1,000/);
    await step(/\(11\/11\): run at most/, '20');
    assert.deepEqual(
      titles.map((t) => /\((\d+)\/(\d+)\)/.exec(t)?.slice(1).join('/')),
      ['1/11', '2/11', '3/11', '4/11', '5/11', '6/11', '7/11', '8/11', '9/11', '10/11', '11/11'],
    );
    await until('hourly is stored', async () => (await queue.getSchedule('hourly')) !== null);
    const stored = (await queue.getSchedule('hourly'))!;
    assert.deepEqual(stored.spec, { cron: '*/5 * * * *', tz: 'Europe/Berlin' });
    assert.deepEqual([stored.task, stored.payload, stored.queue, stored.paused], ['sitq.echo', { n: 3 }, 'reports', false]);
    assert.deepEqual([stored.priority, stored.maxAttempts, stored.timeout, stored.catchUp, stored.catchUpLimit], [7, 5, 30_000, 'all', 20]);
    await wb.treeRow('Backends', /^\s*hourly\s*next .* · cron \*\/5 \* \* \* \* \(Europe\/Berlin\) → reports/).waitFor({ timeout: 30_000 });
  });

  await s.step('Edit Schedule… starts from what is stored; an every schedule skips the time zone, the counter goes on', async () => {
    titles.length = 0;
    await wb.contextMenu(wb.treeRow('Backends', /^\s*hourly\s*next/), /^Edit Schedule/);
    const first = await wb.waitForQuickInput(/Edit Schedule hourly in local \(1\/10\): when/);
    assert.equal(await wb.quickInput().inputValue(), '*/5 * * * *', `the stored pattern is the starting value (${first})`);
    await wb.typeAndSee('every 10m', /Next runs: .+, .+, .+/);
    await step(/\(1\/10\): when/, null);
    await step(/\(3\/10\): which task/, null);
    await step(/\(4\/10\): the payload/, null);
    await step(/\(5\/10\): into which queue/, null);
    // Each number starts from its stored value: changed, kept, emptied (the default again).
    for (const [n, what, stored, answer] of [
      [6, 'priority', '7', '2'],
      [7, 'how many attempts', '5', null],
      [8, 'timeout', '30000', ''],
    ] as const) {
      await wb.waitForQuickInput(new RegExp(`\\(${n}/10\\): ${what}`));
      assert.equal(await wb.quickInput().inputValue(), stored, `the stored ${what} is the starting value`);
      await step(new RegExp(`\\(${n}/10\\): ${what}`), answer);
    }
    // The stored policy is offered first; Enter keeps it.
    await wb.waitForQuickInput(/\(9\/10\): after downtime/);
    const firstRow = wb.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first();
    await firstRow.waitFor({ timeout: 10_000 });
    assert.match((await firstRow.textContent()) ?? '', /^\s*all\s*its current policy/, 'the stored catch-up policy comes first');
    await step(/\(9\/10\): after downtime/, null);
    await wb.waitForQuickInput(/\(10\/10\): run at most how many missed ticks/);
    assert.equal(await wb.quickInput().inputValue(), '20', 'the stored catch-up limit is the starting value');
    await step(/\(10\/10\): run at most/, '50');
    assert.deepEqual(
      titles.map((t) => /\((\d+)\/(\d+)\)/.exec(t)?.slice(1).join('/')),
      ['1/10', '3/10', '4/10', '5/10', '6/10', '7/10', '8/10', '9/10', '10/10'],
    );
    await until('hourly runs every 10 min in the backend', async () => 'every' in ((await queue.getSchedule('hourly'))?.spec ?? {}));
    const stored = (await queue.getSchedule('hourly'))!;
    assert.deepEqual(stored.spec, { every: 600_000 });
    assert.deepEqual([stored.task, stored.payload, stored.queue, stored.paused], ['sitq.echo', { n: 3 }, 'reports', false]);
    // An emptied timeout is the default again (none); the rest as answered.
    assert.deepEqual(
      [stored.priority, stored.maxAttempts, stored.timeout, stored.catchUp, stored.catchUpLimit],
      [2, 5, undefined, 'all', 50],
    );
    await wb.treeRow('Backends', /^\s*hourly\s*next .* · every 10 min → reports/).waitFor({ timeout: 30_000 });
  });

  const longRow = () => wb.treeRow('Backends', /^\s*long\s*(?!paused)\S/);
  const openTaskLog = async (tag: string): Promise<string> => {
    const id = await queue.enqueue(chatty, { tag }, { queue: 'long', maxAttempts: 1 });
    await until(`${tag} runs and has logged 50 lines`, async () => (await queue.getTask(id))?.log?.length === 50);
    await wb.expand(longRow());
    await wb.expand(wb.treeRowNamed('Backends', 'running'));
    await wb.contextMenu(wb.treeRow('Backends', 'fixture.chatty', `…${id.slice(-8)}`), /^Show Task Log/);
    const text = await wb.waitForEditorText(
      new RegExp(`${tag} line 49\\n${tag} line 50\\n--- running \\(attempt 1 of 1\\): following its log ---`),
    );
    // 52 lines, more than the editor shows: it opened on the newest, its header is out of view.
    assert.doesNotMatch(text, /^# fixture\.chatty/m, 'the log opens on its newest line');
    return id;
  };
  const extensionLogHas = (line: string) => until(`the extension's log says "${line}"`, async () => s.log().includes(line), 30_000);

  await s.step("Show Task Log fills an editor while the task logs and ends with the task's final state", async () => {
    const id = await openTaskLog('a');
    await extensionLogHas(`task log ${id}: following`);
    gate('a:half').open();
    // Lines logged after the editor opened, shown with no click: the editor keeps to the newest.
    await wb.waitForEditorText(/a line 99\na line 100\n--- running/);
    await s.shot('task-log-live');
    gate('a:end').open();
    await wb.waitForEditorText(/a line 100\n=== succeeded \(attempt 1 of 1, ran .+\) ===/);
    await extensionLogHas(`task log ${id}: stopped following (it is succeeded)`);
    await s.shot('task-log-final');
  });

  await s.step('closing a task log stops following the task', async () => {
    const id = await openTaskLog('b');
    await extensionLogHas(`task log ${id}: following`);
    await wb.runCommand('View: Close Editor');
    await extensionLogHas(`task log ${id}: stopped following (its editor was closed)`);
    gate('b:half').open();
    gate('b:end').open();
    await until('b succeeds', async () => (await queue.getTask(id))?.state === 'succeeded');
  });

  await s.step('Set Queue Limits… checks the rate as typed, stores both limits, and the row shows them', async () => {
    // The history of the two tasks above is written every 2 s: the tooltip below must find it.
    await until('the last hour of long has 2 succeeded tasks', async () => {
      const report = await queue.stats({ queue: 'long', since: Date.now() - 3_600_000, resolution: 'minute' });
      return report.queues.find((q) => q.queue === 'long')?.total.succeeded === 2;
    });
    await wb.contextMenu(longRow(), /^Set Queue Limits/);
    await wb.waitForQuickInput(/Limits of queue long in local \(1\/2\)/);
    await wb.typeAndSee('fast', /limits\.rate: expected a rate as N\/PERIOD/);
    await wb.answer(/\(1\/2\)/, '100/1s');
    await wb.waitForQuickInput(/\(2\/2\): how many may run at once/);
    await wb.typeAndSee('0', /limits\.maxRunning: expected a number of running tasks/);
    await wb.answer(/\(2\/2\)/, '3');
    await until('the limits are stored', async () => {
      const settings = await queue.getQueueSettings('long');
      return settings.rate?.max === 100 && settings.rate.perMs === 1000 && settings.maxRunning === 3;
    });
    await wb.treeRow('Backends', /^\s*long\s*\d.* · rate 100\/1s, at most 3 running/).waitFor({ timeout: 30_000 });
  });

  await s.step("the queue row's tooltip has the last hour's throughput and its limits", async () => {
    await wb.page.mouse.move(5, 5);
    const eventsBefore = treeEvents(s).length;
    await longRow().hover();
    const hover = wb.page.locator('.monaco-hover, .workbench-hover').filter({ hasText: 'Last hour' }).first();
    await hover.waitFor({ state: 'visible', timeout: 30_000 });
    const text = (await hover.textContent()) ?? '';
    assert.match(text, /Last hour: 2 succeeded \(0\.0\d\/min\) · \d+ failed \(\d+\.\d\d\/min\) · p95 \d/);
    assert.match(text, /Limits: rate 100\/1s, at most 3 running/);
    assert.match(text, /Keeps: succeeded all · dead all · cancelled all/);
    // Read on hover (resolveTreeItem): the tree sent no change event for it.
    assert.deepEqual(treeEvents(s).slice(eventsBefore), [], 'no tree change event while the tooltip was read');
    await s.shot('queue-tooltip');
    await wb.page.mouse.move(5, 5);
  });

  await s.step(
    'Set Retention… takes a rule per finished state, checked as typed; Set Queue Limits… with empty boxes clears the limits',
    async () => {
      await wb.contextMenu(longRow(), /^Set Retention/);
      await step(/Retention of queue long in local \(1\/3\): succeeded/, '7d,1000');
      await wb.waitForQuickInput(/\(2\/3\): dead/);
      await wb.typeAndSee('lots', /keep\.dead: expected an age with a unit.*"lots" is not one/);
      await step(/\(2\/3\): dead/, '30d');
      await step(/\(3\/3\): cancelled/, '');
      await until('the retention is stored', async () => (await queue.getQueueSettings('long')).keep?.dead !== undefined);
      assert.deepEqual((await queue.getQueueSettings('long')).keep, {
        succeeded: { maxAgeMs: 7 * 86_400_000, maxCount: 1000 },
        dead: { maxAgeMs: 30 * 86_400_000 },
      });
      await wb.contextMenu(longRow(), /^Set Queue Limits/);
      await wb.answer(/Limits of queue long in local \(1\/2\)/, '');
      await wb.answer(/\(2\/2\)/, '');
      await until('the limits are removed', async () => {
        const settings = await queue.getQueueSettings('long');
        return settings.rate === undefined && settings.maxRunning === undefined && settings.keep !== undefined;
      });
      await wb
        .treeRow('Backends', /^\s*long\s*(?!paused)\S/)
        .filter({ hasNotText: 'rate 100/1s' })
        .waitFor({ timeout: 30_000 });
    },
  );
});
