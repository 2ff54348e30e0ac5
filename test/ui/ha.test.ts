// The HA view with a NATS profile of two servers, one of them down: the serving node and the
// unreachable one are shown as such (and the profile is degraded, not healthy).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { createBackend } from '../../shared/backends/index.js';
import type { ProtocolClient } from '../../shared/protocol/client.js';
import { connectClient, tempDashboard, type TempDashboard } from '../dashboard/helpers.js';
import { serverSkip } from '../helpers/servers.js';
import { Shots, freshArtifactDir, launchChromium, strictPage } from './browser.js';
import { ensureUiBuilt } from './build.js';

const skip = await serverSkip('nats');
const stream = `SITQ_HA_${randomBytes(4).toString('hex').toUpperCase()}`;
let browser: Browser;
let t: TempDashboard;
let client: ProtocolClient;

before(async () => {
  if (skip) return;
  ensureUiBuilt();
  browser = await launchChromium();
  t = await tempDashboard();
  client = await connectClient(t.dashboard);
});
after(async () => {
  client?.close();
  await t?.close();
  await browser?.close();
  if (!skip) {
    const b = createBackend({ type: 'nats', servers: ['nats://127.0.0.1:4222'], streamName: stream });
    await b
      .connect()
      .then(() => b.destroy())
      .catch(() => {});
    await b.close().catch(() => {});
  }
});

it('shows which node serves and which is unreachable', { skip, timeout: 120_000 }, async () => {
  await client.request('profiles.save', {
    draft: {
      name: 'cluster',
      kind: 'nats',
      options: { servers: ['nats://127.0.0.1:4222', 'nats://127.0.0.1:1'], streamName: stream, connectTimeout: 2000 },
      secrets: {},
    },
  });
  const nodes = await client.request('ha.nodes', { profile: 'cluster' });
  assert.deepEqual(
    nodes.map((n) => [n.reachable, n.serving]),
    [
      [true, true],
      [false, false],
    ],
  );

  const { page, problems } = await strictPage(browser);
  const shots = new Shots(freshArtifactDir('ha'));
  await page.goto(`${t.dashboard.url}#/ha`);
  const section = page.locator('[data-testid=ha-cluster]');
  await section.locator('.node.serving').waitFor({ timeout: 30_000 });
  await section.locator('.node.down').waitFor({ timeout: 30_000 });
  assert.match(await section.innerText(), /2 configured/);
  await shots.take(page, 'ha-nodes');
  await page.click('[data-testid=nav-profiles]');
  await page
    .locator('[data-testid=profile-row-cluster] [data-testid=profile-status]')
    .filter({ hasText: /degraded/i })
    .waitFor({ timeout: 30_000 });
  await shots.take(page, 'profiles-degraded');
  assert.deepEqual(problems, []);
  await page.context().close();
});
