// What the screens test (test/ui/screens.test.ts) cannot show, checked the same way (issue 10: every
// screen usable from 800 px): the Workers screen's registered-workers table with two live workers
// in it (heartbeats, running tasks), and the confirmation dialogs of a queue's Purge… and of
// cancelling a running task, from its row's Cancel… and from the task drawer. Each at 800, 1280
// and 1920 px, light and dark, from bounding boxes (test/ui/layout-check.ts; the dialogs' texts,
// buttons and hit test with dialogProblems); every dialog is left
// with Cancel or Escape, so nothing is purged or cancelled. Screenshots in
// test-artifacts/ui/live-layout/.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { ProtocolClient } from '../../shared/protocol/client.js';
import { eventually } from '../dashboard/helpers.js';
import type { Shots } from './browser.js';
import { PROFILE, SIZES_AND_THEMES, sizedPage, uiFixture, type UiFixture } from './fixture.js';
import { dialogProblems, layoutProblems } from './layout-check.js';

let f: UiFixture;
let browser: Browser;
let client: ProtocolClient;
let shots: Shots;
let url = '';
const workerIds: string[] = [];
const LONG = 60_000;
const profile = PROFILE;
/** A long queue name: the widest Queues cell the registered-workers table has to fit. */
const LONG_QUEUE = 'nightly-report-generation-eu-west';
const RUNNING = 4;
/** A running task's cancel dialog, from its row or its drawer, says the same. */
const CANCEL_RUNNING =
  /^The worker running it is told within a second: its handler's signal is aborted and the task ends cancelled\. You can requeue it later\.$/;
const CANCEL_BUTTONS = ['Close', 'Cancel', 'Cancel task'];

before(async () => {
  f = await uiFixture('live-layout');
  ({ browser, client, shots } = f);
  url = f.t.dashboard.url;
  // Sleeps that outlast the test keep both workers busy; one finished task gives Purge… something.
  for (const queue of ['default', LONG_QUEUE])
    await client.request('tasks.enqueue', {
      profile,
      name: 'sitq.sleep',
      payloadJson: JSON.stringify({ ms: 600_000 }),
      count: RUNNING / 2,
      queue,
      priority: 0,
      delayMs: 0,
      maxAttempts: 1,
    });
  await client.request('tasks.enqueue', {
    profile,
    name: 'sitq.echo',
    payloadJson: '{}',
    count: 1,
    queue: 'default',
    priority: 9,
    delayMs: 0,
    maxAttempts: 1,
  });
  for (let i = 0; i < 2; i++)
    workerIds.push((await client.request('workers.start', { profile, queues: ['default', LONG_QUEUE], concurrency: 3 })).id);
  await eventually(
    'both workers registered and the sleeps running',
    async () => {
      const snap = await client.request('queues.snapshot', { profile });
      const running = snap.queues.reduce((n, q) => n + q.counts.running, 0);
      return snap.workers.length === 2 && running === RUNNING;
    },
    LONG,
    100,
  );
});

after(async () => {
  for (const id of workerIds) await client?.request('workers.stop', { id, force: true }).catch(() => {});
  await f?.close();
});

for (const { width, dark } of SIZES_AND_THEMES) {
  it(`live workers and the purge and cancel dialogs fit at ${width} px, ${dark ? 'dark' : 'light'}`, { timeout: 120_000 }, async () => {
    const { page, errors, tag, close } = await sizedPage(browser, width, dark);
    await page.goto(`${url}#/workers`);
    const rows = page.locator('[data-testid=registered-workers] tbody tr');
    await eventually('two registered workers listed', async () => (await rows.count()) === 2, LONG, 100);
    await shots.take(page, `workers-${tag}`);
    assert.deepEqual(await layoutProblems(page), [], `workers at ${tag}`);

    await page.goto(`${url}#/queues`);
    await page.locator('[data-testid=queue-row-default] .row-actions button', { hasText: 'Purge' }).click();
    const purge = page.locator('[data-testid=purge-dialog]');
    await purge.waitFor({ timeout: LONG });
    await shots.take(page, `purge-${tag}`);
    assert.deepEqual(
      await dialogProblems(page, purge, {
        title: 'Purge finished tasks of default?',
        body: new RegExp(
          `^Deletes succeeded, dead and cancelled tasks from ${profile}\\. Pending, delayed and running tasks are kept\\. This cannot be undone\\. Finished`,
        ),
        buttons: ['Close', 'Cancel', 'Purge'],
      }),
      [],
      `purge dialog at ${tag}`,
    );
    await purge.getByRole('button', { name: 'Cancel', exact: true }).click();
    await purge.waitFor({ state: 'detached', timeout: LONG });

    // A running task's Cancel… from its row.
    await page.locator('[data-testid=task-row][data-state=running] [data-testid=task-row-cancel]').first().click();
    const confirm = page.locator('[data-testid=confirm]');
    await confirm.waitFor({ timeout: LONG });
    await shots.take(page, `cancel-row-${tag}`);
    assert.deepEqual(
      await dialogProblems(page, confirm, { title: 'Cancel the running task sitq.sleep?', body: CANCEL_RUNNING, buttons: CANCEL_BUTTONS }),
      [],
      `row cancel dialog at ${tag}`,
    );
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached', timeout: LONG });

    // And from the task drawer, over the open task.
    await page.locator('[data-testid=task-row][data-state=running]').first().click();
    await page.locator('[data-testid=task-cancel]').click();
    await confirm.waitFor({ timeout: LONG });
    await shots.take(page, `cancel-drawer-${tag}`);
    assert.deepEqual(
      await dialogProblems(page, confirm, { title: 'Cancel this running task?', body: CANCEL_RUNNING, buttons: CANCEL_BUTTONS }),
      [],
      `drawer cancel dialog at ${tag}`,
    );
    await confirm.getByRole('button', { name: 'Cancel', exact: true }).click();
    await confirm.waitFor({ state: 'detached', timeout: LONG });

    const running = (await client.request('queues.snapshot', { profile })).queues.reduce((n, q) => n + q.counts.running, 0);
    assert.equal(running, RUNNING, 'nothing was cancelled');
    assert.deepEqual(errors, []);
    await close();
  });
}
