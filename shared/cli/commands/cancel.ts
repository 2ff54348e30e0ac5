// `sitq cancel ID`: cancels a waiting or running task (a running one's worker aborts its handler).
import type { Command } from 'commander';
import type { App } from '../program.js';
import { taskAction } from './task-action.js';

export function register(program: Command, app: App): void {
  program
    .command('cancel')
    .description('cancel a task that is pending, delayed or running (its worker aborts a running one within about a second)')
    .argument('<id>', 'task id')
    .action(app.action(async (ctx, id: string) => taskAction(ctx, id, 'cancel', 'cancelled', 'pending, delayed or running')));
}
