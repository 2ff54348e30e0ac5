// The VS Code dashboard webview's security: a nonce-based Content-Security-Policy that allows only
// the page's own scripts (each carrying a fresh nonce), nothing fetched from anywhere, resources only
// from the UI folder, and only protocol requests forwarded to the core. The extension's panel module
// is bundled with esbuild against a small stand-in for the `vscode` API (VS Code itself is not
// needed), and the HTML it hands the webview is checked as VS Code would receive it.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const DIR = mkdtempSync(join(tmpdir(), 'sitq-webview-csp-'));
after(() => rmSync(DIR, { recursive: true, force: true }));

/** Just enough of the `vscode` API for DashboardPanel; every panel it creates is recorded. */
const FAKE_VSCODE = `
import { join } from 'node:path';
export class Uri {
  constructor(fsPath) { this.fsPath = fsPath; this.path = fsPath; }
  static file(p) { return new Uri(p); }
  static joinPath(base, ...parts) { return new Uri(join(base.fsPath, ...parts)); }
  toString() { return 'file://' + this.fsPath; }
}
export const ViewColumn = { Active: -1 };
export const created = [];
export const window = {
  createWebviewPanel(viewType, title, column, options) {
    const listeners = { message: [], dispose: [] };
    const webview = {
      cspSource: 'https://fake.vscode-cdn.net',
      html: '',
      posted: [],
      asWebviewUri(uri) { return { toString: () => 'https://fake.vscode-cdn.net' + uri.fsPath }; },
      postMessage(m) { webview.posted.push(m); return Promise.resolve(true); },
      onDidReceiveMessage(cb) { listeners.message.push(cb); return { dispose() {} }; },
    };
    const panel = {
      viewType, title, options, webview, listeners,
      reveal() {},
      dispose() {},
      onDidDispose(cb) { listeners.dispose.push(cb); return { dispose() {} }; },
    };
    created.push(panel);
    return panel;
  },
};
`;

interface FakePanel {
  options: { enableScripts?: boolean; localResourceRoots?: { fsPath: string }[] };
  webview: { html: string; posted: unknown[] };
  listeners: { message: ((m: unknown) => void)[] };
}
interface PanelModule {
  DashboardPanel: { show(core: unknown, uiRoot: unknown, log: unknown, route?: string): { render(route?: string): void; dispose(): void } };
}
interface FakeVscode {
  Uri: { file(p: string): { fsPath: string } };
  created: FakePanel[];
}

let panelModule: PanelModule;
let vscode: FakeVscode;
const sent: unknown[] = [];
const core = { openSession: () => ({ onMessage() {}, send: (m: unknown) => sent.push(m), close() {} }) };
const log = { error() {}, warn() {}, info() {} };

/** The CSP a page declares, as directive → sources. */
function cspOf(html: string): Map<string, string[]> {
  const metas = [...html.matchAll(/<meta[^>]+http-equiv="Content-Security-Policy"[^>]*content="([^"]*)"/gi)];
  assert.equal(metas.length, 1, 'exactly one CSP meta tag (a second one from the page would be merged unpredictably)');
  return new Map(
    metas[0][1]
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name, sources]),
  );
}

describe('VS Code webview: nonce CSP', () => {
  before(async () => {
    const fake = join(DIR, 'vscode.mjs');
    writeFileSync(fake, FAKE_VSCODE);
    const entry = join(DIR, 'entry.mjs');
    // One bundle holding both the panel and the stand-in, so the test sees the panels it creates.
    writeFileSync(
      entry,
      `export * from ${JSON.stringify(join(ROOT, 'extension', 'webview', 'panel.ts'))};\nexport * as vscode from 'vscode';\n`,
    );
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: join(DIR, 'panel.mjs'),
      alias: { vscode: fake },
      logLevel: 'silent',
    });
    const mod = (await import(pathToFileURL(join(DIR, 'panel.mjs')).href)) as PanelModule & { vscode: FakeVscode };
    panelModule = mod;
    vscode = mod.vscode;
  });

  function open(uiDir: string, route?: string): FakePanel {
    const before = vscode.created.length;
    const panel = panelModule.DashboardPanel.show(core, vscode.Uri.file(uiDir), log, route);
    const created = vscode.created[before];
    assert.ok(created, 'a webview panel was created');
    return Object.assign(created, { close: () => panel.dispose() });
  }

  it('allows scripts only by a fresh nonce, every script carries it, nothing else is loaded or fetched', () => {
    // A page with inline and external scripts and a CSP of its own that must not survive.
    const index = `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="script-src *"><link rel="stylesheet" href="app.css"><script src="./app.js"></script></head><body><script>window.x = 1</script><img src="icon.svg"></body></html>`;
    const uiDir = mkdtempSync(join(DIR, 'ui-'));
    writeFileSync(join(uiDir, 'index.html'), index);

    const panel = open(uiDir, 'bench?run=1') as FakePanel & { close(): void };
    const html = panel.webview.html;
    const csp = cspOf(html);
    assert.deepEqual(csp.get('default-src'), ["'none'"]);
    const scriptSrc = csp.get('script-src') ?? [];
    assert.equal(scriptSrc.length, 1, `script-src allows only the nonce: ${scriptSrc.join(' ')}`);
    const nonce = /^'nonce-([A-Za-z0-9+/=]+)'$/.exec(scriptSrc[0])?.[1];
    assert.ok(nonce, `script-src is a nonce: ${scriptSrc[0]}`);
    assert.ok(Buffer.from(nonce, 'base64').length >= 16, 'the nonce has at least 128 random bits');
    for (const directive of ['script-src', 'style-src', 'img-src', 'font-src', 'connect-src', 'base-uri', 'form-action']) {
      const sources = csp.get(directive);
      assert.ok(sources, `${directive} is set`);
      for (const bad of ["'unsafe-inline'", "'unsafe-eval'", '*', 'http:', 'https:'])
        assert.ok(!sources.includes(bad), `${directive} allows ${bad}`);
    }
    assert.deepEqual(csp.get('connect-src'), ["'none'"], 'the page fetches nothing: it talks to the core by postMessage only');
    assert.deepEqual(csp.get('form-action'), ["'none'"]);
    const scripts = [...html.matchAll(/<script\b[^>]*>/gi)].map((m) => m[0]);
    assert.ok(scripts.length >= 3, 'the page, inline and route scripts are all there');
    for (const tag of scripts) assert.ok(tag.includes(`nonce="${nonce}"`), `a script without the nonce: ${tag}`);
    assert.doesNotMatch(html, /script-src \*/, "the page's own CSP was removed");
    assert.match(html, /<script nonce="[^"]+" src="https:\/\/fake\.vscode-cdn\.net[^"]*app\.js"/, 'assets are loaded through webview URIs');
    assert.deepEqual(
      panel.options.localResourceRoots?.map((u) => u.fsPath),
      [uiDir],
      'only the UI folder is readable by the webview',
    );

    // A new render has a new nonce.
    panelModule.DashboardPanel.show(core, vscode.Uri.file(uiDir), log, 'health');
    const again = cspOf(panel.webview.html).get('script-src')?.[0];
    assert.notEqual(again, scriptSrc[0], 'the nonce is fresh on every render');

    // Only protocol requests cross into the core.
    sent.length = 0;
    const deliver = (m: unknown) => panel.listeners.message.forEach((cb) => cb(m));
    deliver({ type: 'request', id: 1, method: 'queues.snapshot', params: {} });
    deliver({ type: 'request', id: 'x', method: 'a', params: {} });
    deliver({ type: 'event', event: 'x', data: 1 });
    deliver('<script>alert(1)</script>');
    deliver({ type: 'request', id: 2, method: 'a', params: [] });
    assert.deepEqual(sent, [{ type: 'request', id: 1, method: 'queues.snapshot', params: {} }]);
    panel.close();
  });

  it(
    'the real built dashboard UI gets the same policy',
    { skip: existsSync(join(ROOT, 'dist', 'ui', 'index.html')) ? false : 'dist/ui is not built (npm run build)' },
    () => {
      const uiDir = join(ROOT, 'dist', 'ui');
      const panel = open(uiDir) as FakePanel & { close(): void };
      const html = panel.webview.html;
      const nonce = /^'nonce-(.+)'$/.exec(cspOf(html).get('script-src')?.[0] ?? '')?.[1];
      assert.ok(nonce);
      const scripts = [...html.matchAll(/<script\b[^>]*>/gi)].map((m) => m[0]);
      assert.ok(scripts.length >= 1);
      for (const tag of scripts) assert.ok(tag.includes(`nonce="${nonce}"`), `a script without the nonce: ${tag}`);
      assert.ok(
        !/\son[a-z]+="/i.test(html.replace(/<script[\s\S]*?<\/script>/gi, '')),
        'inline event handlers would be blocked by the CSP: none in the page',
      );
      panel.close();
    },
  );
});
