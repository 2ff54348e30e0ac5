// The task drawer following a running task live, in Chromium against a real core (SQLite, a local
// worker): the progress bar and the log tail move while the handler reports (sitq.progress: a
// step every 300 ms), with no click, up to 100 % and every line; a running task is cancelled from
// the drawer and from its row in the list (confirmed), and its worker stops it. The drawer with a
// running task is checked at 800, 1280 and 1920 px, light and dark, from bounding boxes
// (test/ui/layout-check.ts), screenshots in test-artifacts/ui/task-live/.
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
let workerId = '';
const LONG = 60_000;
const profile = PROFILE;

before(async () => {
  f = await uiFixture('task-live');
  ({ browser, client, shots } = f);
  url = f.t.dashboard.url;
  workerId = (await client.request('workers.start', { profile, queues: ['default'], concurrency: 4 })).id;
});

after(async () => {
  if (workerId) await client?.request('workers.stop', { id: workerId, force: true }).catch(() => {});
  await f?.close();
});

async function enqueueProgress(steps: number, ms: number): Promise<string> {
  const r = await client.request('tasks.enqueue', {
    profile,
    name: 'sitq.progress',
    payloadJson: JSON.stringify({ steps, ms }),
    count: 1,
    queue: 'default',
    priority: 0,
    delayMs: 0,
    maxAttempts: 1,
  });
  return r.firstId!;
}

const running = (id: string) =>
  eventually(`task ${id} running`, async () => (await client.request('tasks.get', { profile, id }))?.state === 'running', LONG, 100);

async function openTask(page: Page, id: string): Promise<void> {
  await page.fill('[data-testid=task-search]', id);
  await page.locator('[data-testid=task-row]').filter({ hasText: id }).click();
  await page.locator('[data-testid=task-detail] [data-testid=task-id]').filter({ hasText: id }).waitFor({ timeout: LONG });
}

const progressValue = async (page: Page): Promise<number> =>
  Number(await page.locator('[data-testid=task-detail] [data-testid=task-progress]').getAttribute('data-value'));

it(
  'shows a running task’s progress and log live, and cancels running tasks from the drawer and the list',
  { timeout: 300_000 },
  async () => {
    const { page, problems } = await strictPage(browser);
    await page.goto(`${url}#/queues`);
    const id = await enqueueProgress(30, 300);
    await running(id);
    await openTask(page, id);
    const detail = page.locator('[data-testid=task-detail]');
    await detail.locator('[data-testid=task-state][data-state=running]').waitFor({ timeout: LONG });
    // Waits until a number read from the page passes `min` (a function, not a string: the page's CSP
    // refuses eval): the progress bar's value, or the log's line count.
    const above = (what: 'progress' | 'lines', min: number) =>
      page.waitForFunction(
        ([kind, floor]) => {
          const doc = (
            globalThis as unknown as {
              document: { querySelector(s: string): { getAttribute(n: string): string | null; textContent: string | null } | null };
            }
          ).document;
          const value =
            kind === 'progress'
              ? Number(doc.querySelector('[data-testid=task-detail] [data-testid=task-progress]')?.getAttribute('data-value'))
              : parseInt(doc.querySelector('[data-testid=task-detail] [data-testid=task-log-count]')?.textContent ?? '', 10);
          return value > floor;
        },
        [what, min] as const,
        { timeout: LONG },
      );
    const lineCount = async () => parseInt(await detail.locator('[data-testid=task-log-count]').innerText(), 10);
    await above('progress', 0);
    // With no click, the bar moves on and the log grows.
    const first = await progressValue(page);
    const firstLines = await lineCount();
    await above('progress', first);
    await above('lines', firstLines);
    assert.match(await detail.locator('[data-testid=task-log]').innerText(), /^step 1 of 30 done$/m);
    // The bar's width is the value it says.
    const bar = await detail.locator('.progress-bar').boundingBox();
    const fill = await detail.locator('.progress-fill').boundingBox();
    const shown = await progressValue(page);
    assert.ok(bar && fill && Math.abs(fill.width / bar.width - shown / 100) < 0.08, `fill ${fill?.width} of ${bar?.width} for ${shown} %`);
    await shots.take(page, 'progress-running');
    // Followed by its events, not only when the counts are pushed again (every 5 s while nothing
    // moves them): the bar shows many of the 30 steps on the way, not a few.
    const seen = new Set<number>();
    const deadline = Date.now() + LONG;
    while (Date.now() < deadline && (await detail.locator('[data-testid=task-state]').getAttribute('data-state')) === 'running') {
      seen.add(await progressValue(page));
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(seen.size >= 6, `the bar moved step by step (${seen.size} distinct values seen: ${[...seen].join(', ')})`);
    // To the end: succeeded, 100 %, every step logged, the log scrolled to its newest line.
    await detail.locator('[data-testid=task-state][data-state=succeeded]').waitFor({ timeout: LONG });
    await detail.locator('[data-testid=task-progress][data-value="100"]').waitFor({ timeout: LONG });
    await detail
      .locator('[data-testid=task-log-count]')
      .filter({ hasText: /^30 lines$/ })
      .waitFor({ timeout: LONG });
    assert.match(await detail.locator('[data-testid=task-log]').innerText(), /step 30 of 30 done$/);
    assert.ok(
      await detail.locator('[data-testid=task-log]').evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 8),
      'the tail shows the newest line',
    );
    await shots.take(page, 'progress-done');

    // Cancel a running task from the drawer: confirmed, and its worker stops it.
    const long = await enqueueProgress(1000, 200);
    await running(long);
    await openTask(page, long);
    await detail.locator('[data-testid=task-state][data-state=running]').waitFor({ timeout: LONG });
    await detail.locator('[data-testid=task-cancel]').click();
    await page.locator('[data-testid=confirm]').filter({ hasText: 'Cancel this running task?' }).waitFor({ timeout: LONG });
    await page.click('[data-testid=confirm-ok]');
    await detail.locator('[data-testid=task-state][data-state=cancelled]').waitFor({ timeout: LONG });
    const stopped = await client.request('tasks.get', { profile, id: long });
    assert.equal(stopped?.state, 'cancelled');
    assert.ok(typeof stopped?.progress === 'number' && stopped.progress < 100, `stopped part way (${String(stopped?.progress)} %)`);
    assert.equal(await detail.locator('[data-testid=task-cancel]').count(), 0, 'no Cancel on a cancelled task');
    await shots.take(page, 'cancelled-from-drawer');
    await page.click('[data-testid=task-detail] [aria-label="Close task detail"]');

    // Cancel a running task from its row in the list.
    const other = await enqueueProgress(1000, 200);
    await running(other);
    await page.fill('[data-testid=task-search]', other);
    const row = page.locator('[data-testid=task-row]').filter({ hasText: other });
    await page.locator(`[data-testid=task-row][data-state=running]`).filter({ hasText: other }).waitFor({ timeout: LONG });
    await row.locator('[data-testid=task-row-cancel]').click();
    await page.locator('[data-testid=confirm]').waitFor({ timeout: LONG });
    await page.click('[data-testid=confirm-ok]');
    await page.locator('[data-testid=toast-success]').filter({ hasText: 'Cancelled 1 task' }).waitFor({ timeout: LONG });
    await page.locator('[data-testid=task-row][data-state=cancelled]').filter({ hasText: other }).waitFor({ timeout: LONG });
    assert.equal((await client.request('tasks.get', { profile, id: other }))?.state, 'cancelled');
    assert.deepEqual(problems, []);
    await page.context().close();
  },
);

for (const { width, dark } of SIZES_AND_THEMES) {
  it(`the drawer of a running task fits at ${width} px, ${dark ? 'dark' : 'light'}`, { timeout: 120_000 }, async () => {
    const id = await enqueueProgress(1000, 150);
    await running(id);
    const { page, errors, tag, close } = await sizedPage(browser, width, dark);
    await page.goto(`${url}#/queues`);
    await openTask(page, id);
    await page
      .locator('[data-testid=task-detail] [data-testid=task-log-count]')
      .filter({ hasText: /^([3-9]|\d\d+) lines/ })
      .waitFor({ timeout: LONG });
    await shots.take(page, `drawer-${tag}`);
    assert.deepEqual(await layoutProblems(page), [], `drawer at ${tag}`);
    assert.deepEqual(errors, []);
    await close();
    await client.request('tasks.cancel', { profile, id });
  });
}
