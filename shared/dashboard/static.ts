// Serving the built UI (dist/ui) with the headers a strict page needs: a CSP with no inline code
// and no eval, no framing, no referrer (the token is in the URL), no caching, no sniffing.
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
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

export function securityHeaders(port: number): Record<string, string> {
  const ws = `ws://127.0.0.1:${port} ws://localhost:${port}`;
  return {
    'Content-Security-Policy': [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "font-src 'self'",
      `connect-src 'self' ${ws}`,
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
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
  const clean = rel === '' || rel === '/' ? 'index.html' : decodeSafe(rel.replace(/^\/+/, ''));
  if (clean === undefined) return false;
  const base = resolve(uiDir);
  const path = normalize(join(base, clean));
  // Never outside the UI folder, whatever the path says (../, encoded slashes).
  if (!path.startsWith(base + sep)) return false;
  if (!existsSync(path) || !statSync(path).isFile()) return false;
  res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream' });
  if (headOnly) res.end();
  else createReadStream(path).pipe(res);
  return true;
}

function decodeSafe(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
