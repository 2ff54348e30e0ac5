// `sitq metrics --serve HOST:PORT`: a plain HTTP endpoint Prometheus scrapes. GET /metrics answers
// the exposition text (PrometheusMetrics); anything else is 404. It holds no secret and changes
// nothing, so unlike the dashboard it may listen beyond loopback when asked to.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationError } from '../core/errors.js';
import type { PrometheusMetrics } from './prometheus.js';

export interface MetricsServer {
  /** `http://HOST:PORT/metrics`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** `127.0.0.1:9464`, `[::1]:9464`, `:9464` (all interfaces) or `9464` (127.0.0.1). */
export function parseListenAddress(text: string): { host: string; port: number } {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):)?(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65_535)
    throw new ConfigurationError({
      option: '--serve',
      expected: 'HOST:PORT (127.0.0.1:9464), :PORT for every interface, or PORT for 127.0.0.1',
      given: text,
    });
  const host = m[1] === undefined ? '127.0.0.1' : m[1] === '' ? '0.0.0.0' : m[1].replace(/^\[|\]$/g, '');
  return { host, port };
}

export async function serveMetrics(metrics: PrometheusMetrics, listen: { host: string; port: number }): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Not found: Prometheus metrics are at /metrics\n');
      return;
    }
    metrics.metrics().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`reading the metrics failed: ${(err as Error).message}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shown = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return {
    url: `http://${shown}:${port}/metrics`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
