// Debugging with VS Code's own Node debugger (js-debug, debug type `node`):
// - Debug Task Locally: runs one task's handler from the workspace's task module with the task's
//   stored payload, under the debugger (the runner run-task.ts is shipped with the extension);
// - Debug Worker / the "sitq: Debug Worker" launch configuration: `sitq worker --profile P
//   --tasks M` from the workspace's own sitq, under the debugger.
// The task module is the `sitq.taskModule` setting (relative to the workspace folder), else asked
// for once with an offer to remember it.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from '../context.js';
import { storedPayloadJson, taskFrom } from '../commands/enqueue.js';
import { pickProfile, ready } from '../commands/pick.js';
import { configuredTaskModule, pickTaskModule } from '../commands/task-module.js';
import type { DebugTaskFile } from './run-task.js';

/** Names of the debug sessions this extension starts (the tracker below watches only these). */
export const DEBUG_SESSION_PREFIX = 'sitq: ';
const WORKER_CONFIG_NAME = 'sitq: Debug Worker';

function workspaceFolder(): vscode.WorkspaceFolder {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('open the folder of your project first: debugging runs your task module from it');
  return folder;
}

/** The task module to debug with: the setting, else asked for (and offered to be remembered);
 *  `-` for the built-in test tasks only; undefined when cancelled. */
async function taskModuleFor(folder: vscode.WorkspaceFolder, taskName: string): Promise<string | undefined> {
  const configured = configuredTaskModule(folder);
  if (configured) {
    if (!existsSync(configured))
      throw new Error(`the task module ${configured} (setting sitq.taskModule) does not exist: build it, or change the setting`);
    return configured;
  }
  const picked = await pickTaskModule(`Debug ${taskName}: which module exports its handler? (setting sitq.taskModule)`);
  if (picked === null) return undefined;
  if (picked === undefined) return '-';
  const remember = await vscode.window.showInformationMessage(
    `Use ${vscode.workspace.asRelativePath(picked)} for debugging from now on (workspace setting sitq.taskModule)?`,
    'Remember',
    'Just this time',
  );
  if (remember === 'Remember')
    await vscode.workspace
      .getConfiguration('sitq', folder.uri)
      .update('taskModule', vscode.workspace.asRelativePath(picked, false), vscode.ConfigurationTarget.Workspace);
  return picked;
}

/** The Node the debugger launches: `sitq.nodePath` when set, else `node` from PATH (js-debug's default). */
function runtimeExecutable(): { runtimeExecutable?: string } {
  const nodePath = vscode.workspace.getConfiguration('sitq').get<string>('nodePath')?.trim();
  return nodePath && nodePath !== 'node' ? { runtimeExecutable: nodePath } : {};
}

export async function debugTask(ctx: Ctx, from: unknown): Promise<void> {
  const folder = workspaceFolder();
  const node = await taskFrom(ctx, from, 'Debug');
  if (!node) return;
  const detail = await ctx.model.client.request('tasks.get', { profile: node.profile, id: node.row.id });
  if (!detail)
    return void vscode.window.showWarningMessage(
      `${node.row.name} (${node.row.id}) is no longer in ${node.profile}: it may have been purged.`,
    );
  const payloadJson = storedPayloadJson(detail);
  const modulePath = await taskModuleFor(folder, detail.name);
  if (modulePath === undefined) return;
  const task: DebugTaskFile = {
    taskId: detail.id,
    name: detail.name,
    queue: detail.queue,
    payload: JSON.parse(payloadJson) as unknown,
    // The run stands for the next attempt, as a requeue would make it.
    attempt: Math.min(detail.attempts + 1, detail.maxAttempts),
    maxAttempts: detail.maxAttempts,
  };
  const dir = join((ctx.extension.storageUri ?? ctx.extension.globalStorageUri).fsPath, 'debug');
  await mkdir(dir, { recursive: true });
  const taskFile = join(dir, `${detail.id.replace(/[^A-Za-z0-9_-]/g, '_')}.json`);
  await writeFile(taskFile, JSON.stringify(task, null, 2));
  const runner = ctx.extension.asAbsolutePath('dist/extension/debug/run-task.js');
  const config: vscode.DebugConfiguration = {
    type: 'node',
    request: 'launch',
    name: `${DEBUG_SESSION_PREFIX}${detail.name} (${detail.id})`,
    program: runner,
    args: [modulePath, taskFile],
    cwd: folder.uri.fsPath,
    console: 'internalConsole',
    // Step from the runner straight into the user's handler.
    skipFiles: ['<node_internals>/**', runner],
    ...runtimeExecutable(),
  };
  ctx.log.info(
    `debugging ${detail.name} (${detail.id}) from ${modulePath === '-' ? 'the built-in test tasks' : modulePath} with its stored payload`,
  );
  const started = await vscode.debug.startDebugging(folder, config);
  if (!started) throw new Error('VS Code did not start the Node debugger (is the built-in JavaScript Debugger extension disabled?)');
}

/** `sitq worker` of the workspace's own sitq package (node_modules/sitq), as a program path. */
function workspaceCli(folder: vscode.WorkspaceFolder): string {
  try {
    const manifest = createRequire(join(folder.uri.fsPath, 'package.json')).resolve('sitq/package.json');
    const bin = (JSON.parse(readFileSync(manifest, 'utf8')) as { bin?: string | Record<string, string> }).bin;
    const rel = typeof bin === 'string' ? bin : bin?.sitq;
    if (rel) return resolve(dirname(manifest), rel);
  } catch {
    // not installed: said below
  }
  throw new Error('Debug Worker runs the sitq CLI of your project, which is not installed: run `npm install sitq` in the workspace folder');
}

export function workerDebugConfig(
  folder: vscode.WorkspaceFolder,
  profile: string,
  modulePath: string | undefined,
): vscode.DebugConfiguration {
  return {
    type: 'node',
    request: 'launch',
    name: `${WORKER_CONFIG_NAME} (${profile})`,
    program: workspaceCli(folder),
    args: ['worker', '--profile', profile, ...(modulePath ? ['--tasks', modulePath] : [])],
    cwd: folder.uri.fsPath,
    console: 'integratedTerminal',
    skipFiles: ['<node_internals>/**'],
    ...runtimeExecutable(),
  };
}

export async function debugWorker(ctx: Ctx, from?: unknown): Promise<void> {
  const folder = workspaceFolder();
  const profile = await pickProfile(ctx, from, 'Debug a worker on which profile?');
  if (!profile) return;
  const configured = configuredTaskModule(folder);
  const picked = configured ?? (await pickTaskModule(`Debug a worker on ${profile}: which task handlers? (setting sitq.taskModule)`));
  if (picked === null) return;
  const config = workerDebugConfig(folder, profile, picked);
  ctx.log.info(`debugging a worker on ${profile}: ${config.program} ${(config.args as string[]).join(' ')}`);
  if (!(await vscode.debug.startDebugging(folder, config))) throw new Error('VS Code did not start the Node debugger');
}

/** "sitq: Debug Worker" in Run and Debug (one per profile) and in a new launch.json; and a log
 *  line each time one of our debug sessions pauses, with where (its first stack frame). */
export function registerDebugging(ctx: Ctx): vscode.Disposable[] {
  const provider: vscode.DebugConfigurationProvider = {
    provideDebugConfigurations: async (folder) => {
      const target = folder ?? vscode.workspace.workspaceFolders?.[0];
      if (!target) return [];
      await ready(ctx);
      try {
        return ctx.model.profiles.map((p) => workerDebugConfig(target, p.name, configuredTaskModule(target)));
      } catch (err) {
        ctx.log.info(`no sitq: Debug Worker configuration: ${(err as Error).message}`);
        return [];
      }
    },
  };
  const tracker: vscode.DebugAdapterTrackerFactory = {
    createDebugAdapterTracker: (session) => {
      const own = ownSession(session);
      if (!own) return undefined;
      let paused: string | undefined;
      return {
        onDidSendMessage: (m: {
          type?: string;
          event?: string;
          command?: string;
          body?: { reason?: string; stackFrames?: { source?: { path?: string }; line?: number }[] };
        }) => {
          if (m.type === 'event' && m.event === 'stopped') paused = m.body?.reason ?? 'paused';
          if (paused && m.type === 'response' && m.command === 'stackTrace') {
            const top = m.body?.stackFrames?.[0];
            ctx.log.info(`debug session "${own.name}" paused (${paused}) at ${top?.source?.path ?? '?'}:${top?.line ?? '?'}`);
            paused = undefined;
          }
        },
      };
    },
  };
  return [
    vscode.debug.registerDebugConfigurationProvider('node', provider, vscode.DebugConfigurationProviderTriggerKind.Dynamic),
    vscode.debug.registerDebugConfigurationProvider('node', provider, vscode.DebugConfigurationProviderTriggerKind.Initial),
    vscode.debug.registerDebugAdapterTrackerFactory('*', tracker),
  ];
}

/** The session we started that `session` is, or is a child of (js-debug runs the program in a
 *  child session of the one launched). */
function ownSession(session: vscode.DebugSession | undefined): vscode.DebugSession | undefined {
  for (let s = session; s; s = s.parentSession) if (s.name.startsWith(DEBUG_SESSION_PREFIX)) return s;
  return undefined;
}
