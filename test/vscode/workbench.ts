// Driving the VS Code workbench in Chromium the way a person does: the activity bar, the command
// palette, quick picks and input boxes, tree rows, notifications and webviews.
import type { Browser, FrameLocator, Locator, Page } from 'playwright-core';
import { chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export class Workbench {
  constructor(readonly page: Page) {}

  static async open(browser: Browser, url: string, folder: string): Promise<Workbench> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // Loading the workbench (megabytes of script) took over 30 s, Playwright's default, on a
    // machine at load 25: every code-server test then failed before its first step.
    await page.goto(`${url}?folder=${encodeURIComponent(folder)}`, { timeout: 120_000 });
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    // The status bar appears once the workbench finished its first layout.
    await page.locator('#workbench\\.parts\\.statusbar').waitFor({ timeout: 60_000 });
    return new Workbench(page);
  }

  /** Opens a view container from the activity bar by its title. */
  async openContainer(title: string): Promise<void> {
    const item = this.page
      .locator(`.activitybar .action-item a[aria-label^="${title}"], .activitybar .action-item[aria-label^="${title}"]`)
      .first();
    await item.waitFor({ timeout: 30_000 });
    const expanded = await item.getAttribute('aria-expanded').catch(() => null);
    if (expanded !== 'true') await item.click();
  }

  /** Drags the side bar's edge so tree rows show their whole description. */
  async widenSideBar(width: number): Promise<void> {
    const box = await this.page.locator('.part.sidebar').first().boundingBox();
    if (!box) return;
    const y = box.y + box.height / 2;
    await this.page.mouse.move(box.x + box.width + 1, y);
    await this.page.mouse.down();
    await this.page.mouse.move(box.x + width, y, { steps: 5 });
    await this.page.mouse.up();
  }

  /** Runs a command from the palette by its title (e.g. `sitq: Add Backend…`). */
  async runCommand(title: string): Promise<void> {
    await this.closeQuickInput();
    await this.page.keyboard.press('F1');
    const input = this.quickInput();
    await input.waitFor({ timeout: 30_000 });
    await input.fill(`>${title}`, { timeout: 10_000 });
    const row = this.page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
    await row.waitFor({ timeout: 30_000 });
    await input.press('Enter');
  }

  quickInput(): Locator {
    return this.page.locator('.quick-input-widget:not([style*="display: none"]) .quick-input-box input');
  }

  /** Title, prompt and placeholder of the visible quick input ('' when none is shown). */
  async quickInputText(): Promise<string> {
    // A string, so the page-side code needs no DOM types in this Node project.
    return this.page.evaluate<string>(`(() => {
      const w = [...document.querySelectorAll('.quick-input-widget')].find((e) => e.style.display !== 'none' && e.offsetParent !== null);
      if (!w) return '';
      const title = w.querySelector('.quick-input-title')?.textContent ?? '';
      const message = w.querySelector('.quick-input-message')?.textContent ?? '';
      const placeholder = w.querySelector('input')?.getAttribute('placeholder') ?? '';
      return title + '\\n' + message + '\\n' + placeholder;
    })()`);
  }

  /** Waits for the quick input whose title, prompt or placeholder matches, then answers it:
   *  types `value` (null: keeps what is there) and accepts. `pick` waits for a matching row. */
  async answer(expected: string | RegExp, value: string | null, options: { pick?: boolean } = {}): Promise<void> {
    let text = await this.waitForQuickInput(expected);
    const input = this.quickInput();
    if (value !== null) {
      await input.fill(value);
      if (options.pick)
        await this.page
          .locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: value })
          .first()
          .waitFor({ timeout: 10_000 });
    }
    if (!options.pick) await this.page.waitForTimeout(400);
    text = await this.quickInputText();
    // Pressed on the input itself: the extension checks the answer (in its core) before it
    // takes it, so the next step may take a moment to appear.
    await input.press('Enter');
    for (const end = Date.now() + 30_000; Date.now() < end;) {
      if ((await this.quickInputText()) !== text) return;
      await this.page.waitForTimeout(100);
    }
    const message = await this.page
      .locator('.quick-input-widget .quick-input-message')
      .first()
      .textContent()
      .catch(() => '');
    throw new Error(`the answer ${JSON.stringify(value)} to ${String(expected)} was not accepted${message ? `: ${message}` : ''}`);
  }

  /** Types `value` into the visible input box (not accepting it) and waits until its title, prompt
   *  or message matches `expected` (an as-you-type check or preview); returns that text. */
  async typeAndSee(value: string, expected: RegExp): Promise<string> {
    await this.quickInput().fill(value);
    for (const end = Date.now() + 30_000; ;) {
      const text = await this.quickInputText();
      if (expected.test(text)) return text;
      if (Date.now() > end)
        throw new Error(`typing ${JSON.stringify(value)} showed no ${String(expected)} (showing: ${JSON.stringify(text)})`);
      await this.page.waitForTimeout(100);
    }
  }

  /** The lines the active editor shows, top to bottom (Monaco draws only those in view). */
  async editorText(): Promise<string> {
    return this.page.evaluate<string>(`(() => {
      const editor = document.querySelector('.editor-group-container.active .monaco-editor');
      if (!editor) return '';
      const lines = [...editor.querySelectorAll('.view-lines .view-line')].map((l) => [parseFloat(l.style.top) || 0, l.textContent.replace(/\\u00a0/g, ' ')]);
      return lines.sort((a, b) => a[0] - b[0]).map((l) => l[1]).join('\\n');
    })()`);
  }

  /** Waits until the active editor's text matches; returns it. */
  async waitForEditorText(expected: RegExp, ms = 60_000): Promise<string> {
    for (const end = Date.now() + ms; ;) {
      const text = await this.editorText();
      if (expected.test(text)) return text;
      if (Date.now() > end)
        throw new Error(`the editor shows no ${String(expected)} within ${ms / 1000} s (showing: ${JSON.stringify(text)})`);
      await this.page.waitForTimeout(200);
    }
  }

  /** Waits for the quick input whose title, prompt or placeholder matches; returns that text. */
  async waitForQuickInput(expected: string | RegExp): Promise<string> {
    const matches = (text: string) =>
      typeof expected === 'string' ? text.toLowerCase().includes(expected.toLowerCase()) : expected.test(text);
    const deadline = Date.now() + 30_000;
    let text = await this.quickInputText();
    while (!matches(text)) {
      if (Date.now() > deadline) throw new Error(`no quick input matching ${String(expected)} appeared (showing: ${JSON.stringify(text)})`);
      await this.page.waitForTimeout(100);
      text = await this.quickInputText();
    }
    return text;
  }

  async closeQuickInput(): Promise<void> {
    if (await this.page.locator('.quick-input-widget:not([style*="display: none"])').count()) await this.page.keyboard.press('Escape');
  }

  /** A tree row of a view whose text contains all of `parts`. */
  treeRow(view: string, ...parts: (string | RegExp)[]): Locator {
    let row = this.page.locator(`[id="workbench.view.extension.sitq"] .pane:has(.pane-header[aria-label^="${view}"]) .monaco-list-row`);
    for (const p of parts) row = row.filter({ hasText: p });
    return row.first();
  }

  /** A tree row of a view whose label is exactly `name` (state groups, task names). */
  treeRowNamed(view: string, name: string): Locator {
    // A row's text is its label followed by its description: the label must be all of `name`.
    const label = new RegExp(`^\\s*${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z.-])`);
    return this.page
      .locator(`[id="workbench.view.extension.sitq"] .pane:has(.pane-header[aria-label^="${view}"]) .monaco-list-row`)
      .filter({ hasText: label })
      .first();
  }

  /** Collapses or expands one view of the sitq container (its header), e.g. to give Backends room. */
  async setPaneExpanded(view: string, expanded: boolean): Promise<void> {
    const header = this.page.locator(`[id="workbench.view.extension.sitq"] .pane-header[aria-label^="${view}"]`).first();
    if ((await header.getAttribute('aria-expanded')) !== String(expanded)) await header.click();
  }

  /** Clicks a row's inline action (shown on hover) by its title. */
  async inlineAction(row: Locator, title: string): Promise<void> {
    await row.hover({ timeout: 10_000 });
    await row.locator(`.action-label[aria-label^="${title}"]`).click({ timeout: 10_000 });
  }

  /** The visible confirmation dialog whose text matches. */
  dialog(message: string | RegExp): Locator {
    return this.page.locator('.monaco-dialog-box').filter({ hasText: message }).first();
  }

  /** Right-clicks a row and picks an item of its context menu. */
  async contextMenu(row: Locator, item: string | RegExp): Promise<void> {
    await row.click({ button: 'right' });
    const entry = this.page.getByRole('menuitem', { name: item }).first();
    await entry.waitFor({ timeout: 10_000 });
    // A menu ignores the mouse for a moment after it opened (the right-click's own release).
    await entry.hover();
    await this.page.waitForTimeout(300);
    await entry.click();
  }

  /** Answers the modal dialog whose message matches by pressing `button`. */
  async confirm(message: string | RegExp, button: string): Promise<void> {
    const box = this.dialog(message);
    await box.waitFor({ timeout: 30_000 });
    await box.locator('.monaco-button', { hasText: button }).first().click();
    await box.waitFor({ state: 'hidden', timeout: 10_000 });
  }

  async expand(row: Locator): Promise<void> {
    if ((await row.getAttribute('aria-expanded')) !== 'false') return;
    await row.locator('.monaco-tl-twistie').click();
    for (const end = Date.now() + 30_000; (await row.getAttribute('aria-expanded')) !== 'true';) {
      if (Date.now() > end) throw new Error('the tree row did not expand');
      await this.page.waitForTimeout(100);
    }
  }

  async collapse(row: Locator): Promise<void> {
    if ((await row.getAttribute('aria-expanded')) === 'true') await row.locator('.monaco-tl-twistie').click();
  }

  notification(text: string | RegExp): Locator {
    return this.page.locator('.notifications-toasts .notification-toast, .notification-list-item').filter({ hasText: text }).first();
  }

  async clickNotificationButton(text: string | RegExp, button: string): Promise<void> {
    await this.notification(text).locator('.monaco-button', { hasText: button }).first().click();
  }

  /** The document inside the (single) visible webview. */
  webview(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').first().frameLocator('#active-frame');
  }

  async screenshot(path: string): Promise<void> {
    await this.page.screenshot({ path });
  }
}
