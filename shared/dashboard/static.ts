// Serving the built UI (dist/ui) over HTTP with the headers a strict page needs: the UI's CSP
// (shared/host/static.ts) with the dashboard's WebSocket, no framing, no referrer (the token is in
// the URL), no caching, no sniffing.
import { createReadStream } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { contentSecurityPolicy, resolveUiFile } from '../host/static.js';

export function securityHeaders(port: number): Record<string, string> {
  const ws = `ws://127.0.0.1:${port} ws://localhost:${port}`;
  return {
    'Content-Security-Policy': contentSecurityPolicy({ self: "'self'", connect: `'self' ${ws}` }),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

/** Sends `rel` (a path under the UI folder; '' or '/' is index.html). False when there is no such file. */
export function serveStatic(uiDir: string, rel: string, res: ServerResponse, headers: Record<string, string>, headOnly: boolean): boolean {
  const file = resolveUiFile(uiDir, rel);
  if (!file) return false;
  res.writeHead(200, { ...headers, 'Content-Type': file.contentType });
  if (headOnly) res.end();
  else createReadStream(file.path).pipe(res);
  return true;
}
