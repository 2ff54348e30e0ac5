// The extension's views in a real VS Code (code-server), the way a person meets them: every
// navigation item of the dashboard webview clicked; a calm tree (no change event while nothing
// changes, counted where the extension fires them; the view's progress bar still; a worker row's
// tooltip staying up while another worker works); the core killed and a broken Node chosen, and
// the views saying so instead of showing old health. SQLite plus a Redis on a closed port: no
// server needed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Locator } from 'playwright-core';
import { createBackend } from '../../shared/backends/index.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { freePort } from './code-server.js';
import { codeServerSkipReason } from './harness.js';
import { openVscode, treeEvents, type VscodeSession } from './session.js';

const skip = codeServerSkipReason();

test('the sitq views in a real VS Code (code-server)', { skip, timeout: 10 * 60_000 }, async (t) => {
  const closedPort = await freePort();
  const s = await openVscode(t, {
    name: 'views',
    // Health every second: the tree must stay calm even when checks are frequent.
    settings: { 'sitq.healthInterval': 1000, 'workbench.hover.delay': 300 },
    files: {
      'sitq.config.json': JSON.stringify({
        profiles: {
          local: { type: 'sqlite', path: '.sitq/queue.db' },
          down: { type: 'redis', host: '127.0.0.1', port: closedPort, connectTimeout: 1000 },
        },
      }),
    },
  });
  const { wb } = s;
  const enqueue = async (name: string, payloads: unknown[], queue: string, maxAttempts = 3) => {
    const backend = createBackend({ type: 'sqlite', path: join(s.workspace, '.sitq', 'queue.db') });
    await backend.connect();
    try {
      await new TaskQueue(backend).enqueueMany(name, payloads, { queue, maxAttempts });
    } finally {
      await backend.close();
    }
  };

  await s.step('the profiles show with their health', async () => {
    await wb.openContainer('sitq');
    await wb.widenSideBar(620);
    await wb.treeRow('Backends', 'local', 'healthy').waitFor({ timeout: 90_000 });
    await wb.treeRow('Backends', 'down', 'unhealthy').waitFor({ timeout: 60_000 });
  });

  await s.step('every navigation item of the dashboard webview opens its screen', async () => {
    await wb.runCommand('sitq: Open Dashboard');
    const view = wb.webview();
    await view.locator('[data-testid="nav-profiles"]').waitFor({ timeout: 60_000 });
    for (const route of ['queues', 'enqueue', 'workers', 'health', 'bench', 'ha', 'profiles']) {
      const link = view.locator(`[data-testid="nav-${route}"]`);
      await link.click();
      // The link is marked current only once the UI switched to its screen.
      await view.locator(`[data-testid="nav-${route}"][aria-current="page"]`).waitFor({ timeout: 10_000 });
      assert.equal(await view.locator('nav [aria-current="page"]').count(), 1, `only ${route} is current`);
    }
    await view.locator('[data-testid="nav-workers"]').click();
    await view.locator('[data-testid="nav-workers"][aria-current="page"]').waitFor({ timeout: 10_000 });
    await s.shot('dashboard-workers-screen');
    await wb.runCommand('View: Close All Editors');
  });

  await s.step('tasks worked off by a worker started from the palette', async () => {
    await enqueue('sitq.echo', [{ n: 1 }, { n: 2 }, { n: 3 }], 'default');
    await enqueue('sitq.fail', [{ message: 'boom' }], 'default', 1);
    await wb.runCommand('sitq: Start Worker…');
    await wb.answer('Run a worker on which profile?', 'local', { pick: true });
    await wb.answer('which queues?', 'default');
    await wb.answer('concurrency', '2');
    await wb.answer('which task handlers?', 'Built-in test tasks only', { pick: true });
    await wb.treeRow('Workers', 'local · default', 'running').waitFor({ timeout: 60_000 });
    await wb.expand(wb.treeRow('Backends', 'local'));
    await wb.treeRow('Backends', 'default', '3 done · 1 dead').waitFor({ timeout: 60_000 });
    await wb.expand(wb.treeRow('Backends', 'default', '3 done'));
    await wb.expand(wb.treeRowNamed('Backends', 'succeeded'));
    await wb.treeRowNamed('Backends', 'sitq.echo').waitFor({ timeout: 30_000 });
    // An unreachable profile, expanded: it says why, once.
    await wb.expand(wb.treeRow('Backends', 'down'));
    await wb.treeRow('Backends', 'refused the connection').waitFor({ timeout: 30_000 });
  });

  await s.step('the dashboard reads well in dark and light themes', async () => {
    await wb.runCommand('sitq: Open Dashboard');
    const view = wb.webview();
    await view.locator('[data-testid="nav-queues"]').click();
    // A cell with a rule under it (a table's last row has none).
    const cell = view.locator('.table tbody tr:not(:last-child) td').first();
    await cell.waitFor({ timeout: 60_000 });
    // The colour of the tables' rules (the --sq-grid they draw with), read from a probe element.
    type Probe = {
      createElement(t: string): { style: { borderBottom: string }; remove(): void };
      getComputedStyle(e: unknown): Record<string, string>;
    };
    const gridColour = (body: Locator) =>
      body.evaluate((b) => {
        const w = globalThis as unknown as Probe & { document: Probe };
        const probe = w.document.createElement('div');
        probe.style.borderBottom = '1px solid var(--sq-grid)';
        (b as unknown as { append(e: unknown): void }).append(probe);
        const colour = w.getComputedStyle(probe).borderBottomColor;
        probe.remove();
        return colour;
      });
    // Runs in the page; typed structurally because this Node project has no DOM lib.
    type Styles = { getComputedStyle(e: unknown): Record<string, string> };
    const css = (l: Locator, property: string) => l.evaluate((e, p) => (globalThis as unknown as Styles).getComputedStyle(e)[p], property);
    const look = async () => ({
      brand: await css(view.locator('.brand-name'), 'color'),
      sidebar: await css(view.locator('nav.sidebar'), 'backgroundColor'),
      current: await css(view.locator('nav [aria-current="page"]'), 'color'),
      currentBg: await css(view.locator('nav [aria-current="page"]'), 'backgroundColor'),
      grid: await gridColour(view.locator('body')),
      page: await css(view.locator('body'), 'backgroundColor'),
    });
    // code-server starts in its light theme: the title is dark on the light side bar.
    await view.locator('body.vscode-light').waitFor({ timeout: 30_000 });
    const light = await look();
    t.diagnostic(`light theme: ${JSON.stringify(light)}`);
    assert.ok(contrast(light.brand, light.sidebar) >= 4.5, `the title ${light.brand} on ${light.sidebar} is hard to read`);
    assert.ok(
      contrast(light.current, blend(light.currentBg, light.sidebar)) >= 4.5,
      `the current screen's link ${light.current} on ${light.currentBg} is hard to read`,
    );
    assert.ok(contrast(light.grid, light.page) < 2, `table rules ${light.grid} on ${light.page}`);
    await s.shot('dashboard-light');
    // In a dark theme the table rules are faint, not near-white lines.
    await chooseTheme(s, 'Dark Modern');
    await view.locator('body.vscode-dark').waitFor({ timeout: 30_000 });
    const dark = await look();
    t.diagnostic(`dark theme: ${JSON.stringify(dark)}`);
    assert.ok(contrast(dark.grid, dark.page) < 2, `table rules ${dark.grid} on ${dark.page} stand out like white lines`);
    assert.ok(contrast(dark.brand, dark.sidebar) >= 4.5, `the title ${dark.brand} on ${dark.sidebar} is hard to read`);
    assert.ok(
      contrast(dark.current, blend(dark.currentBg, dark.sidebar)) >= 4.5,
      `the current screen's link ${dark.current} on ${dark.currentBg} is hard to read`,
    );
    await s.shot('dashboard-dark');
    // The rest runs in the dark theme.
    await wb.runCommand('View: Close All Editors');
  });

  await s.step('the status bar item has a spoken label without icon names', async () => {
    const item = wb.page.locator('#workbench\\.parts\\.statusbar .statusbar-item', { hasText: 'sitq' }).first();
    const label = (await item.locator('[aria-label]').first().getAttribute('aria-label')) ?? (await item.getAttribute('aria-label')) ?? '';
    assert.match(label, /^sitq: worst health unhealthy; opens the dashboard$/);
  });

  await s.step('the add-backend flow counts its steps on, leaves the database to the user, and shows no example as a default', async () => {
    await wb.runCommand('sitq: Add Backend…');
    await wb.answer('which backend?', 'PostgreSQL', { pick: true });
    // The name step is step 2 (picking the backend was step 1), not a new "1/…".
    const first = await wb.waitForQuickInput(/PostgreSQL profile \(\d+\/\d+\): name/);
    const total = /PostgreSQL profile \(2\/(\d+)\): name/.exec(first)?.[1];
    assert.ok(total, `the name step is step 2: ${first}`);
    await wb.answer('name', 'pg-check');
    for (const field of ['Host', 'Port']) await wb.answer(new RegExp(`\\(\\d+/${total}\\): ${field}`), null);
    await wb.waitForQuickInput(new RegExp(`\\(5/${total}\\): Database`));
    assert.equal(await wb.quickInput().inputValue(), '', 'no database is filled in for the user');
    await wb.closeQuickInput();
    await wb.runCommand('sitq: Add Backend…');
    await wb.answer('which backend?', 'PostgreSQL', { pick: true });
    await wb.answer('name', 'pg-check');
    for (const field of ['Host', 'Port', 'Database', 'User', 'Password'])
      await wb.answer(new RegExp(`\\): ${field}`), field === 'Database' ? 'app' : null);
    await wb.waitForQuickInput(`(${total}/${total}): save, or set an advanced option`);
    const hosts = wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: /^Hosts/ }).first();
    await hosts.waitFor({ timeout: 10_000 });
    assert.match((await hosts.textContent()) ?? '', /not set/);
    assert.doesNotMatch((await hosts.textContent()) ?? '', /db1:5432/);
    await wb.closeQuickInput();
  });

  await s.step('"Use a Local SQLite File" does not add a second profile for the same file', async () => {
    await wb.runCommand('sitq: Use a Local SQLite File');
    await wb.notification(/The profile "local" already uses the local SQLite file/).waitFor({ timeout: 30_000 });
    assert.doesNotMatch(readFileSync(join(s.workspace, 'sitq.config.json'), 'utf8'), /local2/);
    await wb.runCommand('Notifications: Clear All Notifications');
  });

  await s.step('nothing changes, so the trees send no change event and the progress bar stays still', async () => {
    // Let the last refreshes land, then watch for 20 s: health checks every second, an idle
    // worker reporting its numbers, an expanded profile that is down.
    await wb.page.waitForTimeout(3000);
    const before = treeEvents(s).length;
    let busy = 0;
    let samples = 0;
    for (const end = Date.now() + 20_000; Date.now() < end; samples++) {
      if (await wb.page.locator('[id="workbench.view.extension.sitq"] .monaco-progress-container.active').count()) busy++;
      await wb.page.waitForTimeout(250);
    }
    const during = treeEvents(s).slice(before);
    t.diagnostic(`tree change events while idle for 20 s: ${during.length}; progress bar shown in ${busy} of ${samples} samples`);
    assert.deepEqual(during, [], 'no tree change event while nothing changed');
    assert.ok(busy <= 1, `the progress bar was shown in ${busy} of ${samples} samples`);
  });

  await s.step('a worker row keeps its tooltip up for 3 s while another worker works', async () => {
    await wb.runCommand('sitq: Start Worker…');
    await wb.answer('Run a worker on which profile?', 'local', { pick: true });
    await wb.answer('which queues?', 'busy');
    await wb.answer('concurrency', '2');
    await wb.answer('which task handlers?', 'Built-in test tasks only', { pick: true });
    const busyRow = wb.treeRow('Workers', 'local · busy', 'running');
    await busyRow.waitFor({ timeout: 60_000 });
    await enqueue(
      'sitq.sleep',
      Array.from({ length: 120 }, () => ({ ms: 100 })),
      'busy',
    );
    await wb.treeRow('Workers', 'local · busy', /[1-9]\d* done/).waitFor({ timeout: 60_000 });
    const idle = wb.treeRow('Workers', 'local · default');
    await idle.hover();
    const hover = wb.page
      .locator('.monaco-hover, .workbench-hover')
      .filter({ hasText: /Worker dash-/ })
      .first();
    await hover.waitFor({ state: 'visible', timeout: 10_000 });
    const busyBefore = await busyRow.textContent();
    for (const end = Date.now() + 3000; Date.now() < end;) {
      assert.ok(await hover.isVisible(), 'the tooltip is still up');
      await wb.page.waitForTimeout(100);
    }
    await s.shot('worker-tooltip');
    assert.notEqual(await wb.treeRow('Workers', 'local · busy').textContent(), busyBefore, 'the busy worker row updated meanwhile');
  });

  await s.step('clicking a task opens its whole record, refreshed while it runs', async () => {
    // The worker rows are not needed any more: give Backends the room.
    await wb.setPaneExpanded('Benchmarks', false);
    await wb.treeRowNamed('Backends', 'sitq.echo').click();
    const doc = wb.page.locator('.editor-group-container.active .monaco-editor .view-lines').first();
    // The editor renders spaces as no-break spaces.
    const docText = async () => ((await doc.textContent()) ?? '').replace(/\u00a0/g, ' ');
    await doc.filter({ hasText: '## Payload' }).waitFor({ timeout: 30_000 });
    const text = await docText();
    assert.match(text, /state:\s*\*\*succeeded\*\*/);
    assert.match(text, /"n":\s*\d/);
    assert.match(text, /## Result/);
    await wb.expand(wb.treeRowNamed('Backends', 'dead'));
    await wb.treeRowNamed('Backends', 'sitq.fail').click();
    await doc.filter({ hasText: '## Error' }).waitFor({ timeout: 30_000 });
    assert.match(await docText(), /boom[\s\S]*\bat\b/, 'the error shows its message and stack trace');
    await s.shot('task-document-dead');
    // A task that will run for a while: its open document follows it from pending to succeeded.
    // The rows render only in view: fold what is not needed.
    await wb.collapse(wb.treeRow('Backends', /^\s*default/));
    await wb.collapse(wb.treeRow('Backends', /^\s*down/));
    await wb.setPaneExpanded('Workers', false);
    await enqueue('sitq.sleep', [{ ms: 2500 }], 'slow');
    await wb.expand(wb.treeRow('Backends', /^\s*slow/));
    await wb.expand(wb.treeRowNamed('Backends', 'pending'));
    await wb.treeRowNamed('Backends', 'sitq.sleep').click();
    await doc.filter({ hasText: /state:\s*\*\*pending\*\*/ }).waitFor({ timeout: 30_000 });
    await wb.runCommand('sitq: Start Worker…');
    await wb.answer('Run a worker on which profile?', 'local', { pick: true });
    await wb.answer('which queues?', 'slow');
    await wb.answer('concurrency', '1');
    await wb.answer('which task handlers?', 'Built-in test tasks only', { pick: true });
    await doc.filter({ hasText: /state:\s*\*\*running\*\*/ }).waitFor({ timeout: 30_000 });
    await doc.filter({ hasText: /state:\s*\*\*succeeded\*\*/ }).waitFor({ timeout: 30_000 });
    await wb.runCommand('View: Close All Editors');
  });

  await s.step('several tasks selected are cancelled and requeued at once; a task is enqueued again from its menu', async () => {
    // Only this queue's rows in view: fold the others.
    await wb.collapse(wb.treeRow('Backends', /^\s*slow/));
    await enqueue('sitq.echo', [{ n: 1 }, { n: 2 }, { n: 3 }], 'held');
    const held = wb.treeRow('Backends', /^\s*held/);
    await held.waitFor({ timeout: 30_000 });
    await wb.expand(held);
    const pending = wb.treeRow('Backends', /^\s*pending\s*3/);
    await wb.expand(pending);
    const rows = wb.page
      .locator('[id="workbench.view.extension.sitq"] .pane:has(.pane-header[aria-label^="Backends"]) .monaco-list-row')
      .filter({ hasText: /^\s*sitq\.echo/ });
    await rows.nth(2).waitFor({ timeout: 30_000 });
    await rows.nth(0).click();
    await rows.nth(1).click({ modifiers: ['Control'] });
    await rows.nth(2).click({ modifiers: ['Control'] });
    await wb.contextMenu(rows.nth(2), /^Cancel Task/);
    const dialog = wb.dialog(/Cancel 3 tasks\?/);
    await dialog.waitFor({ timeout: 30_000 });
    const buttons = await dialog.locator('.monaco-button').allTextContents();
    assert.deepEqual(buttons.map((b) => b.trim()).sort(), ['Cancel Tasks', 'Keep Them'], 'the dialog says what each button does');
    await wb.confirm(/Cancel 3 tasks\?/, 'Cancel Tasks');
    await wb.treeRow('Backends', /^\s*held\s*3 cancelled\s*$/).waitFor({ timeout: 30_000 });
    await wb.expand(wb.treeRowNamed('Backends', 'cancelled'));
    await rows.nth(2).waitFor({ timeout: 30_000 });
    await rows.nth(0).click();
    await rows.nth(2).click({ modifiers: ['Shift'] });
    await wb.contextMenu(rows.nth(0), /^Requeue Task/);
    await wb.confirm(/Requeue 3 tasks\?/, 'Requeue');
    await wb.treeRow('Backends', /^\s*held\s*3 pending\s*$/).waitFor({ timeout: 30_000 });
    // Enqueue Again from a task's menu: one more like it in the same queue.
    await wb.expand(wb.treeRow('Backends', /^\s*pending\s*3/));
    await rows.nth(0).waitFor({ timeout: 30_000 });
    await wb.contextMenu(rows.nth(0), /^Enqueue Again/);
    await wb.notification(/Enqueued a copy of \S+: sitq\.echo \(\S+\) into local \/ held/).waitFor({ timeout: 30_000 });
    await wb.treeRow('Backends', /^\s*held\s*4 pending\s*$/).waitFor({ timeout: 30_000 });
    await s.shot('tasks-multi-select');
    await wb.runCommand('Notifications: Clear All Notifications');
  });

  await s.step('a worker row: show its log, stop it, clear the stopped ones', async () => {
    await wb.setPaneExpanded('Workers', true);
    await wb.setPaneExpanded('Benchmarks', true);
    const row = wb.treeRow('Workers', 'local · slow');
    await wb.contextMenu(row, /^Show Worker Log/);
    const doc = wb.page.locator('.editor-group-container.active .monaco-editor .view-lines').first();
    await doc.filter({ hasText: /running;\sknows\ssitq\.echo/ }).waitFor({ timeout: 30_000 });
    await wb.contextMenu(row, /^Stop Worker/);
    await wb.treeRow('Workers', 'local · slow', 'stopped').waitFor({ timeout: 60_000 });
    await wb.contextMenu(wb.treeRow('Workers', 'local · slow', 'stopped'), /^Clear Stopped Workers/);
    await wb.treeRow('Workers', 'local · slow').waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal(await wb.treeRow('Workers', 'local · default').count(), 1, 'running workers stay');
    await wb.runCommand('View: Close All Editors');
  });

  await s.step('the core killed: the views say so instead of showing old health, and Restart brings it back', async () => {
    const pid = corePid(s);
    process.kill(pid, 'SIGKILL');
    await wb.treeRow('Backends', 'The sitq core is not running', /exited/).waitFor({ timeout: 30_000 });
    assert.equal(await wb.treeRow('Backends', /\bhealthy\b/).count(), 0, 'no profile is shown healthy once the core is gone');
    await s.shot('core-killed');
    await wb.runCommand('Notifications: Clear All Notifications');
    await wb.treeRowNamed('Backends', 'Restart Core').click();
    await wb.treeRow('Backends', 'local', 'healthy').waitFor({ timeout: 60_000 });
  });

  await s.step('a broken Node.js chosen for the core: the views say it could not start', async () => {
    await wb.runCommand('sitq: Choose Node.js for the Core…');
    await wb.answer('Node.js for the sitq core', 'Enter a path…', { pick: true });
    await wb.answer('Path of the node executable', '/bin/true');
    const row = wb.treeRow('Backends', 'The sitq core is not running', /exited before it was ready/);
    await row.waitFor({ timeout: 60_000 });
    assert.equal(await wb.treeRow('Backends', /\bhealthy\b/).count(), 0, 'no profile is shown healthy while the core cannot start');
    await s.shot('core-broken-node');
    await wb.runCommand('Notifications: Clear All Notifications');
    await wb.runCommand('sitq: Choose Node.js for the Core…');
    await wb.answer('Node.js for the sitq core', 'node', { pick: true });
    await wb.treeRow('Backends', 'local', 'healthy').waitFor({ timeout: 60_000 });
  });

  await s.step('the dashboard tab comes back after a window reload', async () => {
    await wb.runCommand('sitq: Open Dashboard');
    await wb.webview().locator('[data-testid="nav-profiles"]').waitFor({ timeout: 60_000 });
    const reloaded = wb.page.waitForEvent('load', { timeout: 60_000 });
    await wb.runCommand('Developer: Reload Window');
    await reloaded;
    await wb.page.locator('.tabs-container .tab', { hasText: 'sitq Dashboard' }).waitFor({ timeout: 60_000 });
    await wb.webview().locator('[data-testid="nav-profiles"]').waitFor({ timeout: 90_000 });
    await s.shot('dashboard-restored');
  });
});

/** The pid of this code-server's sitq core process (the server entry under its extensions folder). */
function corePid(s: VscodeSession): number {
  const lines = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n');
  const line = lines.find((l) => l.includes(s.server.extensionsDir) && l.includes('core-main.js'));
  assert.ok(line, 'the sitq core process is running');
  return Number(line.trim().split(/\s+/)[0]);
}

/** Picks a colour theme the way a person does: Preferences: Color Theme, then its name. */
async function chooseTheme(s: VscodeSession, name: string): Promise<void> {
  const { page } = s.wb;
  await s.wb.closeQuickInput();
  await page.keyboard.press('F1');
  await s.wb.quickInput().fill('>Preferences: Color Theme');
  // The row that is exactly this command (not "Browse Color Themes in Marketplace").
  await page
    .locator('.quick-input-widget .monaco-list-row')
    .filter({ hasText: /^\s*Preferences: Color Theme(?![\w ]*Marketplace)/ })
    .first()
    .click();
  const row = page
    .locator('.quick-input-widget .monaco-list-row')
    .filter({ hasText: new RegExp(`^\\s*(Default )?${name}\\b`) })
    .first();
  await row.waitFor({ timeout: 30_000 });
  await row.click();
}

/** WCAG contrast ratio of two CSS colours (rgb()/rgba() or color(srgb …); alpha blended onto `b`). */
function contrast(a: string, b: string): number {
  const bg = parseColor(b);
  const fg = parseColor(a);
  const mixed = fg.map((c, i) => (i < 3 ? c * fg[3] + bg[i] * (1 - fg[3]) : 1));
  const lum = (c: number[]) => {
    const [r, g, bl] = c.map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(mixed), lum(bg)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/** `top` (maybe translucent) laid over the opaque `under`, as an rgb() string. */
function blend(top: string, under: string): string {
  const [t, u] = [parseColor(top), parseColor(under)];
  const [r, g, b] = [0, 1, 2].map((i) => Math.round((t[i] * t[3] + u[i] * (1 - t[3])) * 255));
  return `rgb(${r}, ${g}, ${b})`;
}

function parseColor(css: string): number[] {
  const srgb = /color\(srgb ([\d.]+) ([\d.]+) ([\d.]+)(?: \/ ([\d.]+))?\)/.exec(css);
  if (srgb) return [Number(srgb[1]), Number(srgb[2]), Number(srgb[3]), srgb[4] === undefined ? 1 : Number(srgb[4])];
  const rgb = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(css);
  if (rgb) return [Number(rgb[1]) / 255, Number(rgb[2]) / 255, Number(rgb[3]) / 255, rgb[4] === undefined ? 1 : Number(rgb[4])];
  throw new Error(`cannot read the colour ${css}`);
}
