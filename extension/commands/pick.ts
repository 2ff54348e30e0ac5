// Small prompts shared by the commands: which profile (from the clicked row or asked for), and
// typed input boxes that validate as the user types.
import * as vscode from 'vscode';
import type { ProfileView } from '../../shared/protocol/models.js';
import type { Ctx } from '../context.js';

/** Anything a command may be invoked on from a tree row. */
export interface HasProfile {
  profile: ProfileView | string;
}

/** Starts the core if needed and waits for the first load of profiles. */
export async function ready(ctx: Ctx): Promise<void> {
  await ctx.core.start();
  if (!ctx.model.loaded) await ctx.model.reload();
}

/** The profile a command acts on: the row's, else the only one, else asked for. */
export async function pickProfile(ctx: Ctx, from?: unknown, placeHolder = 'Which backend profile?'): Promise<string | undefined> {
  const given = (from as HasProfile | undefined)?.profile;
  if (typeof given === 'string') return given;
  if (given && typeof given === 'object' && typeof given.name === 'string') return given.name;
  await ready(ctx);
  const profiles = ctx.model.profiles;
  if (profiles.length === 0) {
    const add = await vscode.window.showInformationMessage(
      'There is no sitq backend profile yet. Add one first.',
      'Add a backend',
      'Use a local SQLite file',
    );
    if (add === 'Add a backend') await vscode.commands.executeCommand('sitq.addProfile');
    if (add === 'Use a local SQLite file') await vscode.commands.executeCommand('sitq.addLocalSqlite');
    return undefined;
  }
  if (profiles.length === 1) return profiles[0].name;
  const picked = await vscode.window.showQuickPick(
    profiles.map((p) => ({ label: p.name, description: `${p.kind} · ${p.address}`, detail: ctx.model.health.get(p.name)?.status })),
    { placeHolder, ignoreFocusOut: true },
  );
  return picked?.label;
}

export async function askNumber(prompt: string, value: number, min: number, max: number): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    prompt,
    value: String(value),
    ignoreFocusOut: true,
    validateInput: (v) => {
      const n = Number(v);
      return Number.isInteger(n) && n >= min && n <= max ? undefined : `Enter a whole number from ${min} to ${max}`;
    },
  });
  return text === undefined ? undefined : Number(text);
}
