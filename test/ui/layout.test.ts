// Two layout promises of the dashboard, in a real browser against the real core (SQLite):
// - before the first profile list arrives the profiles screen says it is loading; it never shows
//   "No profiles yet" for profiles that exist (the list is held back on the wire to make the gap
//   wide enough to see);
// - at 800, 1280 and 1920 px, light and dark, every row action (a profile's Test…Delete, a queue's
//   Pause, Limits…, Retention… and Purge…, the open task's Requeue) can be scrolled to and is then inside the
//   window and its table, and is what a click there hits; with the task drawer open too (beside
//   the tables from 1100 px; below that it slides over them, so the row actions are checked again
//   once it is closed).
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Browser, Locator } from 'playwright-core';
import type { ProtocolClient } from '../../shared/protocol/client.js';
import { eventually, type TempDashboard } from '../dashboard/helpers.js';
import { strictPage, type Shots } from './browser.js';
import { PROFILE, SIZES_AND_THEMES, sizedPage, uiFixture, type UiFixture } from './fixture.js';
import { reach } from './layout-check.js';

let f: UiFixture;
let browser: Browser;
let t: TempDashboard;
let client: ProtocolClient;
let shots: Shots;

before(async () => {
  f = await uiFixture('layout');
  ({ browser, t, client, shots } = f);
  // A second profile with long texts: the widest row the profiles table has to fit.
  await client.request('profiles.save', {
    draft: {
      name: 'production-postgres-eu',
      kind: 'postgres',
      description: 'the main cluster',
      options: {
        host: 'db-primary.internal.example.com',
        port: 5432,
        database: 'orders',
        user: 'app',
        schema: 'sitq',
        connectTimeout: 500,
      },
      secrets: {},
    },
  });
  await client.request('tasks.enqueue', {
    profile: PROFILE,
    name: 'sitq.fail',
    payloadJson: '{"message":"a rather long error message that keeps going and going for a while"}',
    count: 3,
    queue: 'default',
    priority: 0,
    delayMs: 0,
    maxAttempts: 1,
  });
  await client.request('tasks.enqueue', {
    profile: PROFILE,
    name: 'sitq.echo',
    payloadJson: '{}',
    count: 3,
    queue: 'default',
    priority: 0,
    delayMs: 0,
    maxAttempts: 1,
  });
  const worker = await client.request('workers.start', { profile: PROFILE, queues: ['default'], concurrency: 2 });
  await eventually(
    'the tasks ran',
    async () => {
      const snap = await client.request('queues.snapshot', { profile: PROFILE });
      const counts = snap.queues.find((q) => q.queue === 'default')?.counts;
      return counts && counts.dead === 3 && counts.succeeded === 3;
    },
    30_000,
  );
  await client.request('workers.stop', { id: worker.id, force: false });
});

after(async () => {
  await f?.close();
});

it('shows a loading state, never "No profiles yet", until the first profile list arrives', { timeout: 60_000 }, async () => {
  const { page, problems } = await strictPage(browser);
  // Remember every text the profiles panel showed, from the first paint on.
  await page.addInitScript(`(() => {
    window.__seen = [];
    new MutationObserver(() => {
      const panel = document.querySelector('[data-testid=profiles]');
      if (panel) window.__seen.push(panel.textContent || '');
    }).observe(document, { subtree: true, childList: true, characterData: true });
  })()`);
  // Hold back the answer to profiles.list for a second; everything else passes straight through.
  await page.routeWebSocket(/\/ws/, (ws) => {
    const server = ws.connectToServer();
    const held = new Set<number>();
    ws.onMessage((m) => {
      const msg = JSON.parse(String(m)) as { id?: number; method?: string };
      if (msg.method === 'profiles.list' && typeof msg.id === 'number') held.add(msg.id);
      server.send(m);
    });
    server.onMessage((m) => {
      const msg = JSON.parse(String(m)) as { type?: string; id?: number };
      if (msg.type === 'response' && typeof msg.id === 'number' && held.has(msg.id)) setTimeout(() => ws.send(m), 1000);
      else ws.send(m);
    });
  });
  await page.goto(`${t.dashboard.url}#/profiles`);
  await page.locator('[data-testid=profiles-loading]').waitFor({ timeout: 20_000 });
  await shots.take(page, 'profiles-loading');
  await page.locator('[data-testid=profile-row-local]').waitFor({ timeout: 20_000 });
  assert.equal(await page.locator('[data-testid=profiles-loading]').count(), 0);
  const seen = await page.evaluate<string[]>('window.__seen');
  assert.ok(
    seen.some((text) => /Loading profiles/.test(text)),
    'the loading state was shown',
  );
  assert.deepEqual(
    seen.filter((text) => /No profiles yet/.test(text)),
    [],
    'no "No profiles yet" before the list arrived',
  );
  assert.deepEqual(problems, []);
  await page.context().close();
});

/** Below this width the task drawer slides over the tables (app.css) instead of standing beside them. */
const DRAWER_BESIDE_FROM = 1100;

for (const { width, dark } of SIZES_AND_THEMES) {
  it(
    `keeps every row action reachable at ${width} px, ${dark ? 'dark' : 'light'}, with the task drawer open too`,
    { timeout: 90_000 },
    async () => {
      const { page, errors, tag, close } = await sizedPage(browser, width, dark);
      await page.goto(`${t.dashboard.url}#/profiles`);
      await page.locator('[data-testid=profile-row-production-postgres-eu] [data-testid=profile-error]').waitFor({ timeout: 30_000 });
      for (const row of [PROFILE, 'production-postgres-eu'])
        await assertReachable(page.locator(`[data-testid=profile-row-${row}] .row-actions button`), 5, `profile ${row} at ${tag}`);
      await shots.take(page, `profiles-${tag}`);

      await page.goto(`${t.dashboard.url}#/queues`);
      // Pause, Limits…, Retention… and Purge… (issue 12 added the first three).
      const queueActions = page.locator('[data-testid=queue-row-default] .row-actions button');
      await queueActions.first().waitFor({ timeout: 30_000 });
      await assertReachable(queueActions, 4, `queue row at ${tag}`);
      // Opening a task from the list (under the history charts) scrolls the window down to it.
      await page.locator('[data-testid=task-row][data-state=dead]').first().click();
      await page.locator('[data-testid=task-detail] .detail-actions button', { hasText: 'Requeue' }).waitFor({ timeout: 20_000 });
      await assertReachable(page.locator('[data-testid=task-detail] .detail-actions button'), 1, `task drawer at ${tag}`);
      if (width >= DRAWER_BESIDE_FROM) {
        await assertReachable(queueActions, 4, `queue row beside the drawer at ${tag}`);
        await shots.take(page, `queues-drawer-${tag}`);
      } else {
        await shots.take(page, `queues-drawer-${tag}`);
        await page.locator('[data-testid=task-detail] button[aria-label="Close task detail"]').click();
        await page.locator('[data-testid=task-detail]').waitFor({ state: 'detached', timeout: 10_000 });
        await assertReachable(queueActions, 4, `queue row after closing the drawer at ${tag}`);
      }
      // The action works from there: Purge… opens its confirmation.
      await queueActions.filter({ hasText: 'Purge' }).click();
      await page.locator('[data-testid=purge-dialog]').waitFor({ timeout: 10_000 });
      assert.deepEqual(errors, []);
      await close();
    },
  );
}

/**
 * Each button, scrolled to as a user would (a row far up the page is not a covered row), is inside
 * the window and its table's or drawer's visible area, and is what a click at its centre hits.
 */
async function assertReachable(buttons: Locator, expected: number, where: string): Promise<void> {
  const texts = (await buttons.allTextContents()).map((s) => s.trim());
  assert.equal(texts.length, expected, `${where}: ${expected} actions expected, found ${texts.join(', ')}`);
  for (let i = 0; i < expected; i++) {
    const b = await reach(buttons.nth(i));
    assert.ok(b.inside && b.onTop, `${where}: the "${b.text}" action is cut off or covered (${JSON.stringify(b)})`);
  }
}
