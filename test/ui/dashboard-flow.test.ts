// The dashboard in a real browser against the real core, once per backend (SQLite always; the
// servers when they are reachable, per the skip-outside-CI rule).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { createBackend, type BackendConfig } from '../../shared/backends/index.js';
import { tempDashboard, type TempDashboard } from '../dashboard/helpers.js';
import { serverSkip } from '../helpers/servers.js';
import { Shots, freshArtifactDir, launchChromium, strictPage } from './browser.js';
import { ensureUiBuilt } from './build.js';
import { checkHealthAndHa, createProfile, runBenchmark, runTraffic, stopWorker, type ProfileRecipe } from './flow.js';

const id = () => randomBytes(4).toString('hex');

interface Target {
  recipe(dir: string): ProfileRecipe;
  /** Also sweep pool sizes in the benchmark (the backends that have a pool). */
  sweep?: boolean;
  /** The namespace the recipe creates, to destroy afterwards. */
  config(recipe: ProfileRecipe): BackendConfig;
  skip: string | false;
}

const TARGETS: Record<'sqlite' | 'postgres' | 'redis' | 'nats', Target> = {
  sqlite: {
    skip: false,
    recipe: (dir) => ({
      name: `sq-${id()}`,
      kind: 'sqlite',
      fields: { path: join(dir, 'ui-flow.db') },
      bad: { field: 'busyTimeout', value: 'soon', message: /number/, advanced: true },
    }),
    config: (r) => ({ type: 'sqlite', path: r.fields.path }),
  },
  postgres: {
    skip: await serverSkip('postgres'),
    sweep: true,
    recipe: () => ({
      name: `pg-${id()}`,
      kind: 'postgres',
      fields: { host: '127.0.0.1', port: '5432', database: 'test', user: 'postgres' },
      advanced: { schema: `sitq_ui_${id()}` },
      bad: { field: 'port', value: '70000', message: /65535/ },
    }),
    config: (r) => ({ type: 'postgres', host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres', schema: r.advanced!.schema }),
  },
  redis: {
    skip: await serverSkip('redis'),
    recipe: () => ({
      name: `rd-${id()}`,
      kind: 'redis',
      fields: { host: '127.0.0.1', port: '6379' },
      advanced: { keyPrefix: `sitq-ui-${id()}:` },
      bad: { field: 'port', value: 'six', message: /number/ },
    }),
    config: (r) => ({ type: 'redis', host: '127.0.0.1', port: 6379, keyPrefix: r.advanced!.keyPrefix }),
  },
  nats: {
    skip: await serverSkip('nats'),
    recipe: () => ({
      name: `nt-${id()}`,
      kind: 'nats',
      fields: { servers: 'nats://127.0.0.1:4222', streamName: `SITQ_UI_${id().toUpperCase()}` },
      bad: { field: 'streamName', value: 'has spaces', message: /stream name/ },
    }),
    config: (r) => ({ type: 'nats', servers: ['nats://127.0.0.1:4222'], streamName: r.fields.streamName }),
  },
};

describe('dashboard in Chromium, the operator flow per backend', () => {
  let browser: Browser;
  before(async () => {
    ensureUiBuilt();
    browser = await launchChromium();
  });
  after(() => browser?.close());

  for (const [kind, target] of Object.entries(TARGETS)) {
    it(
      `${kind}: profile form, test, 500 tasks, worker, counts to done, failed stack, benchmark, CSV`,
      { skip: target.skip, timeout: 600_000 },
      async () => {
        const t: TempDashboard = await tempDashboard();
        const recipe = target.recipe(t.dir);
        const { page, problems } = await strictPage(browser);
        const shots = new Shots(freshArtifactDir(kind));
        try {
          await page.goto(t.dashboard.url);
          await page.locator('[data-testid=connection-state]').filter({ hasText: 'Connected' }).waitFor();
          await shots.take(page, 'empty');
          await createProfile(page, recipe, shots);
          await runTraffic(page, shots);
          await checkHealthAndHa(page, recipe.name, shots);
          await runBenchmark(page, recipe.name, shots, { sweep: target.sweep });
          if (kind === 'sqlite') {
            // The same screens in the dark theme.
            await page.emulateMedia({ colorScheme: 'dark' });
            await shots.take(page, 'bench-dark');
            await page.click('[data-testid=nav-queues]');
            await shots.take(page, 'queues-dark');
            await page.emulateMedia({ colorScheme: 'light' });
          }
          await stopWorker(page);
          assert.deepEqual(problems, []);
        } catch (err) {
          await shots.take(page, 'failure').catch(() => {});
          throw err;
        } finally {
          await page.context().close();
          await t.close();
          const backend = createBackend(target.config(recipe));
          await backend
            .connect()
            .then(() => backend.destroy())
            .catch(() => {});
          await backend.close().catch(() => {});
        }
      },
    );
  }
});
