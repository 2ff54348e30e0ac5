// What a screen's UI test starts with: Chromium, a browser dashboard on a temporary folder with one
// SQLite profile `local`, a protocol client to it, and an emptied screenshot folder; and the window
// sizes and themes each screen is checked at.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { ProtocolClient } from '../../shared/protocol/client.js';
import { connectClient, tempDashboard, type TempDashboard } from '../dashboard/helpers.js';
import { Shots, freshArtifactDir, launchChromium } from './browser.js';
import { ensureUiBuilt } from './build.js';

export interface UiFixture {
  browser: Browser;
  t: TempDashboard;
  client: ProtocolClient;
  shots: Shots;
  close(): Promise<void>;
}

export const PROFILE = 'local';

export async function uiFixture(artifacts: string): Promise<UiFixture> {
  ensureUiBuilt();
  const browser = await launchChromium();
  const t = await tempDashboard();
  const client = await connectClient(t.dashboard);
  const shots = new Shots(freshArtifactDir(artifacts));
  await client.request('profiles.save', {
    draft: { name: PROFILE, kind: 'sqlite', options: { path: join(t.dir, `${artifacts}.db`) }, secrets: {} },
  });
  return {
    browser,
    t,
    client,
    shots,
    async close() {
      client.close();
      await t.close();
      await browser.close();
    },
  };
}

/** 800, 1280 and 1920 px, each light and dark. */
export const SIZES_AND_THEMES: readonly { width: number; dark: boolean }[] = [800, 1280, 1920].flatMap((width) =>
  [false, true].map((dark) => ({ width, dark })),
);

/** A fresh page at `width` × 900 px in the light or dark theme, collecting the page's errors. */
export async function sizedPage(
  browser: Browser,
  width: number,
  dark: boolean,
): Promise<{ page: Page; errors: string[]; tag: string; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: dark ? 'dark' : 'light' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors, tag: `${width}-${dark ? 'dark' : 'light'}`, close: () => context.close() };
}
