// The workspace's task module: the compiled JavaScript file that exports the user's defineTask(...)
// definitions, as `sitq worker --tasks` takes it. Set once in `sitq.taskModule` (relative to the
// workspace folder), or picked from the workspace's files.
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';

/** The `sitq.taskModule` setting as an absolute path, if set. */
export function configuredTaskModule(folder: vscode.WorkspaceFolder): string | undefined {
  const setting = vscode.workspace.getConfiguration('sitq', folder.uri).get<string>('taskModule')?.trim();
  if (!setting) return undefined;
  return isAbsolute(setting) ? setting : join(folder.uri.fsPath, setting);
}

/** A task module from the workspace, `undefined` for the built-in test tasks only, `null` if cancelled. */
export async function pickTaskModule(title: string): Promise<string | undefined | null> {
  const files = await vscode.workspace.findFiles('**/*.{js,mjs,cjs}', '**/{node_modules,dist/test,.git}/**', 200);
  const candidates = files.filter((f) => /task/i.test(f.path));
  const folder = vscode.workspace.workspaceFolders?.[0];
  const configured = folder ? configuredTaskModule(folder) : undefined;
  const items: (vscode.QuickPickItem & { path?: string })[] = [
    ...(configured
      ? [{ label: vscode.workspace.asRelativePath(configured), detail: 'your task module (setting sitq.taskModule)', path: configured }]
      : []),
    { label: 'Built-in test tasks only', detail: 'sitq.echo, sitq.sleep, sitq.fail, sitq.cpu' },
    ...candidates
      .filter((f) => f.fsPath !== configured)
      .map((f) => ({ label: vscode.workspace.asRelativePath(f), detail: 'exports defineTask(...) definitions', path: f.fsPath })),
    { label: 'Browse…', detail: 'Pick a compiled JavaScript module that exports task definitions' },
  ];
  const picked = await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true });
  if (!picked) return null;
  if (picked.label === 'Browse…') {
    const uri = await vscode.window.showOpenDialog({
      canSelectMany: false,
      filters: { 'JavaScript module': ['js', 'mjs', 'cjs'] },
      openLabel: 'Use these tasks',
    });
    return uri?.[0]?.fsPath ?? null;
  }
  return picked.path;
}
