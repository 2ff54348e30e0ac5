// `sitq dashboard`: the browser dashboard on 127.0.0.1, behind a per-run token in the URL it prints.
import type { Command } from 'commander';
import { wholeNumber } from '../args.js';
import type { App } from '../program.js';
import { onInterrupt } from '../signals.js';

export function register(program: Command, app: App): void {
  program
    .command('dashboard')
    .description("serve the dashboard on 127.0.0.1 and print the URL (with this run's token) that opens it; Ctrl-C stops")
    .option('--port <n>', 'TCP port on 127.0.0.1 (default: a free one)', wholeNumber(0, 65_535), 0)
    .action(
      app.action(async (ctx, flags: { port: number }) => {
        const { io } = ctx;
        const { startDashboard } = await import('../../dashboard/index.js');
        const dashboard = await startDashboard({ port: flags.port, config: ctx.options.config });
        if (ctx.json) io.json({ ok: true, url: dashboard.url, config: dashboard.configPath });
        else {
          io.out(`sitq dashboard: ${dashboard.url}`);
          io.out(io.colors.dim(`  config: ${dashboard.configPath}\n  (127.0.0.1 only; the URL holds this run's token; Ctrl-C stops)`));
        }
        await new Promise<void>((resolve) => onInterrupt(resolve));
        await dashboard.close();
        return 0;
      }),
    );
}
