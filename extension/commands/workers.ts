// Starting and stopping local workers. The worker runs in the core process (on its own thread),
// with the built-in test tasks and, optionally, a task module picked from the workspace.
import * as vscode from 'vscode';
import type { Ctx } from '../context.js';
import { workerUri } from '../documents.js';
import { WorkerNode } from '../tree/workers.js';
import { queueListCheck } from './enqueue-input.js';
import { askNumber, pickProfile } from './pick.js';
import { pickTaskModule } from './task-module.js';

export async function startWorker(ctx: Ctx, from?: unknown): Promise<void> {
  const profile = await pickProfile(ctx, from, 'Run a worker on which profile?');
  if (!profile) return;
  const known =
    ctx.model.queues.get(profile)?.queues.map((q) => q.queue) ?? (await ctx.model.refreshQueues(profile))?.queues.map((q) => q.queue) ?? [];
  const queuesText = await vscode.window.showInputBox({
    title: 'Start a worker (1/3): which queues? (comma-separated)',
    value: known.length ? known.join(', ') : 'default',
    ignoreFocusOut: true,
    validateInput: queueListCheck,
  });
  if (!queuesText) return;
  const concurrency = await askNumber('Start a worker (2/3): how many tasks at once (concurrency)?', 10, 1, 1000);
  if (concurrency === undefined) return;
  const taskModule = await pickTaskModule('Start a worker (3/3): which task handlers?');
  if (taskModule === null) return;
  const queues = queuesText.split(',').map((q) => q.trim());
  const view = await ctx.model.client.request(
    'workers.start',
    taskModule ? { profile, queues, concurrency, taskModule } : { profile, queues, concurrency },
  );
  ctx.log.info(
    `started worker ${view.id} on ${profile} (${queues.join(', ')}, concurrency ${concurrency}${taskModule ? `, tasks ${taskModule}` : ''})`,
  );
  void vscode.commands.executeCommand('sitq.workers.focus');
}

export async function stopWorker(ctx: Ctx, node?: unknown, selection?: unknown): Promise<void> {
  const chosen = (Array.isArray(selection) && selection.includes(node) ? selection : [node]).filter(
    (n): n is WorkerNode => n instanceof WorkerNode && isLive(n.worker.state),
  );
  let ids = chosen.map((n) => n.worker.id);
  if (ids.length === 0) {
    const running = ctx.model.workers.filter((w) => isLive(w.state));
    if (running.length === 0) return void vscode.window.showInformationMessage('No worker started from this window is running.');
    const picked = await vscode.window.showQuickPick(
      running.map((w) => ({ label: w.id, description: `${w.profile} · ${w.queues.join(', ')}` })),
      { placeHolder: 'Stop which worker?' },
    );
    ids = picked ? [picked.label] : [];
  }
  for (const id of ids) {
    const view = await ctx.model.client.request('workers.stop', { id, force: false });
    ctx.log.info(`stopping worker ${id}: ${view.state}`);
  }
}

export async function showWorkerLog(node?: unknown): Promise<void> {
  if (!(node instanceof WorkerNode)) return;
  await vscode.window.showTextDocument(workerUri(node.worker.id), { preview: true, preserveFocus: true });
}

/** Drops stopped and failed workers from the list (their logs go with them). */
export async function clearStoppedWorkers(ctx: Ctx): Promise<void> {
  const { cleared } = await ctx.model.client.request('workers.clear', {});
  if (cleared === 0) vscode.window.setStatusBarMessage('No stopped worker to clear', 3000);
}

function isLive(state: string): boolean {
  return state === 'running' || state === 'starting';
}
