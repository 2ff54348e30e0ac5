// `sitq cancel ID`: cancels a task that has not started.
import type { Command } from 'commander';
import type { App } from '../program.js';
import { taskAction } from './task-action.js';

export function register(program: Command, app: App): void {
  program
    .command('cancel')
    .description('cancel a task that has not started (pending or delayed)')
    .argument('<id>', 'task id')
    .action(app.action(async (ctx, id: string) => taskAction(ctx, id, 'cancel', 'cancelled', 'pending or delayed')));
}
