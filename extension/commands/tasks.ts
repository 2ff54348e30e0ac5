// Producing test tasks and the maintenance actions on tasks: requeue, cancel, purge, each
// confirmed first (as the dashboard does).
import * as vscode from 'vscode';
import { DEFAULT_MAX_ATTEMPTS, parseWholeNumber } from '../../shared/core/rules.js';
import type { Ctx } from '../context.js';
import { TASK_STATES } from '../../shared/core/types.js';
import { taskUri } from '../documents.js';
import { TaskNode } from '../tree/nodes.js';
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
  const count = await vscode.window.showInputBox({
    prompt: 'Enqueue test tasks (2/3): how many?',
    value: '200',
    ignoreFocusOut: true,
    validateInput: enqueueInputChecks.count,
  });
  if (count === undefined) return;
  const queue = await vscode.window.showInputBox({
    title: 'Enqueue test tasks (3/3): into which queue?',
    value: (from as { queue?: { queue?: string } } | undefined)?.queue?.queue ?? 'default',
    ignoreFocusOut: true,
    validateInput: enqueueInputChecks.queue,
  });
  if (!queue) return;
  await sendEnqueue(ctx, profile, {
    name: task.label,
    payloadJson: task.payload,
    count: parseWholeNumber(count) ?? 1,
    queue,
    priority: 0,
    delayMs: 0,
    maxAttempts: DEFAULT_MAX_ATTEMPTS,
  });
}

/** The task rows a command acts on: the selection when the clicked row is part of it (VS Code
 *  passes both with canSelectMany), else the clicked row; only those in `states`. */
function chosenTasks(node: unknown, selection: unknown, states: readonly string[]): TaskNode[] {
  const all = Array.isArray(selection) && selection.includes(node) ? selection : [node];
  return all.filter((n): n is TaskNode => n instanceof TaskNode && states.includes(n.row.state));
}

const REQUEUABLE = ['dead', 'cancelled'] as const;
const CANCELLABLE = ['pending', 'delayed', 'running'] as const;

export async function requeueTask(ctx: Ctx, node: unknown, selection?: unknown): Promise<void> {
  const tasks = chosenTasks(node, selection, REQUEUABLE);
  if (tasks.length === 0) return void vscode.window.showInformationMessage('Only dead or cancelled tasks can be requeued.');
  const one = tasks[0];
  const sure = await vscode.window.showWarningMessage(
    tasks.length === 1
      ? `Requeue ${one.row.name} (${one.row.id})? It becomes pending now with its attempts reset, and a worker runs it again.`
      : `Requeue ${tasks.length} tasks? They become pending now with their attempts reset, and a worker runs them again.`,
    { modal: true },
    'Requeue',
  );
  if (sure !== 'Requeue') return;
  const missed = await each(ctx, tasks, 'tasks.requeue');
  if (missed.length === 0)
    void vscode.window.showInformationMessage(
      tasks.length === 1 ? `Requeued ${one.row.name} (${one.row.id}).` : `Requeued ${tasks.length} tasks.`,
    );
  else
    void vscode.window.showWarningMessage(
      `${missed.join(', ')} ${missed.length === 1 ? 'was' : 'were'} not requeued: only dead or cancelled tasks can be, and ${missed.length === 1 ? 'it' : 'they'} may have changed meanwhile.`,
    );
}

export async function cancelTask(ctx: Ctx, node: unknown, selection?: unknown): Promise<void> {
  const tasks = chosenTasks(node, selection, CANCELLABLE);
  if (tasks.length === 0) return void vscode.window.showInformationMessage('Only pending, delayed or running tasks can be cancelled.');
  const one = tasks[0];
  // Our own "keep" button replaces the dialog's "Cancel", which read like the action itself.
  const doIt: vscode.MessageItem = { title: tasks.length === 1 ? 'Cancel Task' : 'Cancel Tasks' };
  const keep: vscode.MessageItem = { title: tasks.length === 1 ? 'Keep It' : 'Keep Them', isCloseAffordance: true };
  const sure = await vscode.window.showWarningMessage(
    tasks.length === 1
      ? `Cancel ${one.row.name} (${one.row.id})? ${one.row.state === 'running' ? 'Its worker stops its handler within about a second' : 'It will not run'}; you can requeue it later.`
      : `Cancel ${tasks.length} tasks? They will not run (running ones are stopped by their workers within about a second); you can requeue them later.`,
    { modal: true },
    doIt,
    keep,
  );
  if (sure !== doIt) return;
  const missed = await each(ctx, tasks, 'tasks.cancel');
  if (missed.length === 0)
    void vscode.window.showInformationMessage(
      tasks.length === 1 ? `Cancelled ${one.row.name} (${one.row.id}).` : `Cancelled ${tasks.length} tasks.`,
    );
  else
    void vscode.window.showWarningMessage(
      `${missed.join(', ')} ${missed.length === 1 ? 'was' : 'were'} not cancelled: only pending, delayed or running tasks can be, and ${missed.length === 1 ? 'it' : 'they'} may have finished meanwhile.`,
    );
}

/** Runs requeue or cancel on each task; returns the ids it did not apply to. */
async function each(ctx: Ctx, tasks: TaskNode[], method: 'tasks.requeue' | 'tasks.cancel'): Promise<string[]> {
  const missed: string[] = [];
  for (const t of tasks) {
    const { ok } = await ctx.model.client.request(method, { profile: t.profile, id: t.row.id });
    if (!ok) missed.push(t.row.id);
  }
  return missed;
}

export async function openTask(node: unknown): Promise<void> {
  if (!(node instanceof TaskNode)) return;
  await vscode.window.showTextDocument(taskUri(node.profile, node.row.id, node.row.name), { preview: true, preserveFocus: true });
}

export async function copyTaskId(node: unknown, selection?: unknown): Promise<void> {
  const tasks = chosenTasks(node, selection, TASK_STATES);
  if (tasks.length === 0) return;
  await vscode.env.clipboard.writeText(tasks.map((t) => t.row.id).join('\n'));
  vscode.window.setStatusBarMessage(tasks.length === 1 ? `Copied ${tasks[0].row.id}` : `Copied ${tasks.length} task ids`, 3000);
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
  const sure = await vscode.window.showWarningMessage(
    `Delete ${age.label.toLowerCase()} from ${profile}${queue ? ` / ${queue}` : ' (every queue)'}? This cannot be undone.`,
    { modal: true },
    'Purge',
  );
  if (sure !== 'Purge') return;
  const { deleted } = await ctx.model.client.request(
    'tasks.purge',
    queue ? { profile, queue, olderThanMs: age.ms } : { profile, olderThanMs: age.ms },
  );
  void vscode.window.showInformationMessage(`Purged ${deleted} finished tasks from ${profile}.`);
}
