// Every screen at 800, 1280 and 1920 px (and 1440, where the benchmark table used to scroll) in the
// light and the dark theme, against a real core with real data (tasks, a stopped worker, two
// benchmark runs compared, an unreachable profile). Each screen is screenshotted into
// test-artifacts/ui/screens/ and checked from the elements' bounding boxes: the page never
// scrolls sideways, no table hides columns behind a scroll, no panel's content spills out, no two
// cells of a row and no two items of a header overlap, and the sidebar is collapsed at 800 px.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { ProtocolClient } from '../../shared/protocol/client.js';
import { connectClient, eventually, tempDashboard, type TempDashboard } from '../dashboard/helpers.js';
import { Shots, drawnPixels, freshArtifactDir, launchChromium } from './browser.js';
import { ensureUiBuilt } from './build.js';
import { layoutProblems } from './layout-check.js';

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
  shots = new Shots(freshArtifactDir('screens'));
  await client.request('profiles.save', {
    draft: {
      name: 'local',
      kind: 'sqlite',
      description: 'the embedded default',
      options: { path: join(t.dir, 'screens.db') },
      secrets: {},
    },
  });
  // A long name and address, and a server that is not there (port 9 is closed on loopback).
  await client.request('profiles.save', {
    draft: {
      name: 'production-postgres-eu',
      kind: 'postgres',
      description: 'the main cluster',
      options: { host: '127.0.0.1', port: 9, database: 'orders_production_eu_west', user: 'app', schema: 'sitq', connectTimeout: 500 },
      secrets: {},
    },
  });
  const fail = {
    profile: 'local',
    name: 'sitq.fail',
    payloadJson: '{"message":"a rather long error message that keeps going and going for a while, as real ones do"}',
    count: 3,
    queue: 'default',
    priority: 0,
    delayMs: 0,
    maxAttempts: 1,
  };
  await client.request('tasks.enqueue', fail);
  await client.request('tasks.enqueue', {
    profile: 'local',
    name: 'sitq.echo',
    payloadJson: '{"order":"A-1001"}',
    count: 40,
    queue: 'default',
    priority: 0,
    delayMs: 0,
    maxAttempts: 1,
  });
  await client.request('tasks.enqueue', {
    profile: 'local',
    name: 'sitq.echo',
    payloadJson: '{}',
    count: 12,
    queue: 'notifications-and-reminders',
    priority: 0,
    delayMs: 0,
    maxAttempts: 1,
  });
  const worker = await client.request('workers.start', { profile: 'local', queues: ['default'], concurrency: 4 });
  await eventually(
    'the tasks ran',
    async () => {
      const counts = (await client.request('queues.snapshot', { profile: 'local' })).queues.find((q) => q.queue === 'default')?.counts;
      return counts && counts.dead === 3 && counts.succeeded === 40;
    },
    LONG,
  );
  await client.request('workers.stop', { id: worker.id, force: false });
  for (let i = 0; i < 2; i++) {
    const run = await client.request('bench.start', {
      profiles: ['local'],
      options: { tasks: 200, floor: true, idleSamples: 20, warmup: 20 },
      sweep: false,
    });
    await eventually(
      'the benchmark to finish',
      async () => (await client.request('bench.list', {})).find((r) => r.id === run.id)?.state === 'done',
      180_000,
      250,
    );
    lastRun = run.id;
  }
  // An older report of another workload (999 tasks), imported to be compared with.
  const report = JSON.parse((await client.request('bench.export', { id: lastRun, format: 'json' })).content) as {
    date: string;
    settings?: { tasks: number };
    results: { settings: { tasks: number } }[];
  };
  report.date = '2026-01-02T03:04:05.000Z';
  if (report.settings) report.settings.tasks = 999;
  for (const r of report.results) r.settings.tasks = 999;
  otherWorkload = (await client.request('bench.import', { json: JSON.stringify(report) })).id;
});
let lastRun = '';
let otherWorkload = '';

after(async () => {
  client?.close();
  await t?.close();
  await browser?.close();
});

const SIZES: { width: number; dark: boolean }[] = [
  { width: 800, dark: false },
  { width: 800, dark: true },
  { width: 1280, dark: false },
  { width: 1280, dark: true },
  { width: 1440, dark: false },
  { width: 1920, dark: false },
  { width: 1920, dark: true },
];

for (const { width, dark } of SIZES) {
  it(`every screen fits at ${width} px, ${dark ? 'dark' : 'light'}`, { timeout: 240_000 }, async () => {
    const context = await browser.newContext({
      viewport: { width, height: 900 },
      colorScheme: dark ? 'dark' : 'light',
      acceptDownloads: true,
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const tag = `${width}-${dark ? 'dark' : 'light'}`;
    const check = async (screen: string) => {
      await shots.take(page, `${screen}-${tag}`);
      assert.deepEqual(await layoutProblems(page), [], `${screen} at ${tag}`);
    };
    const go = async (route: string, ready: string) => {
      await page.click(`[data-testid=nav-${route}]`);
      await page.locator(ready).first().waitFor({ timeout: LONG });
    };

    await page.goto(`${t.dashboard.url}#/profiles`);
    await page.locator('[data-testid=profile-picker]').selectOption('local');
    await page.locator('[data-testid=profile-row-production-postgres-eu] [data-testid=profile-error]').waitFor({ timeout: LONG });
    await page
      .locator('[data-testid=profile-row-local] [data-testid=profile-status]')
      .filter({ hasText: /healthy|degraded/ })
      .waitFor({ timeout: LONG });
    const sidebar = (await page.locator('[data-testid=sidebar]').boundingBox())?.width ?? 0;
    if (width < 1024) assert.ok(sidebar < 80, `the sidebar is collapsed at ${width} px (${sidebar} px wide)`);
    else assert.ok(sidebar > 150, `the sidebar shows its labels at ${width} px (${sidebar} px wide)`);
    await check('profiles');
    // The toggle shows the labels on a narrow window (and collapses them on a wide one), and back.
    await page.click('[data-testid=nav-toggle]');
    await page.waitForFunction(
      ([narrow]) => {
        const w =
          (
            globalThis as unknown as { document: { querySelector(s: string): { getBoundingClientRect(): { width: number } } | null } }
          ).document
            .querySelector('[data-testid=sidebar]')
            ?.getBoundingClientRect().width ?? 0;
        return narrow ? w > 150 : w < 80;
      },
      [width < 1024],
    );
    await check('profiles-nav-toggled');
    await page.click('[data-testid=nav-toggle]');
    // The profile form (a dialog) with its advanced options open.
    await page.click('[data-testid=profile-add]');
    await page.locator('[data-testid=profile-form] [data-testid=field-kind]').selectOption('postgres');
    await page.getByRole('button', { name: /Advanced options/ }).click();
    await check('profile-form');
    await page.keyboard.press('Escape');
    await page.locator('[data-testid=profile-form]').waitFor({ state: 'detached' });

    await go('queues', '[data-testid=task-row]');
    await page.locator('[data-testid=count-default-succeeded]').filter({ hasText: '40' }).waitFor({ timeout: LONG });
    await check('queues');
    await page.click('[data-testid=chip-dead]');
    await page.locator('[data-testid=bulk-filter]').waitFor({ timeout: LONG });
    await page.locator('[data-testid=task-row][data-state=dead]').first().click();
    await page.locator('[data-testid=task-detail] [data-testid=task-requeue]').waitFor({ timeout: LONG });
    await page.locator('[data-testid=task-pick]').first().check();
    await page.locator('[data-testid=bulk-count]').waitFor({ timeout: LONG });
    await check('queues-dead-task-open');
    await page.click('[data-testid=chip-all]');

    await go('enqueue', '[data-testid=enqueue-submit]');
    await check('enqueue');
    await go('workers', '[data-testid=worker-card][data-state=stopped]');
    await check('workers');
    await go('health', '[data-testid=health-chart]');
    await check('health');
    // A server that never answers: the state leads, no average of nothing, failed checks as marks.
    await page.locator('[data-testid=profile-picker]').selectOption('production-postgres-eu');
    const state = page.locator('[data-testid=health-state][data-status=unhealthy]');
    await state.filter({ hasText: /Unreachable since \d\d:\d\d:\d\d/ }).waitFor({ timeout: LONG });
    assert.match(await state.innerText(), /\d+ checks? in a row got no answer: .*ECONNREFUSED/);
    assert.match(await page.locator('[data-testid=health-average]').innerText(), /^no answer\s+avg response, 0 answered$/i);
    assert.ok((await drawnPixels(page, '[data-testid=health-chart]')) > 100, 'the failed checks are drawn');
    await check('health-unreachable');
    await page.locator('[data-testid=profile-picker]').selectOption('local');
    await go('bench', '[data-testid=bench-table] tbody tr');
    await page.locator('[data-testid=compare-select]').selectOption({ index: 1 });
    await page.locator('[data-testid=comparison]').waitFor({ timeout: LONG });
    await check('bench');
    // Compared with a run of another workload: the comparison says so before any figure.
    await page.locator('[data-testid=compare-select]').selectOption(otherWorkload);
    await page.locator('[data-testid=comparison-workload]').filter({ hasText: 'tasks: 999 → 200' }).waitFor({ timeout: LONG });
    await check('bench-other-workload');
    await go('ha', 'main .panel');
    await check('ha');
    assert.deepEqual(errors, []);
    await context.close();
  });
}
