// `sitq demo`: the seed's walk-through, for real, on this machine: benchmark every reachable
// profile, show each one's nodes and connection settings (HA), sweep pool sizes, run a few rounds
// of health monitoring, and sum it up. Profiles come from the config (if any) plus the local
// server presets for backends the config has none of, so all four backends are tried; servers
// that do not answer are skipped with the reason, and with SQLite alone it still runs every step.
import type { Command } from 'commander';
import { duration, wholeNumber } from '../args.js';
import type { App } from '../program.js';
import type { DemoFlags } from '../demo-run.js';

export function register(program: Command, app: App): void {
  program
    .command('demo')
    .description('the whole walk-through: benchmark every reachable backend, show HA settings, sweep pool sizes, monitor health, sum up')
    .option('-n, --tasks <n>', 'tasks per benchmark', wholeNumber(10, 1_000_000), 2000)
    .option('--rounds <n>', 'health monitoring rounds', wholeNumber(1, 1000), 5)
    .option('--interval <ms>', 'time between monitoring rounds', duration(10), 1000)
    .option('--tasks-per-cell <n>', 'tasks per pool-sweep cell', wholeNumber(1, 100_000), 200)
    .option('-o, --out <dir>', 'also save the benchmark and sweep results there (JSON, Markdown, CSV)')
    .action(app.action(async (ctx, flags: DemoFlags) => (await import('../demo-run.js')).demo(ctx, flags)));
}
