// Every command of the extension, wired to its implementation with the shared error handling.
// Which ones show where is declared in package.json (`when` clauses on the
// palette, the view titles and the row context menus).
import * as vscode from 'vscode';
import type { Ctx } from '../context.js';
import type { LoadMoreNode } from '../tree/nodes.js';
import { cancelBenchmark, openBenchmark, runBenchmark } from './bench.js';
import { addLocalSqlite, addProfile, editProfile, removeProfile, testConnection } from './profiles.js';
import { guarded } from './run.js';
import { debugTask, debugWorker, registerDebugging } from '../debug/debug-task.js';
import { enqueueAgain, enqueueFlow, enqueueSelection, taskFrom } from './enqueue.js';
import { cancelTask, copyTaskId, enqueueTestTasks, openTask, purge, requeueTask } from './tasks.js';
import { clearStoppedWorkers, showWorkerLog, startWorker, stopWorker } from './workers.js';
import { selectNode } from './node.js';
import { pauseSchedule, removeSchedule, resumeSchedule } from './schedules.js';
import { pauseQueue, resumeQueue, setQueueLimits, setRetention } from './queues.js';
import { addSchedule, editSchedule } from './schedule-form.js';

export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  const table: Record<string, [string, (...args: never[]) => unknown]> = {
    'sitq.addProfile': ['Add backend', () => addProfile(ctx)],
    'sitq.addLocalSqlite': ['Use a local SQLite file', () => addLocalSqlite(ctx)],
    'sitq.editProfile': ['Edit profile', (node?: unknown) => editProfile(ctx, node)],
    'sitq.removeProfile': ['Remove profile', (node?: unknown) => removeProfile(ctx, node)],
    'sitq.testConnection': ['Test connection', (node?: unknown) => testConnection(ctx, node)],
    'sitq.enqueueTestTasks': ['Enqueue test tasks', (node?: unknown) => enqueueTestTasks(ctx, node)],
    'sitq.enqueue': ['Enqueue', (node?: unknown) => enqueueFlow(ctx, node)],
    'sitq.enqueueSelection': ['Enqueue the selection', () => enqueueSelection(ctx)],
    'sitq.enqueueAgain': ['Enqueue again', (node?: unknown) => enqueueAgain(ctx, node)],
    'sitq.debugTask': ['Debug task locally', (node?: unknown) => debugTask(ctx, node)],
    'sitq.debugWorker': ['Debug worker', (node?: unknown) => debugWorker(ctx, node)],
    'sitq.startWorker': ['Start worker', (node?: unknown) => startWorker(ctx, node)],
    'sitq.stopWorker': ['Stop worker', (node?: unknown, selection?: unknown) => stopWorker(ctx, node, selection)],
    'sitq.showWorkerLog': ['Show worker log', (node?: unknown) => showWorkerLog(node)],
    'sitq.clearStoppedWorkers': ['Clear stopped workers', () => clearStoppedWorkers(ctx)],
    'sitq.runBenchmark': ['Benchmark', (node?: unknown) => runBenchmark(ctx, node, false)],
    'sitq.runPoolSweep': ['Pool sweep', (node?: unknown) => runBenchmark(ctx, node, true)],
    'sitq.cancelBenchmark': ['Cancel benchmark', (node?: never) => cancelBenchmark(ctx, node)],
    'sitq.openBenchmark': ['Open benchmark', (node?: never) => openBenchmark(ctx, node)],
    'sitq.requeueTask': ['Requeue', (node: unknown, selection?: unknown) => requeueTask(ctx, node, selection)],
    'sitq.cancelTask': ['Cancel task', (node: unknown, selection?: unknown) => cancelTask(ctx, node, selection)],
    'sitq.openTask': ['Open task', (node: unknown) => openTask(node)],
    'sitq.copyTaskId': ['Copy task id', (node: unknown, selection?: unknown) => copyTaskId(node, selection)],
    'sitq.pauseQueue': ['Pause queue', (node?: unknown) => pauseQueue(ctx, node)],
    'sitq.resumeQueue': ['Resume queue', (node?: unknown) => resumeQueue(ctx, node)],
    'sitq.setQueueLimits': ['Set queue limits', (node?: unknown) => setQueueLimits(ctx, node)],
    'sitq.setRetention': ['Set retention', (node?: unknown) => setRetention(ctx, node)],
    'sitq.showTaskLog': [
      'Show task log',
      async (node?: unknown) => {
        const task = await taskFrom(ctx, node, 'Show the log of');
        if (task) await ctx.taskLogs.show(task.profile, task.row.id, task.row.name);
      },
    ],
    'sitq.addSchedule': ['Add schedule', (node?: unknown) => addSchedule(ctx, node)],
    'sitq.editSchedule': ['Edit schedule', (node?: unknown) => editSchedule(ctx, node)],
    'sitq.pauseSchedule': ['Pause schedule', (node?: unknown) => pauseSchedule(ctx, node)],
    'sitq.resumeSchedule': ['Resume schedule', (node?: unknown) => resumeSchedule(ctx, node)],
    'sitq.removeSchedule': ['Remove schedule', (node?: unknown) => removeSchedule(ctx, node)],
    'sitq.purge': ['Purge', (node?: unknown) => purge(ctx, node)],
    'sitq.openDashboard': ['Open dashboard', () => ctx.openDashboard()],
    'sitq.refresh': [
      'Refresh',
      async () => {
        await ctx.core.start();
        await ctx.model.reload();
        ctx.backends.refresh();
      },
    ],
    'sitq.loadMore': ['Load more', (node: LoadMoreNode) => ctx.backends.loadMore(node)],
    'sitq.showLog': ['Show log', () => ctx.log.show(true)],
    'sitq.restartCore': [
      'Restart core',
      async () => {
        const info = await ctx.core.restart();
        void vscode.window.showInformationMessage(`The sitq core restarted on Node ${info.node}.`);
      },
    ],
    'sitq.selectNode': ['Choose Node.js', () => selectNode(ctx)],
    'sitq.openConfig': [
      'Open config',
      async () => {
        await ctx.core.start();
        const path = ctx.model.host?.configPath;
        if (path) await vscode.window.showTextDocument(vscode.Uri.file(path));
      },
    ],
  };
  const commands = Object.entries(table).map(([id, [title, body]]) =>
    vscode.commands.registerCommand(id, guarded(ctx, title, body as (...a: unknown[]) => unknown)),
  );
  return [...commands, ...registerDebugging(ctx)];
}
