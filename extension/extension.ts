// The extension's entry: starts the core process lazily (activation happens when a sitq view is
// opened or a sitq command runs) and only once activate() has returned, creates the views,
// commands and status bar, and logs how long activation took (the activation benchmark reads it
// from the log).
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { InitOptions, ProfileSources } from '../shared/host/channel.js';
import { CoreClient, type CoreChild } from '../shared/host/client.js';
import { forkNodeCore } from '../shared/host/node-child.js';
import { Model } from './model.js';
import { registerCommands } from './commands/register.js';
import { reportError } from './commands/run.js';
import type { Ctx } from './context.js';
import { explain } from './explain.js';
import { SCHEME, SitqDocuments } from './documents.js';
import { createStatusBar } from './status.js';
import { LOG_SCHEME, TaskLogDocuments } from './task-log.js';
import { BackendsProvider } from './tree/backends.js';
import { BenchmarksProvider } from './tree/benchmarks.js';
import { WorkersProvider } from './tree/workers.js';
import { DashboardPanel } from './webview/panel.js';

const loadedAt = performance.now();
let core: CoreClient | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('sitq', { log: true });
  const root = context.extensionUri.fsPath;
  void vscode.commands.executeCommand('setContext', 'sitq.state', 'starting');

  core = new CoreClient({
    fork: () => forkCore(root, join(context.globalStorageUri.fsPath, 'compile-cache')),
    init: () => initOptions(context),
    describe: () => `the sitq core (${coreRuntime().label})`,
    log: (level, message) => log[level](message),
    // A reference that is not in VS Code's secret storage is read from the environment, as the CLI does.
    secrets: {
      get: async (key) => (await context.secrets.get(key)) ?? process.env[key],
      set: async (key, value) => context.secrets.store(key, value),
      delete: async (key) => context.secrets.delete(key),
    },
    // User-level profiles: the user's settings, never the workspace's (they hold no secrets either way).
    writeUserProfiles: (profiles) =>
      Promise.resolve(vscode.workspace.getConfiguration('sitq').update('profiles', profiles, vscode.ConfigurationTarget.Global)),
  });
  const model = new Model(core);
  const backends = new BackendsProvider(model);
  const workers = new WorkersProvider(model);
  const benchmarks = new BenchmarksProvider(model);
  const documents = new SitqDocuments(model);
  const taskLogs = new TaskLogDocuments(core, log);
  const ctx: Ctx = {
    extension: context,
    core,
    model,
    log,
    backends,
    taskLogs,
    openDashboard: async (route) => {
      await core?.start();
      DashboardPanel.show(core!, vscode.Uri.joinPath(context.extensionUri, 'dist', 'ui'), log, route);
    },
  };

  const backendsView = vscode.window.createTreeView('sitq.backends', {
    treeDataProvider: backends,
    showCollapseAll: true,
    canSelectMany: true,
  });
  context.subscriptions.push(
    log,
    backends,
    backendsView,
    ...backends.attach(backendsView),
    workers,
    vscode.window.createTreeView('sitq.workers', { treeDataProvider: workers, canSelectMany: true }),
    benchmarks,
    vscode.window.createTreeView('sitq.benchmarks', { treeDataProvider: benchmarks }),
    createStatusBar(model),
    DashboardPanel.serializer(core, vscode.Uri.joinPath(context.extensionUri, 'dist', 'ui'), log),
    documents,
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, documents),
    taskLogs,
    vscode.workspace.registerTextDocumentContentProvider(LOG_SCHEME, taskLogs),
    ...registerCommands(ctx),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('sitq.nodePath') || e.affectsConfiguration('sitq.configPath')) {
        log.info('settings changed: restarting the core');
        void core?.restart().catch((err) => reportError(ctx, 'Restarting the sitq core', err));
      } else if (e.affectsConfiguration('sitq.profiles')) {
        core?.setUserProfiles(vscode.workspace.getConfiguration('sitq').get('profiles'));
      }
    }),
    { dispose: () => model.dispose() },
  );

  // Health changes and worker output go to the log.
  const lastStatus = new Map<string, string>();
  model.on('health', (name) => {
    const h = model.health.get(name);
    if (!h || lastStatus.get(name) === h.status) return;
    lastStatus.set(name, h.status);
    const line = `health ${name}: ${h.status}${h.latencyMs !== undefined ? ` (${h.latencyMs} ms)` : ''}${h.error ? ` — ${explain(h.error, model.profile(name)?.kind)}` : ''}`;
    if (h.status === 'healthy') log.info(line);
    else log.warn(line);
  });
  model.on('log', (source, lines) => {
    for (const l of lines) log[l.level === 'debug' ? 'debug' : l.level](`[${source}] ${l.message}`);
  });
  model.on('profiles', () => void vscode.commands.executeCommand('setContext', 'sitq.hasProfiles', model.profiles.length > 0));

  // User-level profiles: say once which ones a project profile hides, and which entries are unusable.
  const told = new Set<string>();
  core.on('sources', (sources: ProfileSources) => {
    backends.refresh();
    for (const problem of sources.problems) log.warn(`sitq.profiles setting: ${problem}`);
    for (const name of sources.shadowed) {
      if (told.has(name)) continue;
      told.add(name);
      const line = `The profile "${name}" is in both sitq.config.json and your user settings (sitq.profiles): the project's file wins, the user-level one is not used.`;
      log.warn(line);
      void vscode.window.showWarningMessage(line);
    }
  });
  core.on('ready', () => void vscode.commands.executeCommand('setContext', 'sitq.state', 'ready'));
  core.on('crashed', (why: string) => {
    void vscode.commands.executeCommand('setContext', 'sitq.state', 'failed');
    log.error(why);
    void vscode.window.showErrorMessage(`${why}. Restart it to go on; the log has the details.`, 'Restart', 'Show Log').then((c) => {
      if (c === 'Restart') void vscode.commands.executeCommand('sitq.restartCore');
      if (c === 'Show Log') log.show(true);
    });
  });
  // The core process is spawned after activate() returned (the sessions opened above ask for it
  // on the next turn too): the editor waits for activate() before it asks the views for their
  // rows, and spawning a process — a fork of the extension host — is the slowest thing here.
  setImmediate(() => {
    core?.start().then(
      (info) => {
        if (!info.sqlite.ok) log.warn(info.sqlite.error ?? 'SQLite is unavailable');
      },
      (err: Error) => {
        void vscode.commands.executeCommand('setContext', 'sitq.state', 'failed');
        reportError(ctx, 'Starting the sitq core', err);
      },
    );
  });
  const ms = performance.now() - started;
  log.info(`activated in ${ms.toFixed(1)} ms (module load ${(started - loadedAt).toFixed(1)} ms)`);
}

export async function deactivate(): Promise<void> {
  await core?.stop();
}

function initOptions(context: vscode.ExtensionContext): InitOptions {
  const settings = vscode.workspace.getConfiguration('sitq');
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const configured = settings.get<string>('configPath')?.trim();
  const base = folder ?? context.globalStorageUri.fsPath;
  const configPath = configured
    ? configured.startsWith('/') || /^[A-Za-z]:[\\/]/.test(configured)
      ? configured
      : join(base, configured)
    : join(base, 'sitq.config.json');
  const storage = (context.storageUri ?? context.globalStorageUri).fsPath;
  return {
    host: 'vscode',
    configPath,
    benchDir: join(storage, 'bench'),
    version: String((context.extension.packageJSON as { version?: string }).version ?? '0.0.0'),
    secretStore: { label: 'VS Code SecretStorage', secure: true, writable: true },
    healthIntervalMs: Math.max(1000, settings.get<number>('healthInterval') ?? 5000),
    userProfiles: { label: 'VS Code user settings', profiles: settings.get('profiles') },
  };
}

/** What runs the core: VS Code's own runtime (as language servers run), or the `sitq.nodePath` override. */
function coreRuntime(): { command: string; label: string; env: NodeJS.ProcessEnv } {
  const nodePath = vscode.workspace.getConfiguration('sitq').get<string>('nodePath')?.trim();
  // A Node of the user's finds better-sqlite3 in the workspace (its `npm install sitq`), built for that Node.
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const nodeModules = folder ? join(folder, 'node_modules') : undefined;
  if (nodePath)
    return {
      command: nodePath,
      label: `Node.js "${nodePath}" from sitq.nodePath`,
      env: { ELECTRON_RUN_AS_NODE: undefined, NODE_PATH: nodeModules },
    };
  return { command: process.execPath, label: `VS Code's runtime, Node ${process.version}`, env: { ELECTRON_RUN_AS_NODE: '1' } };
}

function forkCore(root: string, compileCacheDir: string): CoreChild {
  const runtime = coreRuntime();
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return forkNodeCore({
    command: runtime.command,
    main: join(root, 'dist', 'core', 'host', 'core-main.js'),
    cwd: folder ?? root,
    env: { ...process.env, ...runtime.env },
    compileCacheDir,
    problem: (reason) =>
      `${runtime.label} could not start the sitq core (${reason}). Clear the "sitq.nodePath" setting to use VS Code's own runtime, or point it at a Node.js 20 or newer.`,
  });
}
