// `sitq metrics`: the profile's Prometheus metrics, printed once, or served for scraping with
// --serve HOST:PORT until Ctrl-C (see docs/metrics.md).
import type { Command } from 'commander';
import type { App } from '../program.js';
import { onInterrupt } from '../signals.js';

export function register(program: Command, app: App): void {
  program
    .command('metrics')
    .description("print the profile's Prometheus metrics, or serve them at /metrics with --serve HOST:PORT until Ctrl-C")
    .option('--serve <address>', 'listen on HOST:PORT (127.0.0.1:9464; :PORT for every interface) and answer GET /metrics')
    .action(
      app.action(async (ctx, flags: { serve?: string }) => {
        const { io } = ctx;
        const { PrometheusMetrics } = await import('../../metrics/prometheus.js');
        const { parseListenAddress, serveMetrics } = await import('../../metrics/serve.js');
        const listen = flags.serve === undefined ? undefined : parseListenAddress(flags.serve);
        const profile = await ctx.profile();
        // Not connected here: each scrape's health check connects, so a server that is down at
        // start shows as sitq_backend_up 0 instead of ending the exporter.
        const backend = await ctx.backendFor(profile);
        const metrics = new PrometheusMetrics(backend, { profile: profile.name });
        if (!listen) {
          io.out((await metrics.metrics()).trimEnd());
          return 0;
        }
        const server = await serveMetrics(metrics, listen);
        if (ctx.json) io.json({ ok: true, url: server.url, profile: profile.name });
        else io.out(`sitq metrics: ${server.url} (profile ${profile.name}; Ctrl-C stops)`);
        await new Promise<void>((resolve) => onInterrupt(resolve));
        await server.close();
        return 0;
      }),
    );
}
