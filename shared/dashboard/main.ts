#!/usr/bin/env node
// `npm run dashboard` / `node dist/shared/dashboard/main.js [--port N] [--config FILE]`: serves the
// dashboard on 127.0.0.1 and prints the one URL (with its token) that opens it.
import { parseArgs } from 'node:util';
import { startDashboard } from './index.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string', short: 'p' }, config: { type: 'string', short: 'c' } },
    allowPositionals: false,
  });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`sitq dashboard: --port expects a whole number from 0 to 65535, got ${JSON.stringify(values.port)}\n`);
    process.exit(2);
  }
  const dashboard = await startDashboard({ port, config: values.config });
  process.stdout.write(
    `sitq dashboard: ${dashboard.url}\n  config: ${dashboard.configPath}\n  (127.0.0.1 only; the URL holds this run's token; Ctrl-C stops)\n`,
  );
  const stop = () => {
    void dashboard.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`sitq dashboard: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
