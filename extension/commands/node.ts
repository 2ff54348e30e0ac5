// Choosing what runs the core: VS Code's own runtime (the default, nothing to install) or a
// Node.js the user names (setting sitq.nodePath, user level only: a workspace must not be able to
// name a program for the editor to start).
import { accessSync, constants, statSync } from 'node:fs';
import * as vscode from 'vscode';
import type { Ctx } from '../context.js';

export async function selectNode(ctx: Ctx): Promise<void> {
  const current = vscode.workspace.getConfiguration('sitq').get<string>('nodePath')?.trim() ?? '';
  const running = ctx.core.info ? `running Node ${ctx.core.info.node}` : 'not running';
  const picked = await vscode.window.showQuickPick(
    [
      { label: "VS Code's runtime", description: `the default: Node ${process.version}, built into the editor`, value: ' ' },
      { label: 'node', description: 'the first node on PATH', value: 'node' },
      { label: 'Enter a path…', description: 'a node executable, e.g. from nvm or Volta', value: '' },
    ],
    { title: `Node.js for the sitq core (now: ${current || "VS Code's runtime"}, ${running})`, ignoreFocusOut: true },
  );
  if (!picked) return;
  let value = picked.value;
  if (!value) {
    const typed = await vscode.window.showInputBox({
      title: 'Path of the node executable',
      value: current === 'node' ? '' : current,
      ignoreFocusOut: true,
      validateInput: (v) => {
        try {
          if (!statSync(v.trim()).isFile()) return 'Not a file';
          accessSync(v.trim(), constants.X_OK);
          return undefined;
        } catch {
          return 'No executable file at this path';
        }
      },
    });
    if (!typed) return;
    value = typed.trim();
  }
  // Changing the setting restarts the core (extension.ts listens for it).
  const setting = value.trim();
  await vscode.workspace.getConfiguration('sitq').update('nodePath', setting || undefined, vscode.ConfigurationTarget.Global);
  if (setting === current) await ctx.core.restart();
}
