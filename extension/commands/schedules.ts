// Pause, Resume and Remove on a schedule row of the Backends tree. Remove is confirmed first (it
// cannot be undone); Pause and Resume are each other's undo. The profile's Schedules group is read
// again afterwards, so the row shows what the backend now holds.
import * as vscode from 'vscode';
import type { Ctx } from '../context.js';
import { ScheduleNode } from '../tree/schedules.js';

type ScheduleAction = 'schedules.pause' | 'schedules.resume' | 'schedules.remove';

const DONE: Record<ScheduleAction, string> = { 'schedules.pause': 'Paused', 'schedules.resume': 'Resumed', 'schedules.remove': 'Removed' };

export async function pauseSchedule(ctx: Ctx, node: unknown): Promise<void> {
  await apply(ctx, node, 'schedules.pause');
}

export async function resumeSchedule(ctx: Ctx, node: unknown): Promise<void> {
  await apply(ctx, node, 'schedules.resume');
}

export async function removeSchedule(ctx: Ctx, node: unknown): Promise<void> {
  if (!(node instanceof ScheduleNode)) return;
  const remove: vscode.MessageItem = { title: 'Remove Schedule' };
  const keep: vscode.MessageItem = { title: 'Keep It', isCloseAffordance: true };
  const sure = await vscode.window.showWarningMessage(
    `Remove the schedule ${node.schedule.name} from ${node.profile}? No more ${node.schedule.task} tasks will be enqueued by it; tasks it already enqueued stay.`,
    { modal: true },
    remove,
    keep,
  );
  if (sure !== remove) return;
  await apply(ctx, node, 'schedules.remove');
}

async function apply(ctx: Ctx, node: unknown, method: ScheduleAction): Promise<void> {
  if (!(node instanceof ScheduleNode)) return;
  const { name } = node.schedule;
  const { ok } = await ctx.model.client.request(method, { profile: node.profile, name });
  ctx.backends.refresh(node.parent);
  if (ok) vscode.window.setStatusBarMessage(`${DONE[method]} schedule ${name}`, 3000);
  else void vscode.window.showWarningMessage(`There is no schedule ${name} in ${node.profile} any more: it was removed meanwhile.`);
}
