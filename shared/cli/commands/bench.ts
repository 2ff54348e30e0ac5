// `sitq bench`: placeholder until the benchmark harness (shared/bench) is available.
import type { Command } from 'commander';
import { CommandFailed } from '../errors.js';
import type { App } from '../program.js';

export function register(program: Command, app: App): void {
  program
    .command('bench')
    .description('(not built yet: needs the benchmark harness in shared/bench)')
    .action(app.action(async () => {
      throw new CommandFailed('sitq bench is not built yet: it needs the benchmark harness (shared/bench), which is not available in this build');
    }));
}
