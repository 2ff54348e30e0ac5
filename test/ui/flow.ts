// The operator's walk through the dashboard, the same for every backend: create a profile in the
// form (seeing a validation error first), test it, enqueue 500 test tasks and 3 failing ones,
// start a worker, watch the counts reach done without reloading, open a failed task's stack, run
// a benchmark and read its charts, export CSV. Screenshots of every screen along the way.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { drawnPixels, type Shots } from './browser.js';

export interface ProfileRecipe {
  name: string;
  kind: 'sqlite' | 'postgres' | 'redis' | 'nats';
  /** Field values by field key (`field-<key>`); keys under `advanced` need the Advanced section. */
  fields: Record<string, string>;
  advanced?: Record<string, string>;
  /** A field to type a bad value into first, the bad value, and the message expected under it. */
  bad: { field: string; value: string; message: RegExp; advanced?: boolean };
}

const LONG = 90_000;

async function openAdvanced(page: Page): Promise<void> {
  const toggle = page.getByRole('button', { name: /Advanced options/ });
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
}

export async function createProfile(page: Page, recipe: ProfileRecipe, shots: Shots): Promise<void> {
  await page.click('[data-testid=nav-profiles]');
  await page.click('[data-testid=profile-add]');
  const form = page.locator('[data-testid=profile-form]');
  await form.locator('[data-testid=field-kind]').selectOption(recipe.kind);
  await form.locator('[data-testid=field-name]').fill(recipe.name);
  for (const [key, value] of Object.entries(recipe.fields)) await form.locator(`[data-testid=field-${key}]`).fill(value);
  if (recipe.advanced || recipe.bad.advanced) await openAdvanced(page);
  for (const [key, value] of Object.entries(recipe.advanced ?? {})) await form.locator(`[data-testid=field-${key}]`).fill(value);

  // A bad value: the error appears under that field as you type, and Save is disabled.
  const bad = form.locator(`[data-testid=field-${recipe.bad.field}]`);
  const good = await bad.inputValue();
  await bad.fill(recipe.bad.value);
  const error = form
    .locator('.field.has-error')
    .filter({ has: page.locator(`[data-testid=field-${recipe.bad.field}]`) })
    .locator('.field-error');
  await error.waitFor();
  assert.match(await error.innerText(), recipe.bad.message);
  assert.equal(await form.locator('[data-testid=profile-save]').isDisabled(), true);
  await shots.take(page, 'profile-form-error');
  await bad.fill(good);
  await form.locator('.field.has-error').waitFor({ state: 'detached' });

  await form.locator('[data-testid=profile-test]').click();
  const result = form.locator('[data-testid=test-result]');
  await result.waitFor({ timeout: LONG });
  assert.match(await result.innerText(), /^Connected in/);
  await shots.take(page, 'profile-form-tested');
  await form.locator('[data-testid=profile-save]').click();
  await form.waitFor({ state: 'detached' });
  // Connected: healthy, or degraded when a busy machine answers slower than the 1 s threshold.
  await page
    .locator(`[data-testid=profile-row-${recipe.name}] [data-testid=profile-status]`)
    .filter({ hasText: /^\s*(healthy|degraded)\s*$/i })
    .waitFor({ timeout: LONG });
  assert.equal(await page.locator('[data-testid=profile-picker]').inputValue(), recipe.name);
  await shots.take(page, 'profiles');
}

async function enqueue(page: Page, task: string, count: number, payload: string, attempts: number): Promise<void> {
  await page.selectOption('[data-testid=enqueue-task]', task);
  await page.fill('[data-testid=enqueue-payload]', payload);
  await page.fill('[data-testid=enqueue-count]', String(count));
  await page.fill('[data-testid=enqueue-attempts]', String(attempts));
  await page.click('[data-testid=enqueue-submit]');
  await page
    .locator('[data-testid=enqueue-result]')
    .filter({ hasText: `Enqueued ${count} × ${task}` })
    .waitFor({ timeout: LONG });
}

async function countOf(page: Page, queue: string, state: string): Promise<number> {
  const text = await page.locator(`[data-testid=count-${queue}-${state}]`).innerText();
  return Number(text.replace(/,/g, ''));
}

export async function runTraffic(page: Page, shots: Shots): Promise<void> {
  await page.click('[data-testid=nav-enqueue]');
  // An invalid payload is caught as it is typed.
  await page.fill('[data-testid=enqueue-payload]', '{ "hello": ');
  await page
    .locator('.field.has-error .field-error')
    .filter({ hasText: /JSON|Unexpected|Expected/ })
    .waitFor();
  assert.equal(await page.locator('[data-testid=enqueue-submit]').isDisabled(), true);
  await shots.take(page, 'enqueue-invalid-json');
  await enqueue(page, 'sitq.echo', 500, '{ "hello": "world" }', 3);
  await enqueue(page, 'sitq.fail', 3, '{ "message": "boom on purpose" }', 1);
  await shots.take(page, 'enqueue');

  await page.click('[data-testid=nav-queues]');
  await page.locator('[data-testid=count-default-pending]').filter({ hasText: '503' }).waitFor({ timeout: LONG });
  await shots.take(page, 'queues-pending');
  // From here on the page is never reloaded: a marker set now must survive to the end.
  await page.evaluate(() => ((globalThis as unknown as { sitqNoReload: boolean }).sitqNoReload = true));

  await page.click('[data-testid=nav-workers]');
  await page.fill('[data-testid=worker-concurrency]', '10');
  await page.click('[data-testid=worker-start]');
  const card = page.locator('[data-testid=worker-card][data-state=running]');
  await card.waitFor({ timeout: LONG });
  await page.locator('[data-testid=worker-succeeded] .stat-value').filter({ hasText: '500' }).waitFor({ timeout: LONG });
  await card.locator('[data-testid=worker-log-toggle]').click();
  await page.locator('[data-testid=worker-log]').filter({ hasText: 'dead: sitq.fail' }).waitFor({ timeout: LONG });
  await shots.take(page, 'workers');

  await page.click('[data-testid=nav-queues]');
  await page.locator('[data-testid=count-default-succeeded]').filter({ hasText: '500' }).waitFor({ timeout: LONG });
  await page.locator('[data-testid=count-default-dead]').filter({ hasText: '3' }).waitFor({ timeout: LONG });
  assert.equal(await countOf(page, 'default', 'pending'), 0);
  assert.equal(
    await page.evaluate(() => (globalThis as unknown as { sitqNoReload?: boolean }).sitqNoReload),
    true,
    'the page was reloaded',
  );
  await shots.take(page, 'queues-done');

  await page.click('[data-testid=chip-dead]');
  // The filtered page has arrived when the pager says so (the unfiltered rows show until then).
  await page
    .locator('[data-testid=pager-range]')
    .filter({ hasText: /^1–3 of 3$/ })
    .waitFor({ timeout: LONG });
  assert.equal(await page.locator('[data-testid=task-row][data-state=dead]').count(), 3);
  await page.locator('[data-testid=task-row]').first().click();
  const stack = page.locator('[data-testid=task-stack]');
  await stack.waitFor();
  assert.match(await stack.innerText(), /boom on purpose/);
  assert.match(await stack.innerText(), /at /);
  await shots.take(page, 'failed-task');
  // Requeue it (after a confirmation); the running worker takes it again.
  await page.click('[data-testid=task-requeue]');
  await page.locator('[data-testid=confirm]').waitFor();
  await shots.take(page, 'requeue-confirm');
  await page.click('[data-testid=confirm-ok]');
  await page.locator('[data-testid=toast-success]').filter({ hasText: 'Task requeued' }).waitFor();
}

export async function checkHealthAndHa(page: Page, profile: string, shots: Shots): Promise<void> {
  await page.click('[data-testid=nav-health]');
  await page
    .locator('[data-testid=status-strip] .strip-healthy, [data-testid=status-strip] .strip-degraded')
    .nth(1)
    .waitFor({ timeout: LONG });
  assert.ok((await drawnPixels(page, '[data-testid=health-chart]')) > 200, 'the health chart drew nothing');
  await shots.take(page, 'health');
  await page.click('[data-testid=nav-ha]');
  await page.locator(`[data-testid=ha-${profile}] .node`).first().waitFor({ timeout: LONG });
  await shots.take(page, 'ha');
}

export async function runBenchmark(page: Page, profile: string, shots: Shots, options: { sweep?: boolean } = {}): Promise<void> {
  await page.click('[data-testid=nav-bench]');
  const box = page.locator(`[data-testid=bench-profile-${profile}]`);
  if (!(await box.isChecked())) await box.check();
  await page.fill('[data-testid=bench-tasks]', '300');
  if (options.sweep) {
    await page.check('[data-testid=bench-sweep]');
    await page.fill('[data-testid=bench-sweep-cells]', '100');
  }
  await page.click('[data-testid=bench-start]');
  await page.locator('[data-testid=bench-progress]').waitFor({ timeout: LONG });
  await shots.take(page, 'bench-running');
  await page.locator('[data-testid=bench-progress]').waitFor({ state: 'detached', timeout: 180_000 });
  await page.locator('[data-testid=bench-table] tbody tr').first().waitFor({ timeout: LONG });
  assert.match(await page.locator('[data-testid=bench-table]').innerText(), new RegExp(profile));
  for (const chart of ['chart-throughput', 'chart-latency-idle', 'chart-latency-processing']) {
    const pixels = await drawnPixels(page, `[data-testid=${chart}]`);
    assert.ok(pixels > 300, `${chart} drew ${pixels} pixels`);
  }
  await shots.take(page, 'bench-result');
  if (options.sweep) {
    const heat = page.locator('[data-testid=sweep-heatmap]');
    await heat.waitFor();
    assert.ok((await heat.locator('td[class*=heat-]').count()) >= 4, 'the sweep heatmap has cells');
    await heat.screenshot({ path: shots.path('sweep-heatmap') });
  }
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-csv]')]);
  assert.match(download.suggestedFilename(), /^sitq-bench-.*\.csv$/);
  const csv = readFileSync(await download.path(), 'utf8');
  const [header, row] = csv.split('\n');
  assert.match(header, /^profile,backend,/);
  assert.match(row, new RegExp(`^${profile},`));

  // Export JSON, load it back as an earlier run, and compare the two figure by figure.
  const [json] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-json]')]);
  await page.setInputFiles('[data-testid=bench-import]', {
    name: json.suggestedFilename(),
    mimeType: 'application/json',
    buffer: readFileSync(await json.path()),
  });
  await page.locator('[data-testid=toast-success]').filter({ hasText: 'Imported' }).waitFor();
  const select = page.locator('[data-testid=compare-select]');
  await select.locator('option').nth(1).waitFor({ state: 'attached' });
  await select.selectOption({ index: 1 });
  // The same run imported back: nothing changed, and the comparison says so first.
  await page
    .locator('[data-testid=comparison-verdict]')
    .filter({ hasText: /No real change/ })
    .waitFor();
  await page.check('[data-testid=comparison-show-noise]');
  const rows = page.locator('[data-testid=comparison-row]');
  await rows.first().waitFor();
  assert.ok((await rows.count()) > 5);
  assert.match(await page.locator('[data-testid=comparison]').innerText(), /processing \(\/s\)/);
  await shots.take(page, 'bench-compare');
}

export async function stopWorker(page: Page): Promise<void> {
  await page.click('[data-testid=nav-workers]');
  const running = page.locator('[data-testid=worker-card][data-state=running]');
  if ((await running.count()) === 0) return;
  await running.first().locator('[data-testid=worker-stop]').click();
  await page.locator('[data-testid=worker-card][data-state=stopped]').first().waitFor({ timeout: LONG });
}
