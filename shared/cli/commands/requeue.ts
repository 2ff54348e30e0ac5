// `sitq requeue ID`: runs a dead or cancelled task again.
import type { Command } from 'commander';
import type { App } from '../program.js';
import { taskAction } from './task-action.js';

export function register(program: Command, app: App): void {
  program
    .command('requeue')
    .description('run a dead or cancelled task again (attempts start over)')
    .argument('<id>', 'task id (see sitq inspect --state dead)')
    .action(app.action(async (ctx, id: string) => taskAction(ctx, id, 'requeue', 'requeued', 'dead or cancelled')));
}
