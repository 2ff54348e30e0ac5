// The dashboard in daily operations, clicked through in Chromium against a real core (SQLite):
// an open task follows its task live (requeued while a worker runs, it shows the new run and its
// death without a click), tasks are found by payload and error text (searched in the backend,
// paged), bulk actions take a filter or a selection, stopped workers are cleared, and an old tab
// of a restarted dashboard tells the user to open the new URL instead of reconnecting forever.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { ProtocolClient } from '../../shared/protocol/client.js';
import { connectClient, eventually, tempDashboard, type TempDashboard } from '../dashboard/helpers.js';
import { Shots, freshArtifactDir, launchChromium, strictPage } from './browser.js';
import { ensureUiBuilt } from './build.js';

let browser: Browser;
let t: TempDashboard;
let client: ProtocolClient;
let shots: Shots;
const LONG = 60_000;

before(async () => {
  ensureUiBuilt();
  browser = await launchChromium();
  t = await tempDashboard();
  client = await connectClient(t.dashboard);
  shots = new Shots(freshArtifactDir('operations'));
  await client.request('profiles.save', {
    draft: { name: 'local', kind: 'sqlite', options: { path: join(t.dir, 'ops.db') }, secrets: {} },
  });
});

after(async () => {
  client?.close();
  await t?.close();
  await browser?.close();
});

const enqueue = (name: string, payloadJson: string, count: number, more: { queue?: string; delayMs?: number } = {}) =>
  client.request('tasks.enqueue', {
    profile: 'local',
    name,
    payloadJson,
    count,
    queue: more.queue ?? 'default',
    priority: 0,
    delayMs: more.delayMs ?? 0,
    maxAttempts: 1,
  });

async function counts(queue: string) {
  return (await client.request('queues.snapshot', { profile: 'local' })).queues.find((q) => q.queue === queue)?.counts;
}

async function confirm(page: Page): Promise<void> {
  await page.locator('[data-testid=confirm]').waitFor();
  await page.click('[data-testid=confirm-ok]');
}

it('follows an open task live, searches, acts in bulk and clears stopped workers', { timeout: 300_000 }, async () => {
  await enqueue('sitq.fail', '{"message":"card declined for order A-7"}', 3);
  await enqueue('sitq.echo', '{"order":"needle-4711"}', 1);
  await enqueue('sitq.echo', '{"order":"other"}', 60);
  const worker = await client.request('workers.start', { profile: 'local', queues: ['default'], concurrency: 4 });
  await eventually('the first tasks ran', async () => (await counts('default'))?.dead === 3, LONG);

  const { page, problems } = await strictPage(browser);
  await page.goto(`${t.dashboard.url}#/queues`);

  // Search in the backend: the payload's text finds the one task (it is not on the first page of
  // 50: 60 newer tasks came after it... and the search does not need it to be).
  await page.fill('[data-testid=task-search]', 'NEEDLE-4711');
  await page
    .locator('[data-testid=pager-range]')
    .filter({ hasText: /^1–1 of 1$/ })
    .waitFor({ timeout: LONG });
  assert.equal(await page.locator('[data-testid=task-row]').count(), 1);
  await shots.take(page, 'search-payload');
  // The error text finds the three dead ones.
  await page.fill('[data-testid=task-search]', 'card declined');
  await page
    .locator('[data-testid=pager-range]')
    .filter({ hasText: /^1–3 of 3$/ })
    .waitFor({ timeout: LONG });
  assert.equal(await page.locator('[data-testid=task-row][data-state=dead]').count(), 3);
  await page.fill('[data-testid=task-search]', '');

  // An open dead task, requeued while the worker runs: the panel follows it through its new run
  // to its second death, with no click.
  await page.click('[data-testid=chip-dead]');
  await page
    .locator('[data-testid=pager-range]')
    .filter({ hasText: /^1–3 of 3$/ })
    .waitFor({ timeout: LONG });
  await page.locator('[data-testid=task-row]').first().click();
  const detail = page.locator('[data-testid=task-detail]');
  await detail.locator('[data-testid=task-state][data-state=dead]').waitFor({ timeout: LONG });
  const startedBefore = await detail.locator('dt:text-is("Started") + dd').innerText();
  await page.click('[data-testid=task-requeue]');
  await confirm(page);
  await page.locator('[data-testid=toast-success]').filter({ hasText: 'Task requeued' }).waitFor({ timeout: LONG });
  await eventually(
    'the panel shows the new run',
    async () => (await detail.locator('dt:text-is("Started") + dd').innerText()) !== startedBefore,
    LONG,
    100,
  );
  await detail.locator('[data-testid=task-state][data-state=dead]').waitFor({ timeout: LONG });
  assert.equal(await detail.locator('[data-testid=task-cancel]').count(), 0, 'no Cancel button on a dead task');
  await detail.locator('[data-testid=task-requeue]').waitFor();
  await shots.take(page, 'task-followed-live');
  await page.click('[aria-label="Close task detail"]');

  // Retry every dead task of the queue (the filter), then watch them run and die again.
  await page.click('[data-testid=queue-row-default]');
  await page.locator('[data-testid=bulk-filter]').filter({ hasText: 'Requeue all 3 dead in default…' }).waitFor({ timeout: LONG });
  await shots.take(page, 'bulk-filter');
  await page.click('[data-testid=bulk-filter]');
  await confirm(page);
  await page.locator('[data-testid=toast-success]').filter({ hasText: 'Requeued 3 tasks' }).waitFor({ timeout: LONG });
  await eventually(
    'the requeued tasks ran again',
    async () => {
      const c = await counts('default');
      return c?.dead === 3 && c.pending === 0 && c.running === 0;
    },
    LONG,
  );

  // Cancel every waiting task of another queue (delayed ones), then requeue two of them by selection.
  await enqueue('sitq.echo', '{}', 30, { queue: 'later', delayMs: 3_600_000 });
  await page.click('[data-testid=chip-delayed]');
  await page.locator('[data-testid=filter-queue]').selectOption('later');
  const cancelAll = page.locator('[data-testid=bulk-filter]').filter({ hasText: 'Cancel all 30 delayed in later…' });
  await cancelAll.waitFor({ timeout: LONG });
  await cancelAll.click();
  await confirm(page);
  await page.locator('[data-testid=toast-success]').filter({ hasText: 'Cancelled 30 tasks' }).waitFor({ timeout: LONG });
  assert.equal((await counts('later'))?.cancelled, 30);
  await page.click('[data-testid=chip-cancelled]');
  // The cancelled page has arrived when its rows say so (the delayed page's rows show until then).
  await page.locator('[data-testid=task-row][data-state=cancelled]').first().waitFor({ timeout: LONG });
  assert.equal(await page.locator('[data-testid=task-row]:not([data-state=cancelled])').count(), 0);
  const picks = page.locator('[data-testid=task-pick]');
  await picks.nth(0).check();
  await picks.nth(1).check();
  await page.locator('[data-testid=bulk-count]').filter({ hasText: '2 selected' }).waitFor();
  assert.equal(await page.locator('[data-testid=bulk-cancel]').isDisabled(), true, 'cancel does not apply to cancelled tasks');
  await shots.take(page, 'bulk-selection');
  await page.click('[data-testid=bulk-requeue]');
  await confirm(page);
  await page.locator('[data-testid=toast-success]').filter({ hasText: 'Requeued 2 tasks' }).waitFor({ timeout: LONG });
  const later = await counts('later');
  assert.deepEqual([later?.cancelled, later?.pending], [28, 2]);

  // Clear stopped workers.
  await client.request('workers.stop', { id: worker.id, force: false });
  await page.click('[data-testid=nav-workers]');
  await page.locator('[data-testid=worker-card][data-state=stopped]').waitFor({ timeout: LONG });
  await page.locator('[data-testid=workers-clear]').filter({ hasText: 'Clear 1 stopped' }).click();
  await page.locator('[data-testid=worker-card]').waitFor({ state: 'detached', timeout: LONG });
  assert.deepEqual(await client.request('workers.list', {}), []);
  await shots.take(page, 'workers-cleared');
  assert.deepEqual(problems, []);
  await page.context().close();
});

it('an old tab of a restarted dashboard says to open the new URL, instead of reconnecting forever', { timeout: 120_000 }, async () => {
  const first = await tempDashboard();
  const port = Number(new URL(first.dashboard.url).port);
  const { page, problems } = await strictPage(browser);
  await page.goto(`${first.dashboard.url}#/profiles`);
  await page.locator('[data-testid=connection-state]').filter({ hasText: 'Connected' }).waitFor({ timeout: LONG });
  await first.close();
  // Nothing listens: that is a host that may come back, so the page keeps trying.
  await page.locator('[data-testid=connection-lost]').waitFor({ timeout: LONG });
  await page.waitForTimeout(2000);
  assert.equal(await page.locator('[data-testid=connection-refused]').count(), 0);
  // The dashboard starts again on the same port with a new token: the old link can never work.
  const second = await tempDashboard({ port });
  try {
    const refused = page.locator('[data-testid=connection-refused]');
    await refused.waitFor({ timeout: LONG });
    assert.match(await refused.innerText(), /restarted.*Open the new URL/s);
    assert.equal(await page.locator('[data-testid=connection-lost]').count(), 0);
    await shots.take(page, 'restarted-open-new-url');
    assert.deepEqual(problems, []);
  } finally {
    await page.context().close();
    await second.close();
  }
});
