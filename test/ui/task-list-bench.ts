// A benchmark, not a test (npm test does not run it): how the dashboard's task list behaves with
// 100,000 tasks in one queue on SQLite. Run: node dist/test/ui/task-list-bench.js [tasks]
// Prints the protocol round trips for the first, a middle and the last page, and the browser's
// time to show the queues screen, to jump to the last page and to filter by state.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectClient, tempDashboard } from '../dashboard/helpers.js';
import { artifactDir, launchChromium, strictPage } from './browser.js';
import { ensureUiBuilt } from './build.js';

const TOTAL = Number(process.argv[2] ?? 100_000);
const BATCH = 10_000;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await fn();
  return [v, Math.round((performance.now() - t0) * 10) / 10];
}

ensureUiBuilt();
const t = await tempDashboard();
const client = await connectClient(t.dashboard);
const results: Record<string, number> = {};
try {
  await client.request('profiles.save', { draft: { name: 'big', kind: 'sqlite', options: { path: join(t.dir, 'big.db') }, secrets: {} } });
  const [, enqueueMs] = await timed(async () => {
    for (let done = 0; done < TOTAL; done += BATCH) {
      await client.request(
        'tasks.enqueue',
        {
          profile: 'big',
          name: 'sitq.echo',
          payloadJson: '{"n":1}',
          count: Math.min(BATCH, TOTAL - done),
          queue: 'bulk',
          priority: 0,
          delayMs: 0,
          maxAttempts: 3,
        },
        { timeoutMs: 300_000 },
      );
    }
  });
  results.enqueueMs = enqueueMs;
  for (const [name, offset] of [
    ['firstPage', 0],
    ['middlePage', Math.floor(TOTAL / 2)],
    ['lastPage', TOTAL - 50],
  ] as const) {
    const [page, ms] = await timed(() => client.request('tasks.list', { profile: 'big', queue: 'bulk', offset, limit: 50 }));
    if (page.total !== TOTAL || page.rows.length !== 50) throw new Error(`${name}: got ${page.rows.length} of ${page.total}`);
    results[`${name}Ms`] = ms;
  }
  const [, filterMs] = await timed(() => client.request('tasks.list', { profile: 'big', state: 'pending', offset: 0, limit: 50 }));
  results.filteredPageMs = filterMs;
  const [, countsMs] = await timed(() => client.request('queues.snapshot', { profile: 'big' }));
  results.countsMs = countsMs;

  const browser = await launchChromium();
  try {
    const { page } = await strictPage(browser);
    // Timed inside the page (Playwright's own waits poll, which would add up to a second).
    const until = (action: string, selector: string, text: string) =>
      page.evaluate(`new Promise((resolve) => {
        const t0 = performance.now();
        const done = () => {
          const el = document.querySelector(${JSON.stringify(selector)});
          if (el && el.textContent.includes(${JSON.stringify(text)})) { obs.disconnect(); resolve(Math.round((performance.now() - t0) * 10) / 10); }
        };
        const obs = new MutationObserver(done);
        obs.observe(document.body, { subtree: true, childList: true, characterData: true });
        ${action};
        done();
      })`) as Promise<number>;
    await page.goto(`${t.dashboard.url}#/profiles`);
    await page.locator('[data-testid=profile-row-big]').waitFor({ timeout: 60_000 });
    results.browserOpenQueuesMs = await until(
      `location.hash = '#/queues'`,
      '[data-testid=pager-range]',
      `of ${TOTAL.toLocaleString('en-US')}`,
    );
    results.browserLastPageMs = await until(
      `document.querySelector('[data-testid=page-last]').click()`,
      '[data-testid=pager-range]',
      `${(TOTAL - 49).toLocaleString('en-US')}–`,
    );
    results.browserFilterMs = await until(
      `document.querySelector('[data-testid=chip-pending]').click()`,
      '[data-testid=pager-range]',
      '1–50 of',
    );
    results.browserNextPageMs = await until(
      `document.querySelector('[data-testid=page-next]').click()`,
      '[data-testid=pager-range]',
      '51–100 of',
    );
    results.domRows = await page.locator('[data-testid=task-row]').count();
    await page.screenshot({ path: join(artifactDir('bench'), 'task-list-100k.png'), fullPage: true });
  } finally {
    await browser.close();
  }
} finally {
  client.close();
  await t.close();
}
console.log(`task list with ${TOTAL.toLocaleString('en-US')} tasks (SQLite, page of 50):`);
for (const [k, v] of Object.entries(results)) console.log(`  ${k.padEnd(22)} ${v}`);
writeFileSync(
  join(artifactDir('bench'), 'task-list-100k.json'),
  `${JSON.stringify({ tasks: TOTAL, date: new Date().toISOString(), ...results }, null, 2)}\n`,
);
