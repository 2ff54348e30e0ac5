// The browser host: the dashboard UI and its WebSocket on 127.0.0.1 only, everything behind a
// per-run token in the URL. Each WebSocket is one session of the shared DashboardService.
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { scrub } from '../config/redact.js';
import type { DashboardService } from '../service/service.js';
import { createGuard, newToken, type Guard } from './guard.js';
import { securityHeaders, serveStatic } from './static.js';

/** dist/ui, next to this module's dist/shared/dashboard. */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../ui/', import.meta.url));

/** Largest message the UI may send (an imported benchmark report is the big one). */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const PING_EVERY_MS = 15_000;

export interface DashboardServerOptions {
  service: DashboardService;
  /** 0 (default) picks a free port. */
  port?: number;
  uiDir?: string;
}

export interface DashboardServer {
  /** `http://127.0.0.1:<port>/<token>/`: the only way in. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export async function serveDashboard(options: DashboardServerOptions): Promise<DashboardServer> {
  const uiDir = options.uiDir ?? DEFAULT_UI_DIR;
  let port = 0;
  const guard = createGuard(newToken(), () => port);
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const server = createServer((req, res) => handleHttp(req, res, guard, uiDir, port, options.service));
  server.on('upgrade', (req, socket, head) => handleUpgrade(req, socket, head, guard, wss, options.service));
  await listen(server, options.port ?? 0);
  port = (server.address() as AddressInfo).port;

  const pinger = setInterval(() => {
    for (const ws of wss.clients) {
      const alive = ws as WebSocket & { sitqAlive?: boolean };
      if (alive.sitqAlive === false) ws.terminate();
      else {
        alive.sitqAlive = false;
        ws.ping();
      }
    }
  }, PING_EVERY_MS);
  pinger.unref();

  return {
    url: `http://127.0.0.1:${port}/${guard.token}/`,
    port,
    token: guard.token,
    async close() {
      clearInterval(pinger);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // Loopback only: the dashboard can enqueue and delete tasks, so nothing else may reach it.
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function refuse(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(`${text}\n`);
}

function handleHttp(req: IncomingMessage, res: ServerResponse, guard: Guard, uiDir: string, port: number, service: DashboardService): void {
  if (!guard.hostAllowed(req)) return refuse(res, 403, 'Forbidden: the dashboard answers only to 127.0.0.1 or localhost.');
  // Prometheus: /<token>/metrics, or /metrics with `Authorization: Bearer <token>`.
  const bearer = new URL(req.url ?? '/', 'http://127.0.0.1').pathname === '/metrics' && guard.bearerAllowed(req);
  const rest = bearer ? '/metrics' : guard.pathAfterToken(req.url ?? '/');
  if (rest === undefined)
    return refuse(res, 403, 'Forbidden: open the dashboard with the URL it printed when it started (it holds a token).');
  if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Method not allowed.');
  if (rest === '/metrics') return void serveMetrics(req, res, service);
  if (rest === '') {
    res.writeHead(302, { Location: `/${guard.token}/`, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
    return void res.end();
  }
  if (!existsSync(join(uiDir, 'index.html'))) {
    return refuse(res, 503, `The dashboard UI is not built (no ${join(uiDir, 'index.html')}); run: node scripts/build-ui.mjs`);
  }
  if (!serveStatic(uiDir, rest, res, securityHeaders(port), req.method === 'HEAD')) refuse(res, 404, 'Not found.');
}

/** The Prometheus text of the profile named by `?profile=` (default: the config's default profile). */
async function serveMetrics(req: IncomingMessage, res: ServerResponse, service: DashboardService): Promise<void> {
  const profile = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('profile') ?? service.defaultProfile();
  if (!profile) return refuse(res, 404, 'No profile: add one to sitq.config.json, or name one with ?profile=NAME.');
  try {
    const { contentType, text } = await service.prometheus(profile);
    res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    res.end(req.method === 'HEAD' ? undefined : text);
  } catch (err) {
    // An unknown profile or a backend that cannot be opened: say so (scrubbed of secrets).
    refuse(res, 503, scrub(`Metrics of profile "${profile}" are not available: ${(err as Error).message}`, await service.secrets()));
  }
}

function handleUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  guard: Guard,
  wss: WebSocketServer,
  service: DashboardService,
): void {
  const rest = guard.pathAfterToken(req.url ?? '/');
  if (!guard.hostAllowed(req) || rest !== '/ws' || !guard.originAllowed(req)) {
    socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => attach(ws, service));
}

function attach(ws: WebSocket, service: DashboardService): void {
  const alive = ws as WebSocket & { sitqAlive?: boolean };
  alive.sitqAlive = true;
  ws.on('pong', () => (alive.sitqAlive = true));
  const session = service.openSession((message) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  });
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.toString());
    } catch {
      return; // not a protocol message; nothing to answer
    }
    session.receive(parsed);
  });
  ws.on('close', () => session.close());
  ws.on('error', () => session.close());
}
