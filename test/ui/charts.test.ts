// Throughput history charts in Chromium against a real core (SQLite, a local worker): after a known
// mix of tasks on two queues (default: 30 succeed, 4 fail once then succeed, 3 die; emails: 10
// sleep 80 ms), the Queues screen's history panel shows the totals of that ledger for every queue
// and for one queue, in the last hour and the last day (minute resolution) and over two weeks (hour
// resolution), each range drawn over its whole length, draws the failures of the queue that had
// them, zooms when dragged across (Reset zoom appears and brings the whole range back), and the
// Health screen shows throughput and the failure rate beside response time. Checked
// at 800, 1280 and 1920 px, light and dark (test/ui/layout-check.ts), screenshots in
// test-artifacts/ui/charts/.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { ProtocolClient } from '../../shared/protocol/client.js';
import { eventually } from '../dashboard/helpers.js';
import { drawnPixels, strictPage, type Shots } from './browser.js';
import { PROFILE, SIZES_AND_THEMES, sizedPage, uiFixture, type UiFixture } from './fixture.js';
import { layoutProblems } from './layout-check.js';

let f: UiFixture;
let browser: Browser;
let client: ProtocolClient;
let shots: Shots;
let url = '';
const LONG = 60_000;
const profile = PROFILE;

before(async () => {
  f = await uiFixture('charts');
  ({ browser, client, shots } = f);
  url = f.t.dashboard.url;
  const enqueue = (name: string, payloadJson: string, count: number, queue: string, maxAttempts: number) =>
    client.request('tasks.enqueue', { profile, name, payloadJson, count, queue, priority: 0, delayMs: 0, maxAttempts });
  await enqueue('sitq.echo', '{}', 30, 'default', 1);
  await enqueue('sitq.fail', '{"times":1}', 4, 'default', 2);
  await enqueue('sitq.fail', '{}', 3, 'default', 1);
  await enqueue('sitq.sleep', '{"ms":80}', 10, 'emails', 1);
  // Retries wait out their backoff (1 s from the first failure).
  const worker = await client.request('workers.start', { profile, queues: ['default', 'emails'], concurrency: 4 });
  await eventually(
    'the tasks ran',
    async () => {
      const qs = (await client.request('queues.snapshot', { profile })).queues;
      const c = (q: string) => qs.find((x) => x.queue === q)?.counts;
      return c('default')?.succeeded === 34 && c('default')?.dead === 3 && c('emails')?.succeeded === 10;
    },
    LONG,
    200,
  );
  // A stopping worker writes the counts it still holds.
  await client.request('workers.stop', { id: worker.id, force: false });
  await eventually(
    'the history stored',
    async () => (await client.request('stats.history', { profile })).queues.reduce((n, q) => n + q.total.succeeded, 0) === 44,
    LONG,
    250,
  );
});

after(async () => {
  await f?.close();
});

const stat = (page: Page, id: string) => page.locator(`[data-testid=history-panel] [data-testid=${id}] .stat-value`);

async function totalsAre(page: Page, want: Record<string, string>): Promise<void> {
  for (const [id, value] of Object.entries(want))
    await stat(page, id)
      .filter({ hasText: new RegExp(`^${value}$`) })
      .waitFor({ timeout: LONG });
}

it(
  'shows the stored history per queue and range, zooms, and adds throughput and failure rate to Health',
  { timeout: 300_000 },
  async () => {
    const { page, problems } = await strictPage(browser);
    await page.goto(`${url}#/queues`);
    const panel = page.locator('[data-testid=history-panel]');
    // Every queue: the ledger's totals.
    await totalsAre(page, { 'total-succeeded': '44', 'total-enqueued': '47', 'total-failed': '7', 'total-dead': '3' });
    assert.equal(await panel.locator('[data-testid=throughput]').getAttribute('data-resolution'), 'minute');
    // One queue, picked in the queue table (the panel follows the row).
    await page.click('[data-testid=queue-row-default] td.card-main');
    await panel.locator('h2').filter({ hasText: 'Throughput history of default' }).waitFor({ timeout: LONG });
    await totalsAre(page, { 'total-succeeded': '34', 'total-enqueued': '37', 'total-failed': '7', 'total-dead': '3' });
    await stat(page, 'total-p95').filter({ hasText: /ms$/ }).waitFor({ timeout: LONG });
    const failuresWith = await drawnPixels(page, '[data-testid=chart-failures]');
    await shots.take(page, 'queue-default');
    // A range is drawn as one point per period of its resolution from its start to now (one more
    // when the start falls inside a period).
    const pointsAre = (resolution: string, periods: number) =>
      panel
        .locator(
          [periods, periods + 1].map((n) => `[data-testid=throughput][data-resolution=${resolution}][data-points="${n}"]`).join(', '),
        )
        .waitFor({ timeout: LONG });
    await pointsAre('minute', 60);
    // Two weeks: hour resolution, the same totals.
    await page.click('[data-testid=range-twoWeeks]');
    await pointsAre('hour', 14 * 24);
    await totalsAre(page, { 'total-succeeded': '34', 'total-failed': '7', 'total-dead': '3' });
    // Last day: minute resolution over 24 h, the same totals.
    await page.click('[data-testid=range-day]');
    await pointsAre('minute', 24 * 60);
    assert.equal(await page.locator('[data-testid=range-day]').getAttribute('aria-pressed'), 'true');
    await panel
      .locator('[data-testid=total-succeeded] .stat-label')
      .filter({ hasText: /^succeeded, last day$/ })
      .waitFor({ timeout: LONG });
    await totalsAre(page, { 'total-succeeded': '34', 'total-failed': '7', 'total-dead': '3' });
    await page.click('[data-testid=range-hour]');
    await pointsAre('minute', 60);
    // The queue without failures draws less in the failures chart than the one with them.
    await panel.locator('[data-testid=throughput-queue]').selectOption('emails');
    await totalsAre(page, { 'total-succeeded': '10', 'total-failed': '0', 'total-dead': '0' });
    const p95 = Number(/([\d.]+) ms/.exec(await stat(page, 'total-p95').innerText())?.[1]);
    assert.ok(p95 >= 80 && p95 < 1000, `the sleeping queue's p95 (${p95} ms) is at least its 80 ms sleep`);
    const failuresWithout = await drawnPixels(page, '[data-testid=chart-failures]');
    assert.ok(
      failuresWith > failuresWithout + 100,
      `failures drawn for default (${failuresWith} px) beyond the empty chart of emails (${failuresWithout} px)`,
    );
    assert.equal(
      await page
        .locator('[data-testid=queue-row-emails]')
        .getAttribute('class')
        .then((c) => c?.includes('selected')),
      true,
      'the queue table follows the pick',
    );
    // Zoom: a drag across the throughput chart narrows it; Reset zoom brings the whole range back.
    const over = page.locator('[data-testid=chart-throughput] .u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    await page.locator('[data-testid=zoom-reset]').waitFor({ timeout: LONG });
    await shots.take(page, 'zoomed');
    await page.click('[data-testid=zoom-reset]');
    await page.locator('[data-testid=zoom-reset]').waitFor({ state: 'detached', timeout: LONG });

    // Health: throughput and failure rate beside response time, every queue of the last hour.
    await page.click('[data-testid=nav-health]');
    await page
      .locator('[data-testid=health-throughput-total]')
      .filter({ hasText: /^44 succeeded$/ })
      .waitFor({ timeout: LONG });
    await page
      .locator('[data-testid=health-failure-total]')
      .filter({ hasText: /^13\.7 % of 51 attempts$/ })
      .waitFor({ timeout: LONG });
    assert.ok((await drawnPixels(page, '[data-testid=health-failure-rate]')) > 100);
    await shots.take(page, 'health');
    assert.deepEqual(problems, []);
    await page.context().close();
  },
);

for (const { width, dark } of SIZES_AND_THEMES) {
  it(`the history panel and Health fit at ${width} px, ${dark ? 'dark' : 'light'}`, { timeout: 120_000 }, async () => {
    const { page, errors, tag, close } = await sizedPage(browser, width, dark);
    await page.goto(`${url}#/queues`);
    await page.click('[data-testid=queue-row-default] td.card-main');
    await totalsAre(page, { 'total-succeeded': '34' });
    await shots.take(page, `queues-${tag}`);
    assert.deepEqual(await layoutProblems(page), [], `queues at ${tag}`);
    await page.click('[data-testid=nav-health]');
    await page
      .locator('[data-testid=health-throughput-total]')
      .filter({ hasText: /^44 succeeded$/ })
      .waitFor({ timeout: LONG });
    await shots.take(page, `health-${tag}`);
    assert.deepEqual(await layoutProblems(page), [], `health at ${tag}`);
    assert.deepEqual(errors, []);
    await close();
  });
}
