// Producing test tasks and the maintenance actions on tasks: requeue, cancel, purge, each
// confirmed first (as the dashboard does).
import * as vscode from 'vscode';
import { DEFAULT_MAX_ATTEMPTS, parseWholeNumber } from '../../shared/core/rules.js';
import type { Ctx } from '../context.js';
import type { TaskNode } from '../tree/nodes.js';
import { enqueueInputChecks } from './enqueue-input.js';
import { sendEnqueue } from './enqueue.js';
import { pickProfile, ready } from './pick.js';

export async function enqueueTestTasks(ctx: Ctx, from?: unknown): Promise<void> {
  const profile = await pickProfile(ctx, from, 'Enqueue test tasks into which profile?');
  if (!profile) return;
  const tasks = ctx.model.host?.testTasks ?? [];
  const task = await vscode.window.showQuickPick(
    tasks.map((t) => ({ label: t.name, detail: t.description, payload: t.examplePayload })),
    { title: 'Enqueue test tasks (1/3): which task?', ignoreFocusOut: true },
  );
  if (!task) return;
  const count = await vscode.window.showInputBox({ prompt: 'Enqueue test tasks (2/3): how many?', value: '200', ignoreFocusOut: true, validateInput: enqueueInputChecks.count });
  if (count === undefined) return;
  const queue = await vscode.window.showInputBox({
    title: 'Enqueue test tasks (3/3): into which queue?',
    value: (from as { queue?: { queue?: string } } | undefined)?.queue?.queue ?? 'default',
    ignoreFocusOut: true,
    validateInput: enqueueInputChecks.queue,
  });
  if (!queue) return;
  await sendEnqueue(ctx, profile, { name: task.label, payloadJson: task.payload, count: parseWholeNumber(count) ?? 1, queue, priority: 0, delayMs: 0, maxAttempts: DEFAULT_MAX_ATTEMPTS });
}

export async function requeueTask(ctx: Ctx, node: TaskNode): Promise<void> {
  const sure = await vscode.window.showWarningMessage(
    `Requeue ${node.row.name} (${node.row.id})? It becomes pending now with its attempts reset, and a worker runs it again.`,
    { modal: true },
    'Requeue',
  );
  if (sure !== 'Requeue') return;
  const { ok } = await ctx.model.client.request('tasks.requeue', { profile: node.profile, id: node.row.id });
  if (ok) void vscode.window.showInformationMessage(`Requeued ${node.row.name} (${node.row.id}).`);
  else void vscode.window.showWarningMessage(`${node.row.id} was not requeued: only dead or cancelled tasks can be, and it may have changed meanwhile. Refresh to see its state.`);
}

export async function cancelTask(ctx: Ctx, node: TaskNode): Promise<void> {
  const sure = await vscode.window.showWarningMessage(`Cancel ${node.row.name} (${node.row.id})? It will not run; you can requeue it later.`, { modal: true }, 'Cancel Task');
  if (sure !== 'Cancel Task') return;
  const { ok } = await ctx.model.client.request('tasks.cancel', { profile: node.profile, id: node.row.id });
  if (ok) void vscode.window.showInformationMessage(`Cancelled ${node.row.name} (${node.row.id}).`);
  else void vscode.window.showWarningMessage(`${node.row.id} was not cancelled: only pending or delayed tasks can be, and a worker may have taken it.`);
}

export async function purge(ctx: Ctx, from?: unknown): Promise<void> {
  await ready(ctx);
  const profile = await pickProfile(ctx, from, 'Purge finished tasks from which profile?');
  if (!profile) return;
  const queue = (from as { queue?: { queue?: string } } | undefined)?.queue?.queue;
  const age = await vscode.window.showQuickPick(
    [
      { label: 'All finished tasks', ms: 0 },
      { label: 'Finished more than an hour ago', ms: 3_600_000 },
      { label: 'Finished more than a day ago', ms: 86_400_000 },
      { label: 'Finished more than a week ago', ms: 7 * 86_400_000 },
    ],
    { title: `Purge succeeded, dead and cancelled tasks from ${profile}${queue ? ` / ${queue}` : ''}`, ignoreFocusOut: true },
  );
  if (!age) return;
  const sure = await vscode.window.showWarningMessage(`Delete ${age.label.toLowerCase()} from ${profile}${queue ? ` / ${queue}` : ' (every queue)'}? This cannot be undone.`, { modal: true }, 'Purge');
  if (sure !== 'Purge') return;
  const { deleted } = await ctx.model.client.request('tasks.purge', queue ? { profile, queue, olderThanMs: age.ms } : { profile, olderThanMs: age.ms });
  void vscode.window.showInformationMessage(`Purged ${deleted} finished tasks from ${profile}.`);
}
