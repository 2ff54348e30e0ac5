// Pause/Resume and limits on a queue row, in Chromium against a real core (SQLite, a local
// worker): a paused queue shows its tag and no worker starts its tasks while it stays paused
// (enqueued before the worker started); Resume lets them run. The Limits dialog refuses a rate it
// cannot read (Save disabled), saves `2/1s` and 2 running at once (the row's tags and the stored
// settings agree, and of 6 tasks enqueued right after Save, by their recorded start and end times, 2
// run at once and never more), and removes them. The queue table
// with a paused, limited queue and the dialog are checked at 800, 1280 and 1920 px, light and dark
// (test/ui/layout-check.ts), screenshots in test-artifacts/ui/queue-flow/.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { ProtocolClient } from '../../shared/protocol/client.js';
import { eventually, mostAtOnce } from '../dashboard/helpers.js';
import { strictPage, type Shots } from './browser.js';
import { PROFILE, SIZES_AND_THEMES, sizedPage, uiFixture, type UiFixture } from './fixture.js';
import { layoutProblems } from './layout-check.js';

let f: UiFixture;
let browser: Browser;
let client: ProtocolClient;
let shots: Shots;
let url = '';
let workerId = '';
const LONG = 60_000;
const profile = PROFILE;

before(async () => {
  f = await uiFixture('queue-flow');
  ({ browser, client, shots } = f);
  url = f.t.dashboard.url;
});

after(async () => {
  if (workerId) await client?.request('workers.stop', { id: workerId, force: true }).catch(() => {});
  await f?.close();
});

const enqueueSleep = (count: number, ms: number) =>
  client.request('tasks.enqueue', {
    profile,
    name: 'sitq.sleep',
    payloadJson: JSON.stringify({ ms }),
    count,
    queue: 'default',
    priority: 0,
    delayMs: 0,
    maxAttempts: 1,
  });
const counts = async () => (await client.request('queues.snapshot', { profile })).queues.find((q) => q.queue === 'default')?.counts;

it('pauses and resumes a queue, and sets and removes its limits, from its row', { timeout: 300_000 }, async () => {
  await enqueueSleep(20, 50);
  const { page, problems } = await strictPage(browser);
  await page.goto(`${url}#/queues`);
  const row = page.locator('[data-testid=queue-row-default]');
  await row.waitFor({ timeout: LONG });
  assert.equal(await row.getAttribute('data-paused'), 'false');

  // Pause, then start a worker: nothing of the queue starts while it is paused.
  await page.click('[data-testid=queue-pause-default]');
  await page.locator('[data-testid=queue-paused-default]').waitFor({ timeout: LONG });
  await page.locator('[data-testid=queue-resume-default]').waitFor({ timeout: LONG });
  assert.equal((await client.request('queues.settings', { profile, queue: 'default' })).paused, true);
  workerId = (await client.request('workers.start', { profile, queues: ['default'], concurrency: 4 })).id;
  await eventually(
    'the worker running',
    async () => (await client.request('workers.list', {})).find((w) => w.id === workerId)?.state === 'running',
    LONG,
    100,
  );
  await new Promise((r) => setTimeout(r, 3000));
  const paused = await counts();
  assert.equal(paused?.pending, 20, 'every task still pending after 3 s of a paused queue');
  assert.equal(paused?.succeeded, 0);
  await shots.take(page, 'paused');
  // Resume: they run.
  await page.click('[data-testid=queue-resume-default]');
  await page.locator('[data-testid=queue-pause-default]').waitFor({ timeout: LONG });
  assert.equal(await page.locator('[data-testid=queue-paused-default]').count(), 0);
  await page.locator('[data-testid=count-default-succeeded]').filter({ hasText: /^20$/ }).waitFor({ timeout: LONG });

  // Limits: a rate it cannot read is refused before it is sent.
  await page.click('[data-testid=queue-limits-default]');
  const dialog = page.locator('[data-testid=limits-dialog]');
  await dialog.waitFor({ timeout: LONG });
  await page.fill('[data-testid=limits-rate]', 'lots');
  await dialog
    .locator('.field-error')
    .filter({ hasText: /N\/PERIOD/ })
    .waitFor({ timeout: LONG });
  assert.equal(await page.locator('[data-testid=limits-save]').isDisabled(), true);
  await page.fill('[data-testid=limits-rate]', '2/1s');
  await page.fill('[data-testid=limits-max-running]', '2');
  await shots.take(page, 'limits-dialog');
  await page.click('[data-testid=limits-save]');
  await dialog.waitFor({ state: 'detached', timeout: LONG });
  await page.locator('[data-testid=queue-rate-default]').filter({ hasText: '≤ 2/1s' }).waitFor({ timeout: LONG });
  await page.locator('[data-testid=queue-max-running-default]').filter({ hasText: '≤ 2 running' }).waitFor({ timeout: LONG });
  const settings = await client.request('queues.settings', { profile, queue: 'default' });
  assert.deepEqual({ rate: settings.rate, maxRunning: settings.maxRunning }, { rate: { max: 2, perMs: 1000 }, maxRunning: 2 });
  // 6 tasks of 1.5 s at 2 a second, enqueued as soon as Save has settled (the dashboard's worker
  // has read the limits by then): by their recorded start and end times, 2 run at once, never more.
  const since = Date.now();
  await enqueueSleep(6, 1500);
  await eventually('the limited tasks drained', async () => (await counts())?.succeeded === 26, LONG, 100);
  const runs = (await client.request('tasks.list', { profile, queue: 'default', state: 'succeeded', offset: 0, limit: 100 })).rows.filter(
    (r) => r.enqueuedAt >= since,
  );
  assert.equal(runs.length, 6);
  assert.equal(mostAtOnce(runs), 2, 'the most limited tasks running at once');
  await shots.take(page, 'limited');

  // Remove limits: the tags go, the settings have none.
  await page.click('[data-testid=queue-limits-default]');
  assert.equal(await page.inputValue('[data-testid=limits-rate]'), '2/1s');
  await page.click('[data-testid=limits-clear]');
  await dialog.waitFor({ state: 'detached', timeout: LONG });
  await page.locator('[data-testid=queue-rate-default]').waitFor({ state: 'detached', timeout: LONG });
  assert.equal(await page.locator('[data-testid=queue-max-running-default]').count(), 0);
  const cleared = await client.request('queues.settings', { profile, queue: 'default' });
  assert.equal(cleared.rate, undefined);
  assert.equal(cleared.maxRunning, undefined);
  assert.deepEqual(problems, []);
  await page.context().close();
});

for (const { width, dark } of SIZES_AND_THEMES) {
  it(`a paused, limited queue row and the Limits dialog fit at ${width} px, ${dark ? 'dark' : 'light'}`, { timeout: 120_000 }, async () => {
    await client.request('queues.pause', { profile, queue: 'default' });
    await client.request('queues.setLimits', { profile, queue: 'default', rate: { max: 100, perMs: 60_000 }, maxRunning: 5 });
    const { page, errors, tag, close } = await sizedPage(browser, width, dark);
    await page.goto(`${url}#/queues`);
    await page.locator('[data-testid=queue-paused-default]').waitFor({ timeout: LONG });
    await page.locator('[data-testid=queue-rate-default]').filter({ hasText: '≤ 100/1m' }).waitFor({ timeout: LONG });
    await shots.take(page, `row-${tag}`);
    assert.deepEqual(await layoutProblems(page), [], `queue row at ${tag}`);
    await page.click('[data-testid=queue-limits-default]');
    await page.locator('[data-testid=limits-dialog]').waitFor({ timeout: LONG });
    await shots.take(page, `dialog-${tag}`);
    assert.deepEqual(await layoutProblems(page), [], `dialog at ${tag}`);
    assert.deepEqual(errors, []);
    await close();
  });
}
