// What app://sitq/<path> answers: a file of the built UI (dist/ui, found by shared/host/static.ts)
// with the CSP header, or 404. main.ts registers it with protocol.handle; the lookup is a plain
// function so it is tested here.
import { readFileSync } from 'node:fs';
import { resolveUiFile } from '../shared/host/static.js';
import { APP_HOST, APP_SCHEME, CONTENT_SECURITY_POLICY } from './window.js';

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
  const file = resolveUiFile(uiDir, url.pathname);
  if (!file) return { status: 404, headers, body: 'not found' };
  return { status: 200, headers: { ...headers, 'Content-Type': file.contentType }, body: readFileSync(file.path) };
}
