// The dashboard UI (dist/ui) as every host serves it: which file a request names (never one
// outside the UI folder, whatever the path says: ../, encoded slashes), its content type, and the
// page's Content-Security-Policy. The browser host (shared/dashboard/static.ts), the desktop app's
// app:// scheme (desktop/app-protocol.ts) and the VS Code webview (extension/webview/panel.ts) use
// these; each passes only what differs: where its scripts come from and what the page may connect to.
import { existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

export interface UiFile {
  path: string;
  contentType: string;
}

/**
 * The file under `uiDir` that the URL path `rel` names ('' or '/' is index.html), or undefined
 * when there is none, it is outside the folder, or the path does not decode.
 */
export function resolveUiFile(uiDir: string, rel: string): UiFile | undefined {
  let clean: string;
  try {
    clean = decodeURIComponent(rel).replace(/^\/+/, '') || 'index.html';
  } catch {
    return undefined;
  }
  const base = resolve(uiDir);
  const path = normalize(join(base, clean));
  if (!path.startsWith(base + sep)) return undefined;
  if (!existsSync(path) || !statSync(path).isFile()) return undefined;
  return { path, contentType: TYPES[extname(path)] ?? 'application/octet-stream' };
}

export interface PolicySources {
  /** Where the page's own files come from: `'self'`, or a webview's cspSource. */
  self: string;
  /** Scripts: default `self`; a webview allows only its nonce (`'nonce-…'`). */
  script?: string;
  /** What the page may connect to (fetch, WebSocket). */
  connect: string;
  /** `base-uri`: default `'none'`. */
  base?: string;
  /** False in a <meta> policy, where browsers ignore frame-ancestors. Default true. */
  frameAncestors?: boolean;
}

/** The UI's policy: its own scripts and styles only, no inline code, no eval, no plugins, no forms. */
export function contentSecurityPolicy(sources: PolicySources): string {
  return [
    "default-src 'none'",
    `script-src ${sources.script ?? sources.self}`,
    `style-src ${sources.self}`,
    `img-src ${sources.self} data:`,
    `font-src ${sources.self}`,
    `connect-src ${sources.connect}`,
    `base-uri ${sources.base ?? "'none'"}`,
    "form-action 'none'",
    ...(sources.frameAncestors === false ? [] : ["frame-ancestors 'none'"]),
    "object-src 'none'",
  ].join('; ');
}
