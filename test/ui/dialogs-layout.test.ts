// The confirmation dialogs the live-layout test (test/ui/live-layout.test.ts) does not open, each
// opened the way a user opens it and checked at 800, 1280 and 1920 px, light and dark (issue 10:
// every screen usable from 800 px): deleting a profile, removing a schedule, requeueing one task
// from its drawer, the bulk actions (requeue all dead, cancel all pending, requeue a selection) and
// force-stopping a local worker that runs a task. Each dialog's layout, texts and buttons
// (dialogProblems in test/ui/layout-check.ts: inside the window, not covered, nothing cut off,
// readable), screenshots in test-artifacts/ui/dialogs-layout/. Every dialog is left with Cancel,
// Escape or its close button, so at the end nothing was deleted, requeued, cancelled or stopped.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { ProtocolClient } from '../../shared/protocol/client.js';
import { eventually } from '../dashboard/helpers.js';
import type { Shots } from './browser.js';
import { PROFILE, SIZES_AND_THEMES, sizedPage, uiFixture, type UiFixture } from './fixture.js';
import { dialogProblems, type DialogText } from './layout-check.js';

let f: UiFixture;
let browser: Browser;
let client: ProtocolClient;
let shots: Shots;
let url = '';
let workerId = '';
const LONG = 60_000;
const profile = PROFILE;
/** Long names: the widest titles these dialogs have to fit. */
const SPARE_PROFILE = 'nightly-reporting-replica-eu-west';
const SCHEDULE = 'every-six-hours-with-a-long-name';
const BACKLOG = 'backlog-nobody-takes';
const DEAD = 3;
const PENDING = 2;

async function counts(): Promise<{ dead: number; pending: number; running: number }> {
  const snap = await client.request('queues.snapshot', { profile });
  const sum = (key: 'dead' | 'pending' | 'running') => snap.queues.reduce((n, q) => n + q.counts[key], 0);
  return { dead: sum('dead'), pending: sum('pending'), running: sum('running') };
}

before(async () => {
  f = await uiFixture('dialogs-layout');
  ({ browser, client, shots } = f);
  url = f.t.dashboard.url;
  await client.request('profiles.save', {
    draft: { name: SPARE_PROFILE, kind: 'sqlite', options: { path: join(f.t.dir, 'spare.db') }, secrets: {} },
  });
  await client.request('schedules.save', {
    profile,
    name: SCHEDULE,
    spec: { every: 6 * 3_600_000 },
    task: 'sitq.echo',
    payloadJson: '{}',
    queue: BACKLOG,
  });
  const enqueue = (name: string, payload: unknown, count: number, queue: string) =>
    client.request('tasks.enqueue', {
      profile,
      name,
      payloadJson: JSON.stringify(payload),
      count,
      queue,
      priority: 0,
      delayMs: 0,
      maxAttempts: 1,
    });
  await enqueue('sitq.fail', { message: 'the upstream service answered 503 Service Unavailable' }, DEAD, 'default');
  // A sleep that outlasts the test keeps the worker busy: its Force stop has a task to abort.
  await enqueue('sitq.sleep', { ms: 600_000 }, 1, 'default');
  await enqueue('sitq.echo', {}, PENDING, BACKLOG);
  workerId = (await client.request('workers.start', { profile, queues: ['default'], concurrency: 2 })).id;
  await eventually(
    'the failing tasks dead and the sleep running',
    async () => {
      const c = await counts();
      return c.dead === DEAD && c.running === 1 && c.pending === PENDING;
    },
    LONG,
    100,
  );
});

after(async () => {
  if (workerId) await client?.request('workers.stop', { id: workerId, force: true }).catch(() => {});
  await f?.close();
});

type Leave = 'Cancel' | 'Escape' | 'Close';

/** Opens a dialog as `open` does, keeps its screenshot, checks it (dialogProblems), and leaves it with `leave`. */
async function checkDialog(page: Page, name: string, open: () => Promise<void>, want: DialogText, leave: Leave): Promise<void> {
  await open();
  const dialog = page.locator('[role=dialog]');
  await dialog.waitFor({ timeout: LONG });
  await shots.take(page, name);
  assert.deepEqual(await dialogProblems(page, dialog, want), [], name);
  if (leave === 'Escape') await page.keyboard.press('Escape');
  else await dialog.getByRole('button', { name: leave, exact: true }).click();
  await dialog.waitFor({ state: 'detached', timeout: LONG });
}

const CANCEL_CONFIRM = (confirm: string): readonly string[] => ['Close', 'Cancel', confirm];

for (const { width, dark } of SIZES_AND_THEMES) {
  it(`the confirmation dialogs fit and read right at ${width} px, ${dark ? 'dark' : 'light'}`, { timeout: 180_000 }, async () => {
    const { page, errors, tag, close } = await sizedPage(browser, width, dark);

    await page.goto(`${url}#/profiles`);
    await checkDialog(
      page,
      `delete-profile-${tag}`,
      () => page.locator(`[data-testid=profile-row-${SPARE_PROFILE}] [data-testid=profile-delete]`).click({ timeout: LONG }),
      {
        title: `Delete profile ${SPARE_PROFILE}?`,
        body: /^The profile is removed from \S+\.json and its stored secrets are deleted\. The tasks in the backend are not touched\.$/,
        buttons: CANCEL_CONFIRM('Delete profile'),
      },
      'Cancel',
    );

    await page.goto(`${url}#/schedules`);
    await checkDialog(
      page,
      `remove-schedule-${tag}`,
      () => page.locator(`[data-testid=schedule-row-${SCHEDULE}] [data-testid=schedule-remove]`).click({ timeout: LONG }),
      {
        title: `Remove the schedule ${SCHEDULE}?`,
        body: /^No more tasks are enqueued by it\. Tasks it already enqueued stay in their queue\. This cannot be undone\.$/,
        buttons: CANCEL_CONFIRM('Remove schedule'),
      },
      'Escape',
    );

    await page.goto(`${url}#/queues`);
    await page.locator('[data-testid=chip-dead]').click({ timeout: LONG });
    await checkDialog(
      page,
      `requeue-all-dead-${tag}`,
      () => page.locator('[data-testid=bulk-filter]', { hasText: `Requeue all ${DEAD} dead` }).click({ timeout: LONG }),
      {
        title: `Requeue all ${DEAD} dead tasks?`,
        body: /^Each dead or cancelled task becomes pending now with its attempts reset to 0\./,
        buttons: CANCEL_CONFIRM('Requeue'),
      },
      'Close',
    );

    // A selection: two dead tasks picked by their boxes.
    const picks = page.locator('[data-testid=task-row][data-state=dead] [data-testid=task-pick]');
    await eventually(`${DEAD} dead rows listed`, async () => (await picks.count()) === DEAD, LONG, 100);
    for (const i of [0, 1]) await picks.nth(i).check();
    await checkDialog(
      page,
      `requeue-selection-${tag}`,
      () => page.locator('[data-testid=bulk-requeue]').click(),
      {
        title: 'Requeue 2 selected tasks?',
        body: /^Each dead or cancelled task becomes pending now with its attempts reset to 0\. Tasks in any other state are left as they are\.$/,
        buttons: CANCEL_CONFIRM('Requeue'),
      },
      'Cancel',
    );
    await page.getByRole('button', { name: 'Clear selection', exact: true }).click();

    // One task, from its drawer.
    await page.locator('[data-testid=task-row][data-state=dead]').first().click();
    await checkDialog(
      page,
      `requeue-task-${tag}`,
      () => page.locator('[data-testid=task-requeue]').click({ timeout: LONG }),
      {
        title: 'Requeue this task?',
        body: /^The task becomes pending now with its attempts reset to 0; a worker will run it again\.$/,
        buttons: CANCEL_CONFIRM('Requeue'),
      },
      'Cancel',
    );
    await page.locator('[data-testid=task-detail] button[aria-label="Close task detail"]').click();
    await page.locator('[data-testid=task-detail]').waitFor({ state: 'detached', timeout: LONG });

    await page.locator('[data-testid=chip-pending]').click();
    await checkDialog(
      page,
      `cancel-all-pending-${tag}`,
      () => page.locator('[data-testid=bulk-filter]', { hasText: `Cancel all ${PENDING} pending` }).click({ timeout: LONG }),
      {
        title: `Cancel all ${PENDING} pending tasks?`,
        body: /^Each pending or delayed task is cancelled and will not run;/,
        buttons: CANCEL_CONFIRM('Cancel tasks'),
      },
      'Escape',
    );

    await page.goto(`${url}#/workers`);
    await checkDialog(
      page,
      `force-stop-${tag}`,
      () => page.locator('[data-testid=worker-card][data-state=running] [data-testid=worker-force]').click({ timeout: LONG }),
      {
        title: `Force stop ${workerId}?`,
        body: /^Running tasks are aborted now and retried later by a worker\. Use a graceful stop to let them finish\.$/,
        buttons: CANCEL_CONFIRM('Force stop'),
      },
      'Cancel',
    );

    assert.deepEqual(await counts(), { dead: DEAD, pending: PENDING, running: 1 }, 'nothing was requeued, cancelled or stopped');
    assert.ok(
      (await client.request('profiles.list', {})).some((p) => p.name === SPARE_PROFILE),
      'the profile is still there',
    );
    assert.ok(await client.request('schedules.get', { profile, name: SCHEDULE }), 'the schedule is still there');
    assert.deepEqual(errors, []);
    await close();
  });
}
