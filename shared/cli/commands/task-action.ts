// Shared by `sitq requeue` and `sitq cancel`: run the action, and when it is refused say why
// (unknown id, or the state the task is in) and exit 1.
import { TaskQueue } from '../../core/queue.js';
import type { CliContext } from '../context.js';
import { CommandFailed } from '../errors.js';
export async function taskAction(ctx: CliContext, id: string, action: 'requeue' | 'cancel', done: string, allowed: string): Promise<void> {
  const profile = await ctx.profile();
  const queue = new TaskQueue(await ctx.connect(profile));
  const ok = action === 'requeue' ? await queue.requeue(id) : await queue.cancel(id);
  if (!ok) {
    const task = await queue.getTask(id);
    throw new CommandFailed(
      task ? `task ${id} is ${task.state}; only a ${allowed} task can be ${done}` : `no task with id ${id} in profile ${profile.name}`,
    );
  }
  if (ctx.json) ctx.io.json({ ok: true, id, action, profile: profile.name });
  else ctx.io.out(`${done} ${id}`);
}
