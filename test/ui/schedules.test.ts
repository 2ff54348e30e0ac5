// The Schedules screen clicked through in Chromium against a real core (SQLite, a local worker
// running the scheduler): the cron field previews the next five runs as it is typed (a bad field
// says which and blocks saving; a time zone moves the runs), a schedule is created, its last run
// links to the task that tick enqueued (opened in the drawer), it is paused (the row says so, the
// store agrees, no tick is enqueued while paused), resumed, edited and removed (confirmed). Then the
// screen with its form open is checked at 800, 1280 and 1920 px, light and dark, from bounding
// boxes (test/ui/layout-check.ts), with screenshots in test-artifacts/ui/schedules/.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { ProtocolClient } from '../../shared/protocol/client.js';
import { eventually } from '../dashboard/helpers.js';
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

before(async () => {
  f = await uiFixture('schedules');
  ({ browser, client, shots } = f);
  url = f.t.dashboard.url;
});

after(async () => {
  await f?.close();
});

async function typeInto(page: Page, selector: string, text: string): Promise<void> {
  await page.fill(selector, '');
  // Key by key, as a user types: the preview follows each change.
  await page.locator(selector).pressSequentially(text, { delay: 15 });
}

const previewRuns = (page: Page) => page.locator('[data-testid=schedule-form] [data-testid=schedule-preview-run]');

it('previews, creates, links the last run, pauses, resumes, edits and removes a schedule', { timeout: 300_000 }, async () => {
  const { page, problems } = await strictPage(browser);
  await page.goto(`${url}#/schedules`);
  await page.locator('[data-testid=schedules] .empty-title').filter({ hasText: 'No schedules yet' }).waitFor({ timeout: LONG });

  // The cron field: five runs as it is typed, each on a quarter hour (UTC by default).
  await page.click('[data-testid=schedule-add]');
  await page.fill('[data-testid=schedule-name]', 'quarterly-report');
  await typeInto(page, '[data-testid=schedule-cron]', '*/15 * * * *');
  await previewRuns(page).nth(4).waitFor({ timeout: LONG });
  assert.equal(await previewRuns(page).count(), 5);
  for (const text of await previewRuns(page).allInnerTexts()) assert.match(text, /\d\d:(00|15|30|45):00/, `a quarter-hour run: ${text}`);
  // A wrong minute names the field, clears the runs and blocks saving.
  await typeInto(page, '[data-testid=schedule-cron]', '61 * * * *');
  await page
    .locator('[data-testid=schedule-form] .field-error')
    .filter({ hasText: /cron pattern/ })
    .waitFor({ timeout: LONG });
  assert.equal(await previewRuns(page).count(), 0);
  assert.equal(await page.locator('[data-testid=schedule-save]').isDisabled(), true);
  // 03:00 in Berlin, shown in Berlin's time.
  await typeInto(page, '[data-testid=schedule-cron]', '0 3 * * *');
  await typeInto(page, '[data-testid=schedule-tz]', 'Europe/Berlin');
  await page
    .locator('[data-testid=schedule-form] [data-testid=schedule-preview-run]')
    .filter({ hasText: '03:00:00 Europe/Berlin' })
    .nth(4)
    .waitFor({ timeout: LONG });
  // A zone that does not exist is named as the problem.
  await typeInto(page, '[data-testid=schedule-tz]', 'Europe/Nowhere');
  await page
    .locator('[data-testid=schedule-form] .field-error')
    .filter({ hasText: /IANA time zone/ })
    .waitFor({ timeout: LONG });
  await typeInto(page, '[data-testid=schedule-tz]', 'Europe/Berlin');
  await previewRuns(page).nth(4).waitFor({ timeout: LONG });
  await shots.take(page, 'form-cron');
  await page.click('[data-testid=schedule-save]');
  await page.locator('[data-testid=schedule-form]').waitFor({ state: 'detached', timeout: LONG });
  const nightly = page.locator('[data-testid=schedule-row-quarterly-report]');
  await nightly.locator('[data-testid=schedule-next]').filter({ hasText: '03:00:00 Europe/Berlin' }).waitFor({ timeout: LONG });
  const stored = await client.request('schedules.get', { profile, name: 'quarterly-report' });
  assert.deepEqual(stored?.spec, { cron: '0 3 * * *', tz: 'Europe/Berlin' });

  // An `every` schedule run by a worker: its last run appears and links to the task it enqueued.
  await page.click('[data-testid=schedule-add]');
  await page.fill('[data-testid=schedule-name]', 'heartbeat');
  await page.check('[data-testid=schedule-kind-every]');
  await page.fill('[data-testid=schedule-every]', '1');
  await page.locator('[data-testid=schedule-every-unit]').selectOption({ label: 'seconds' });
  // The preview says which spec it answers: wait for the one of 1 second.
  await page.locator(`[data-testid=schedule-preview][data-for='{"every":1000}']`).waitFor({ timeout: LONG });
  assert.equal(await previewRuns(page).count(), 5);
  const times = (await previewRuns(page).allInnerTexts())
    .map((s) => /(\d\d):(\d\d):(\d\d)/.exec(s)!.slice(1).map(Number))
    .map(([h, m, s]) => h * 3600 + m * 60 + s);
  assert.deepEqual(
    times.slice(1).map((x, i) => (x - times[i] + 86_400) % 86_400),
    [1, 1, 1, 1],
    'one second apart',
  );
  await page.fill('[data-testid=schedule-payload]', '{"beat":true}');
  await page.click('[data-testid=schedule-save]');
  await page.locator('[data-testid=schedule-form]').waitFor({ state: 'detached', timeout: LONG });
  const heartbeat = page.locator('[data-testid=schedule-row-heartbeat]');
  await heartbeat.waitFor({ timeout: LONG });
  const worker = await client.request('workers.start', { profile, queues: ['default'], concurrency: 2 });
  await heartbeat.locator('[data-testid=schedule-last-task]').waitFor({ timeout: LONG });
  await heartbeat.locator('[data-testid=schedule-last-task]').click();
  const detail = page.locator('[data-testid=task-detail]');
  await detail.locator('[data-testid=task-payload]').filter({ hasText: '"beat": true' }).waitFor({ timeout: LONG });
  const lastRun = (await client.request('schedules.get', { profile, name: 'heartbeat' }))?.lastRun;
  assert.ok(lastRun, 'the store has a last run');
  const openedId = await detail.locator('[data-testid=task-id]').innerText();
  assert.match(openedId, /^\S+$/);
  const task = await client.request('tasks.get', { profile, id: openedId.trim() });
  assert.equal(task?.name, 'sitq.echo');
  assert.match(task?.idempotencyKey ?? '', /^schedule:heartbeat:\d+$/, 'the opened task is one the schedule enqueued');
  await shots.take(page, 'last-run-task-open');
  await page.click('[data-testid=task-detail] [aria-label="Close task detail"]');

  // Pause: the row says so, the store agrees, and no tick is enqueued while it is paused.
  await heartbeat.locator('[data-testid=schedule-pause]').click();
  await heartbeat.locator('[data-testid=schedule-paused]').waitFor({ timeout: LONG });
  assert.equal((await client.request('schedules.get', { profile, name: 'heartbeat' }))?.paused, true);
  // A tick decided just before the pause may still land: take the count once it has settled.
  await new Promise((r) => setTimeout(r, 2500));
  const tasksWhilePaused = (await client.request('tasks.list', { profile, queue: 'default', offset: 0, limit: 1 })).total;
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(
    (await client.request('tasks.list', { profile, queue: 'default', offset: 0, limit: 1 })).total,
    tasksWhilePaused,
    'no task enqueued while paused',
  );
  await shots.take(page, 'paused');
  await heartbeat.locator('[data-testid=schedule-resume]').click();
  await heartbeat.locator('[data-testid=schedule-pause]').waitFor({ timeout: LONG });
  assert.equal(await heartbeat.locator('[data-testid=schedule-paused]').count(), 0);
  assert.equal((await client.request('schedules.get', { profile, name: 'heartbeat' }))?.paused, false);
  await eventually(
    'a tick after resuming',
    async () => (await client.request('tasks.list', { profile, queue: 'default', offset: 0, limit: 1 })).total > tasksWhilePaused,
    LONG,
    250,
  );

  // Edit: the form opens with the schedule's values; the change is saved under the same name.
  await nightly.locator('[data-testid=schedule-edit]').click();
  assert.equal(await page.inputValue('[data-testid=schedule-cron]'), '0 3 * * *');
  assert.equal(await page.inputValue('[data-testid=schedule-tz]'), 'Europe/Berlin');
  assert.equal(await page.locator('[data-testid=schedule-name]').isDisabled(), true);
  await typeInto(page, '[data-testid=schedule-cron]', '30 4 * * 1');
  await page
    .locator('[data-testid=schedule-form] [data-testid=schedule-preview-run]')
    .filter({ hasText: /^Mon .*04:30:00 Europe\/Berlin/ })
    .nth(4)
    .waitFor({ timeout: LONG });
  await page.click('[data-testid=schedule-save]');
  await nightly
    .locator('[data-testid=schedule-next]')
    .filter({ hasText: /^Mon .*04:30:00 Europe\/Berlin/ })
    .waitFor({ timeout: LONG });
  assert.deepEqual((await client.request('schedules.get', { profile, name: 'quarterly-report' }))?.spec, {
    cron: '30 4 * * 1',
    tz: 'Europe/Berlin',
  });

  // Remove asks first; cancelling keeps it, confirming removes it.
  await heartbeat.locator('[data-testid=schedule-remove]').click();
  await page.locator('[data-testid=confirm]').waitFor();
  await page.locator('[data-testid=confirm] button', { hasText: /^Cancel$/ }).click();
  assert.ok(await client.request('schedules.get', { profile, name: 'heartbeat' }), 'kept after Cancel');
  await heartbeat.locator('[data-testid=schedule-remove]').click();
  await page.click('[data-testid=confirm-ok]');
  await heartbeat.waitFor({ state: 'detached', timeout: LONG });
  assert.equal(await client.request('schedules.get', { profile, name: 'heartbeat' }), null);
  await client.request('workers.stop', { id: worker.id, force: false });
  assert.deepEqual(problems, []);
  await page.context().close();
});

for (const { width, dark } of SIZES_AND_THEMES) {
  it(`the Schedules screen and its form fit at ${width} px, ${dark ? 'dark' : 'light'}`, { timeout: 120_000 }, async () => {
    if (!(await client.request('schedules.get', { profile, name: 'every-six-hours-with-a-long-name' }))) {
      await client.request('schedules.save', {
        profile,
        name: 'every-six-hours-with-a-long-name',
        spec: { every: 6 * 3_600_000 },
        task: 'sitq.sleep',
        payloadJson: '{"ms":10}',
        queue: 'notifications-and-reminders',
      });
      await client.request('schedules.save', {
        profile,
        name: 'paused-one',
        spec: { cron: '*/5 * * * *' },
        task: 'sitq.echo',
        payloadJson: '{}',
        paused: true,
      });
    }
    const { page, errors, tag, close } = await sizedPage(browser, width, dark);
    await page.goto(`${url}#/schedules`);
    await page.locator('[data-testid=schedule-row-quarterly-report]').waitFor({ timeout: LONG });
    await page.locator('[data-testid=schedule-row-paused-one] [data-testid=schedule-paused]').waitFor({ timeout: LONG });
    await shots.take(page, `list-${tag}`);
    assert.deepEqual(await layoutProblems(page), [], `list at ${tag}`);
    await page.click('[data-testid=schedule-add]');
    await page.fill('[data-testid=schedule-name]', 'x');
    await previewRuns(page).nth(4).waitFor({ timeout: LONG });
    await shots.take(page, `form-${tag}`);
    assert.deepEqual(await layoutProblems(page), [], `form at ${tag}`);
    assert.deepEqual(errors, []);
    await close();
  });
}
