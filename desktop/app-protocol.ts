// What app://sitq/<path> answers: a file of the built UI (dist/ui) with the CSP header, or 404.
// main.ts registers it with protocol.handle; the lookup is a plain function so it is tested here.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { APP_HOST, APP_SCHEME, CONTENT_SECURITY_POLICY } from './window.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
  '.json': 'application/json',
};

export interface AppResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

export function appResponse(uiDir: string, requestUrl: string): AppResponse {
  const headers = { 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' };
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return { status: 400, headers, body: 'bad request' };
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return { status: 404, headers, body: 'not found' };
  let rel: string;
  try {
    rel = decodeURIComponent(url.pathname).replace(/^\/+/, '') || 'index.html';
  } catch {
    return { status: 400, headers, body: 'bad request' };
  }
  const base = resolve(uiDir);
  const path = normalize(join(base, rel));
  if (!path.startsWith(base + sep) || !existsSync(path) || !statSync(path).isFile()) return { status: 404, headers, body: 'not found' };
  return { status: 200, headers: { ...headers, 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream' }, body: readFileSync(path) };
}
