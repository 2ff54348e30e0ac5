// Retention on a queue row, in Chromium against a real core (SQLite): Retention… shows the current
// rules; an age without a unit and a negative count are refused under their fields, naming them,
// with Save disabled; what is typed (7d and 1000 for succeeded, 12h for dead, 50 for cancelled) is
// what the service stores, and the row's tags show it; reopened, the dialog shows the stored rules;
// an emptied field removes that rule; Remove retention removes them all. The row with its tags and
// the dialog (with a refused value) are checked at 800, 1280 and 1920 px, light and dark
// (test/ui/layout-check.ts), screenshots in test-artifacts/ui/queue-retention/.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { ProtocolClient } from '../../shared/protocol/client.js';
import { strictPage, type Shots } from './browser.js';
import { PROFILE, SIZES_AND_THEMES, sizedPage, uiFixture, type UiFixture } from './fixture.js';
import { layoutProblems } from './layout-check.js';

let f: UiFixture;
let browser: Browser;
let client: ProtocolClient;
let shots: Shots;
let url = '';
const LONG = 60_000;
const profile = PROFILE;
const DAY = 86_400_000;

before(async () => {
  f = await uiFixture('queue-retention');
  ({ browser, client, shots } = f);
  url = f.t.dashboard.url;
  // One pending task makes the queue; no worker runs, so nothing is deleted under the test.
  await client.request('tasks.enqueue', {
    profile,
    name: 'sitq.echo',
    payloadJson: '{}',
    count: 1,
    queue: 'default',
    priority: 0,
    delayMs: 0,
    maxAttempts: 1,
  });
});

after(async () => {
  await f?.close();
});

const stored = async () => (await client.request('queues.settings', { profile, queue: 'default' })).keep;

async function openDialog(page: Page) {
  await page.click('[data-testid=queue-retention-default]');
  const dialog = page.locator('[data-testid=retention-dialog]');
  await dialog.waitFor({ timeout: LONG });
  return dialog;
}

it('shows, sets and clears a queue’s retention from its row', { timeout: 180_000 }, async () => {
  const { page, problems } = await strictPage(browser);
  await page.goto(`${url}#/queues`);
  await page.locator('[data-testid=queue-row-default]').waitFor({ timeout: LONG });
  assert.equal(await page.locator('[data-testid^=queue-keep-default-]').count(), 0);

  const dialog = await openDialog(page);
  assert.equal((await dialog.locator('[data-testid=retention-current]').textContent())?.trim(), 'Now: keeps every finished task');
  assert.equal(await page.locator('[data-testid=retention-clear]').count(), 0, 'nothing to remove yet');

  // Bad input is refused before it is sent, under its field and naming it.
  await page.fill('[data-testid=keep-succeeded-age]', '7');
  await dialog
    .locator('[data-testid=retention-succeeded] .field-error')
    .filter({ hasText: /^succeeded delete after: expected an age with a unit/ })
    .waitFor({ timeout: LONG });
  assert.equal(await page.locator('[data-testid=retention-save]').isDisabled(), true);
  await page.fill('[data-testid=keep-succeeded-age]', '7d');
  assert.equal(await page.locator('[data-testid=retention-save]').isDisabled(), false);
  await page.fill('[data-testid=keep-dead-count]', '-5');
  await dialog
    .locator('[data-testid=retention-dead] .field-error')
    .filter({ hasText: /^dead keep at most: expected a number of tasks/ })
    .waitFor({ timeout: LONG });
  assert.equal(await page.locator('[data-testid=retention-save]').isDisabled(), true);
  await shots.take(page, 'refused');

  // Save what is typed: the service stores exactly that.
  await page.fill('[data-testid=keep-dead-count]', '');
  await page.fill('[data-testid=keep-succeeded-count]', '1000');
  await page.fill('[data-testid=keep-dead-age]', '12h');
  await page.fill('[data-testid=keep-cancelled-count]', '50');
  assert.equal(await dialog.locator('.field-error').count(), 0);
  await page.click('[data-testid=retention-save]');
  await dialog.waitFor({ state: 'detached', timeout: LONG });
  assert.deepEqual(await stored(), {
    succeeded: { maxAgeMs: 7 * DAY, maxCount: 1000 },
    dead: { maxAgeMs: DAY / 2 },
    cancelled: { maxCount: 50 },
  });
  await page
    .locator('[data-testid=queue-keep-default-succeeded]')
    .filter({ hasText: 'keep succeeded 7d · ≤ 1,000' })
    .waitFor({ timeout: LONG });
  await page.locator('[data-testid=queue-keep-default-dead]').filter({ hasText: 'keep dead 12h' }).waitFor({ timeout: LONG });
  await page.locator('[data-testid=queue-keep-default-cancelled]').filter({ hasText: 'keep cancelled ≤ 50' }).waitFor({ timeout: LONG });
  await shots.take(page, 'saved');

  // Reopened, it shows the stored rules; emptying a field removes that rule only.
  await openDialog(page);
  assert.equal(
    (await dialog.locator('[data-testid=retention-current]').textContent())?.trim(),
    'Now: succeeded 7d, newest 1,000; dead 12h; cancelled newest 50',
  );
  const values = await Promise.all(
    ['succeeded-age', 'succeeded-count', 'dead-age', 'dead-count', 'cancelled-age', 'cancelled-count'].map((id) =>
      page.inputValue(`[data-testid=keep-${id}]`),
    ),
  );
  assert.deepEqual(values, ['7d', '1000', '12h', '', '', '50']);
  await page.fill('[data-testid=keep-dead-age]', '');
  await page.click('[data-testid=retention-save]');
  await dialog.waitFor({ state: 'detached', timeout: LONG });
  assert.deepEqual(await stored(), { succeeded: { maxAgeMs: 7 * DAY, maxCount: 1000 }, cancelled: { maxCount: 50 } });
  await page.locator('[data-testid=queue-keep-default-dead]').waitFor({ state: 'detached', timeout: LONG });

  // Remove retention: no rules stored, no tags.
  await openDialog(page);
  await page.click('[data-testid=retention-clear]');
  await dialog.waitFor({ state: 'detached', timeout: LONG });
  assert.equal(await stored(), undefined);
  await page.locator('[data-testid^=queue-keep-default-]').first().waitFor({ state: 'detached', timeout: LONG });
  assert.deepEqual(problems, []);
  await page.context().close();
});

for (const { width, dark } of SIZES_AND_THEMES) {
  it(
    `a queue row with retention and the Retention dialog fit at ${width} px, ${dark ? 'dark' : 'light'}`,
    { timeout: 120_000 },
    async () => {
      // Every tag a row can carry at once: paused, both limits, a rule for each finished state.
      await client.request('queues.pause', { profile, queue: 'default' });
      await client.request('queues.setLimits', { profile, queue: 'default', rate: { max: 100, perMs: 60_000 }, maxRunning: 5 });
      await client.request('queues.setRetention', {
        profile,
        queue: 'default',
        keep: { succeeded: { maxAgeMs: 7 * DAY, maxCount: 100_000 }, dead: { maxAgeMs: 30 * DAY }, cancelled: { maxCount: 1000 } },
      });
      const { page, errors, tag, close } = await sizedPage(browser, width, dark);
      await page.goto(`${url}#/queues`);
      await page.locator('[data-testid=queue-keep-default-cancelled]').waitFor({ timeout: LONG });
      await page.locator('[data-testid=queue-paused-default]').waitFor({ timeout: LONG });
      await shots.take(page, `row-${tag}`);
      assert.deepEqual(await layoutProblems(page), [], `queue row at ${tag}`);
      const dialog = await openDialog(page);
      await page.fill('[data-testid=keep-dead-count]', 'lots');
      await dialog.locator('[data-testid=retention-dead] .field-error').waitFor({ timeout: LONG });
      await shots.take(page, `dialog-${tag}`);
      assert.deepEqual(await layoutProblems(page), [], `dialog at ${tag}`);
      assert.deepEqual(errors, []);
      await close();
    },
  );
}
