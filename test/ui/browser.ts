// Debian's Chromium driven by playwright-core (nothing downloaded), and screenshots kept as test
// artifacts under test-artifacts/ui/ (gitignored).
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from './build.js';

export const CHROMIUM = process.env.SITQ_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // Without the background-networking flags Chromium keeps trying to reach the internet.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export function artifactDir(...parts: string[]): string {
  const dir = join(ROOT, 'test-artifacts', 'ui', ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** An artifact folder emptied first, so its screenshots are all from this run. */
export function freshArtifactDir(...parts: string[]): string {
  rmSync(join(ROOT, 'test-artifacts', 'ui', ...parts), { recursive: true, force: true });
  return artifactDir(...parts);
}

/** A page that fails the test on any uncaught error or CSP violation in the UI. */
export async function strictPage(browser: Browser): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  return { page, problems };
}

export class Shots {
  private n = 0;
  constructor(private readonly dir: string) {}
  /** The next numbered file name for `name`. */
  path(name: string): string {
    this.n += 1;
    return join(this.dir, `${String(this.n).padStart(2, '0')}-${name}.png`);
  }
  async take(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: this.path(name), fullPage: true });
  }
}

/** Counts drawn (non-transparent) pixels in the canvases under `selector`: a chart with data draws many. */
export async function drawnPixels(page: Page, selector: string): Promise<number> {
  return page.$$eval(`${selector} canvas`, (canvases) =>
    canvases.reduce((sum, c) => {
      // Runs in the page; typed structurally because the Node tsconfig has no DOM lib.
      const canvas = c as unknown as {
        width: number;
        height: number;
        getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
      };
      const ctx = canvas.getContext('2d');
      if (!ctx || canvas.width === 0) return sum;
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
      return sum + n;
    }, 0),
  );
}
