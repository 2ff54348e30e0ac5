// Two layout promises of the dashboard, in a real browser against the real core (SQLite):
// - before the first profile list arrives the profiles screen says it is loading; it never shows
//   "No profiles yet" for profiles that exist (the list is held back on the wire to make the gap
//   wide enough to see);
// - at 1280 px every row action (a profile's Test…Delete, a queue's Purge…, the open task's
//   Requeue) is on screen and clickable, also with the task drawer open.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { Browser, Locator } from 'playwright-core';
import type { ProtocolClient } from '../../shared/protocol/client.js';
import { connectClient, eventually, tempDashboard, type TempDashboard } from '../dashboard/helpers.js';
import { Shots, freshArtifactDir, launchChromium, strictPage } from './browser.js';
import { ensureUiBuilt } from './build.js';

let browser: Browser;
let t: TempDashboard;
let client: ProtocolClient;
let shots: Shots;

before(async () => {
  ensureUiBuilt();
  browser = await launchChromium();
  t = await tempDashboard();
  client = await connectClient(t.dashboard);
  shots = new Shots(freshArtifactDir('layout'));
  await client.request('profiles.save', {
    draft: { name: 'local', kind: 'sqlite', options: { path: join(t.dir, 'layout.db') }, secrets: {} },
  });
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
    profile: 'local',
    name: 'sitq.fail',
    payloadJson: '{"message":"a rather long error message that keeps going and going for a while"}',
    count: 3,
    queue: 'default',
    priority: 0,
    delayMs: 0,
    maxAttempts: 1,
  });
  await client.request('tasks.enqueue', {
    profile: 'local',
    name: 'sitq.echo',
    payloadJson: '{}',
    count: 3,
    queue: 'default',
    priority: 0,
    delayMs: 0,
    maxAttempts: 1,
  });
  const worker = await client.request('workers.start', { profile: 'local', queues: ['default'], concurrency: 2 });
  await eventually(
    'the tasks ran',
    async () => {
      const snap = await client.request('queues.snapshot', { profile: 'local' });
      const counts = snap.queues.find((q) => q.queue === 'default')?.counts;
      return counts && counts.dead === 3 && counts.succeeded === 3;
    },
    30_000,
  );
  await client.request('workers.stop', { id: worker.id, force: false });
});

after(async () => {
  client?.close();
  await t?.close();
  await browser?.close();
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

it('keeps every row action on screen at 1280 px, with the task drawer open too', { timeout: 90_000 }, async () => {
  const { page, problems } = await strictPage(browser);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${t.dashboard.url}#/profiles`);
  await page.locator('[data-testid=profile-row-production-postgres-eu] [data-testid=profile-error]').waitFor({ timeout: 30_000 });
  for (const row of ['local', 'production-postgres-eu'])
    await assertReachable(page.locator(`[data-testid=profile-row-${row}] .row-actions button`), 5);
  await shots.take(page, 'profiles-1280');

  await page.goto(`${t.dashboard.url}#/queues`);
  await page.locator('[data-testid=task-row][data-state=dead]').first().click();
  await page.locator('[data-testid=task-detail] .detail-actions button', { hasText: 'Requeue' }).waitFor({ timeout: 20_000 });
  // Pause, Limits… and Purge… (issue 12 added the first two).
  await assertReachable(page.locator('[data-testid=queue-row-default] .row-actions button'), 3);
  await assertReachable(page.locator('[data-testid=task-detail] .detail-actions button'), 1);
  await shots.take(page, 'queues-drawer-1280');
  // The action works from there: Purge… opens its confirmation.
  await page.locator('[data-testid=queue-row-default] .row-actions button', { hasText: 'Purge' }).click();
  await page.getByRole('dialog').waitFor({ timeout: 10_000 });
  assert.deepEqual(problems, []);
  await page.context().close();
});

interface Box {
  left: number;
  right: number;
  top: number;
  width: number;
  height: number;
}
/** The few DOM calls used here, typed structurally (this Node project has no DOM lib). */
interface El {
  textContent: string | null;
  getBoundingClientRect(): Box;
  closest(selector: string): El | null;
  contains(other: unknown): boolean;
}

/** Each button is inside the viewport and its table's visible area, and is what a click there hits. */
async function assertReachable(buttons: Locator, expected: number): Promise<void> {
  const list = await buttons.evaluateAll((els) =>
    els.map((e) => {
      const el = e as unknown as El;
      const g = globalThis as unknown as {
        innerWidth: number;
        document: { documentElement: El; elementFromPoint(x: number, y: number): unknown };
      };
      const r = el.getBoundingClientRect();
      const clip = (el.closest('.table-wrap') ?? el.closest('.drawer') ?? g.document.documentElement).getBoundingClientRect();
      const hit = g.document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return {
        text: (el.textContent ?? '').trim(),
        inside: r.width > 0 && r.left >= clip.left - 0.5 && r.right <= clip.right + 0.5 && r.right <= g.innerWidth,
        onTop: !!hit && (hit === e || el.contains(hit)),
      };
    }),
  );
  assert.equal(list.length, expected, `${expected} actions expected, found ${list.map((b) => b.text).join(', ')}`);
  for (const b of list) assert.ok(b.inside && b.onTop, `the "${b.text}" action is cut off or covered (${JSON.stringify(b)})`);
}
