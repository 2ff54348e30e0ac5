// Runs a command body and turns any failure into a notification that says what to do, with the
// full text in the log (never a stack trace alone in the user's face).
import * as vscode from 'vscode';
import type { Ctx } from '../context.js';
import { explain } from '../explain.js';

export function guarded<A extends unknown[]>(
  ctx: Ctx,
  title: string,
  body: (...args: A) => Promise<unknown> | unknown,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await body(...args);
    } catch (err) {
      reportError(ctx, title, err);
    }
  };
}

export function reportError(ctx: Ctx, title: string, err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  ctx.log.error(`${title}: ${e.name}: ${e.message}`);
  const issues = (e as { issues?: { option: string; expected: string }[] }).issues;
  const text = issues?.length ? issues.map((i) => `${i.option}: expected ${i.expected}`).join('; ') : explain(e.message);
  const actions = /sitq\.nodePath|Node\.js/.test(text) ? ['Choose Node.js', 'Show Log'] : ['Show Log'];
  void vscode.window.showErrorMessage(`${title}: ${text}`, ...actions).then((choice) => {
    if (choice === 'Show Log') ctx.log.show(true);
    if (choice === 'Choose Node.js') void vscode.commands.executeCommand('sitq.selectNode');
  });
}
