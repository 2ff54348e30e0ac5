// A lost connection to the host is shown at once, and the UI recovers by itself when the host is
// back: it reconnects, reloads its state and shows what changed meanwhile, without a page reload.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { Browser, WebSocketRoute } from 'playwright-core';
import { connectClient, tempDashboard, type TempDashboard } from '../dashboard/helpers.js';
import type { ProtocolClient } from '../../shared/protocol/client.js';
import { Shots, freshArtifactDir, launchChromium, strictPage } from './browser.js';
import { ensureUiBuilt } from './build.js';

let browser: Browser;
let t: TempDashboard;
let client: ProtocolClient;

before(async () => {
  ensureUiBuilt();
  browser = await launchChromium();
  t = await tempDashboard();
  client = await connectClient(t.dashboard);
  await client.request('profiles.save', { draft: { name: 'local', kind: 'sqlite', options: { path: join(t.dir, 'q.db') }, secrets: {} } });
});
after(async () => {
  client?.close();
  await t?.close();
  await browser?.close();
});

it('shows a lost connection and recovers without a reload', { timeout: 120_000 }, async () => {
  const { page, problems } = await strictPage(browser);
  const shots = new Shots(freshArtifactDir('reconnect'));
  let hostUp = true;
  const live: WebSocketRoute[] = [];
  // Between the page and the host: pass everything through while "up", refuse while "down".
  await page.routeWebSocket(/\/ws$/, (ws) => {
    if (!hostUp) {
      void ws.close({ code: 1012, reason: 'host down (test)' });
      return;
    }
    ws.connectToServer();
    live.push(ws);
  });
  await client.request('tasks.enqueue', {
    profile: 'local',
    name: 'sitq.echo',
    payloadJson: '{}',
    count: 2,
    queue: 'before',
    priority: 0,
    delayMs: 0,
    maxAttempts: 3,
  });
  await page.goto(`${t.dashboard.url}#/queues`);
  await page.locator('[data-testid=count-before-pending]').filter({ hasText: '2' }).waitFor();
  await page.evaluate(() => ((globalThis as unknown as { sitqNoReload: boolean }).sitqNoReload = true));

  hostUp = false;
  for (const ws of live.splice(0)) await ws.close({ code: 1006, reason: 'gone' }).catch(() => {});
  await page.locator('[data-testid=connection-lost]').waitFor({ timeout: 10_000 });
  // What was on screen stays there (marked as possibly out of date) while the host is away.
  assert.equal(await page.locator('[data-testid=count-before-pending]').innerText(), '2');
  await shots.take(page, 'connection-lost');

  // Work done while the page is cut off...
  await client.request('tasks.enqueue', {
    profile: 'local',
    name: 'sitq.echo',
    payloadJson: '{}',
    count: 7,
    queue: 'later',
    priority: 0,
    delayMs: 0,
    maxAttempts: 3,
  });

  // ...is on screen once the host is reachable again.
  hostUp = true;
  await page.locator('[data-testid=connection-lost]').waitFor({ state: 'detached', timeout: 15_000 });
  await page.locator('[data-testid=connection-state]').filter({ hasText: 'Connected' }).waitFor();
  await page.locator('[data-testid=count-later-pending]').filter({ hasText: '7' }).waitFor({ timeout: 15_000 });
  await page.locator('[data-testid=pager-range]').filter({ hasText: 'of 9' }).waitFor({ timeout: 15_000 });
  assert.equal(await page.locator('[data-testid=task-list-error]').count(), 0);
  assert.equal(
    await page.evaluate(() => (globalThis as unknown as { sitqNoReload?: boolean }).sitqNoReload),
    true,
    'the page was reloaded',
  );
  await shots.take(page, 'recovered');
  assert.deepEqual(problems, []);
  await page.context().close();
});
