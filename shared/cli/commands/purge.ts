// `sitq purge --older-than MS`: deletes finished tasks past an age.
import type { Command } from 'commander';
import { TaskQueue } from '../../core/queue.js';
import { duration, queueName } from '../args.js';
import { formatMs } from '../format.js';
import type { App } from '../program.js';

export function register(program: Command, app: App): void {
  program
    .command('purge')
    .description('delete finished tasks (succeeded, dead, cancelled) that finished more than --older-than ago')
    .requiredOption(
      '--older-than <ms>',
      'age of the finished tasks to delete: ms, or 30s, 15m, 12h, 7d; 0 deletes every finished task',
      duration(0),
    )
    .option('-q, --queue <queue>', 'only in this queue', queueName)
    .action(
      app.action(async (ctx, flags: { olderThan: number; queue?: string }) => {
        const profile = await ctx.profile();
        const queue = new TaskQueue(await ctx.connect(profile));
        const deleted = await queue.purge({ olderThanMs: flags.olderThan, ...(flags.queue ? { queue: flags.queue } : {}) });
        if (ctx.json) ctx.io.json({ ok: true, deleted, olderThanMs: flags.olderThan, queue: flags.queue ?? null, profile: profile.name });
        else
          ctx.io.out(
            `deleted ${deleted} finished task(s) older than ${formatMs(flags.olderThan)}${flags.queue ? ` in queue ${flags.queue}` : ''}`,
          );
      }),
    );
}
