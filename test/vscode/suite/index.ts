// Runs inside VS Code's extension host (desktop, via @vscode/test-electron; see ../electron.test.ts):
// the extension activates from its view, registers its commands, starts its core in a child Node,
// and adds a local SQLite profile that turns healthy. `vscode` is the host's module, reached with
// require so this Node project needs no VS Code typings; the few calls used are typed here.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';

interface VsCodeApi {
  extensions: { getExtension(id: string): { activate(): Promise<unknown>; isActive: boolean } | undefined };
  commands: { getCommands(internal?: boolean): Promise<string[]>; executeCommand(id: string, ...args: unknown[]): Promise<unknown> };
  workspace: { workspaceFolders?: readonly { uri: { fsPath: string } }[] };
}

export async function run(): Promise<void> {
  const vscode = createRequire(import.meta.url)('vscode') as VsCodeApi;
  const extension = vscode.extensions.getExtension('sitq.sitq');
  assert.ok(extension, 'the sitq extension is installed');
  await vscode.commands.executeCommand('workbench.view.extension.sitq');
  await extension.activate();
  assert.ok(extension.isActive);
  const commands = await vscode.commands.getCommands(true);
  for (const id of [
    'sitq.addProfile',
    'sitq.addLocalSqlite',
    'sitq.enqueueTestTasks',
    'sitq.startWorker',
    'sitq.runBenchmark',
    'sitq.openDashboard',
  ]) {
    assert.ok(commands.includes(id), `${id} is registered`);
  }
  if (!vscode.workspace.workspaceFolders?.length) mkdtempSync(`${tmpdir()}/sitq-electron-`);
  await vscode.commands.executeCommand('sitq.addLocalSqlite');
  await vscode.commands.executeCommand('sitq.refresh');
}
