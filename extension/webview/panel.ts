// The dashboard in a webview: the shared UI (ui/, built to dist/ui) with a nonce-based CSP, wired
// to its own session of the core, so it speaks the same typed protocol as the browser and
// desktop hosts. The webview's postMessage carries the protocol's envelopes unchanged.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { contentSecurityPolicy } from '../../shared/host/static.js';
import { isRequestMessage } from '../../shared/protocol/messages.js';
import type { CoreClient, CoreSession } from '../../shared/host/client.js';

const VIEW_TYPE = 'sitq.dashboard';

export class DashboardPanel implements vscode.Disposable {
  private static current: DashboardPanel | undefined;
  private readonly session: CoreSession;
  private readonly disposables: vscode.Disposable[] = [];

  /** Opens the dashboard (or reveals the open one) on `route` (e.g. `bench?run=<id>`). */
  static show(core: CoreClient, uiRoot: vscode.Uri, log: vscode.LogOutputChannel, route?: string): DashboardPanel {
    const existing = DashboardPanel.current;
    if (existing) {
      if (route) existing.render(route);
      existing.panel.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'sitq Dashboard', vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [uiRoot],
    });
    return DashboardPanel.adopt(panel, core, uiRoot, log, route);
  }

  /** Restores the dashboard tab VS Code kept across a window reload (it asks the serializer
   *  registered for the view type, which activates the extension). */
  static serializer(core: CoreClient, uiRoot: vscode.Uri, log: vscode.LogOutputChannel): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      deserializeWebviewPanel: async (panel) => {
        panel.webview.options = { enableScripts: true, localResourceRoots: [uiRoot] };
        DashboardPanel.current?.dispose();
        DashboardPanel.adopt(panel, core, uiRoot, log);
      },
    });
  }

  private static adopt(
    panel: vscode.WebviewPanel,
    core: CoreClient,
    uiRoot: vscode.Uri,
    log: vscode.LogOutputChannel,
    route?: string,
  ): DashboardPanel {
    panel.iconPath = vscode.Uri.joinPath(uiRoot, '..', '..', 'media', 'sitq.svg');
    DashboardPanel.current = new DashboardPanel(panel, core, uiRoot, log, route);
    return DashboardPanel.current;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    core: CoreClient,
    private readonly uiRoot: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    route?: string,
  ) {
    this.session = core.openSession();
    this.session.onMessage((m) => void panel.webview.postMessage(m));
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => {
        // Only protocol requests cross into the core; the session checks their params.
        if (!isRequestMessage(m)) return;
        try {
          this.session.send(m);
        } catch (err) {
          void panel.webview.postMessage({
            type: 'response',
            id: m.id,
            ok: false,
            error: { name: 'BridgeError', message: (err as Error).message },
          });
        }
      }),
      panel.onDidDispose(() => this.dispose()),
    );
    this.render(route);
  }

  /** (Re)loads the UI page; a route moves it to that screen. */
  render(route?: string): void {
    this.panel.webview.html = this.html(route);
  }

  dispose(): void {
    if (DashboardPanel.current === this) DashboardPanel.current = undefined;
    this.session.close();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }

  private html(route?: string): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const indexPath = vscode.Uri.joinPath(this.uiRoot, 'index.html').fsPath;
    let index: string;
    try {
      index = readFileSync(indexPath, 'utf8');
    } catch {
      this.log.error(`the dashboard UI is missing (${indexPath}); the extension package is incomplete`);
      return `<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src 'none'"><body><p>The sitq dashboard UI is missing from this installation (${escapeHtml(indexPath)}). Reinstall the extension.</p></body>`;
    }
    // The UI's policy (shared/host/static.ts) with scripts by nonce only and no network: the page
    // talks to the core by postMessage. It refers to its own files relatively (icon.svg,
    // backends/*.svg): <base> points there. frame-ancestors is ignored in a <meta> policy.
    const csp = contentSecurityPolicy({
      self: webview.cspSource,
      script: `'nonce-${nonce}'`,
      connect: "'none'",
      base: webview.cspSource,
      frameAncestors: false,
    });
    // Relative asset URLs become webview URIs; every script gets the nonce; the CSP goes first.
    const asUri = (rel: string) => webview.asWebviewUri(vscode.Uri.joinPath(this.uiRoot, rel.replace(/^\.?\//, ''))).toString();
    let html = index
      .replace(/<meta[^>]+Content-Security-Policy[^>]*>/gi, '')
      .replace(
        /(<(?:script|link|img)\b[^>]*?\s(?:src|href)=")(?!https?:|data:|#)([^"]+)"/gi,
        (_m, head: string, rel: string) => `${head}${asUri(rel)}"`,
      )
      .replace(/<script\b/gi, `<script nonce="${nonce}"`);
    const base = `${webview.asWebviewUri(this.uiRoot).toString().replace(/\/?$/, '/')}`;
    const head =
      `<meta http-equiv="Content-Security-Policy" content="${csp}"><base href="${base}">` +
      (route ? `<script nonce="${nonce}">location.hash = ${JSON.stringify(`#/${route}`)};</script>` : '');
    html = /<head[^>]*>/i.test(html) ? html.replace(/<head[^>]*>/i, (h) => `${h}${head}`) : `${head}${html}`;
    return html;
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}
