// Adding, editing, removing and testing profiles. The guided flow asks one field per step and
// checks each answer with the same rules as the CLI (`profiles.validate` runs the backend's own
// option schema in the core), so a bad port is refused at the step that asks for it. Secret
// fields go to SecretStorage through the core; the config file only gets `${NAME}` references.
// A new profile is saved either in the project's sitq.config.json (shared with the CLI) or in the
// user's settings (`sitq.profiles`, every workspace); an edit stays where the profile lives.
import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import * as vscode from 'vscode';
import { BACKEND_DESCRIPTORS, DEFAULT_BACKEND_KIND, descriptorOf } from '../../shared/backends/descriptors.js';
import { BACKEND_FIELDS, BACKEND_LABELS, type FieldSpec } from '../../shared/protocol/fields.js';
import type { BackendKind, ProfileDraft, ProfileView } from '../../shared/protocol/models.js';
import type { Ctx } from '../context.js';
import { explain } from '../explain.js';
import { pickProfile, ready } from './pick.js';

export async function addProfile(ctx: Ctx): Promise<void> {
  await ready(ctx);
  const kindPick = await vscode.window.showQuickPick(
    BACKEND_DESCRIPTORS.map((d) => ({ label: d.label, detail: d.detail, backend: d.kind })),
    // No step count yet: how many steps follow depends on the backend picked here.
    { title: 'Add a sitq backend: which backend?', placeHolder: 'Pick the kind of backend', ignoreFocusOut: true },
  );
  if (!kindPick) return;
  const preset = presetFor(ctx, kindPick.backend);
  // The local-server presets say where a server usually listens; which database is the user's
  // to name (the preset's `test` is this project's own test database, not a default).
  const { database: _database, ...options } = preset?.options ?? {};
  await guidedFlow(
    ctx,
    { name: uniqueName(ctx, preset?.name ?? kindPick.backend), kind: kindPick.backend, options, secrets: {} },
    undefined,
    1,
  );
}

export async function addLocalSqlite(ctx: Ctx): Promise<void> {
  await ready(ctx);
  const kind = DEFAULT_BACKEND_KIND;
  const fallback = descriptorOf(kind).preset!;
  const preset = presetFor(ctx, kind);
  const draft: ProfileDraft = {
    name: uniqueName(ctx, fallback.name),
    kind,
    options: { ...(preset?.options ?? fallback.options) },
    secrets: {},
  };
  // A second profile for the same file would only be a second name for the same queue.
  const file = sqliteFile(ctx, draft.options.path);
  const same = ctx.model.profiles.find((p) => p.kind === kind && file !== undefined && sqliteFile(ctx, p.options.path) === file);
  if (same) {
    void vscode.window.showInformationMessage(
      `The profile "${same.name}" already uses the local SQLite file ${String(draft.options.path)}.`,
    );
    return;
  }
  await save(ctx, draft);
}

/** A SQLite profile's file as an absolute path (relative paths are from the config file's folder). */
function sqliteFile(ctx: Ctx, path: unknown): string | undefined {
  const configPath = ctx.model.host?.configPath;
  if (typeof path !== 'string' || path === ':memory:' || !configPath) return undefined;
  return isAbsolute(path) ? resolve(path) : resolve(dirname(configPath), path);
}

export async function editProfile(ctx: Ctx, from?: unknown): Promise<void> {
  const name = await pickProfile(ctx, from, 'Which profile do you want to edit?');
  const view = name ? ctx.model.profile(name) : undefined;
  if (!view) return;
  await guidedFlow(ctx, { name: view.name, kind: view.kind, options: { ...view.options }, secrets: {} }, view);
}

export async function removeProfile(ctx: Ctx, from?: unknown): Promise<void> {
  const name = await pickProfile(ctx, from, 'Which profile do you want to remove?');
  if (!name) return;
  const where = ctx.model.sources().user.includes(name)
    ? 'your user settings (sitq.profiles)'
    : (ctx.model.host?.configPath ?? 'the config file');
  const sure = await vscode.window.showWarningMessage(
    `Remove the profile "${name}" from ${where}? Its stored secrets are deleted too; the queue's data stays where it is.`,
    { modal: true },
    'Remove',
  );
  if (sure !== 'Remove') return;
  await ctx.model.client.request('profiles.delete', { name });
  void vscode.window.showInformationMessage(`Removed the profile "${name}".`);
}

export async function testConnection(ctx: Ctx, from?: unknown): Promise<void> {
  const name = await pickProfile(ctx, from, 'Which profile do you want to test?');
  if (!name) return;
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Testing ${name}…` }, () =>
    ctx.model.client.request('profiles.test', { name }),
  );
  const kind = ctx.model.profile(name)?.kind;
  if (result.ok) {
    void vscode.window.showInformationMessage(
      `${name}: connected in ${result.latencyMs} ms${result.serverVersion ? ` (${result.serverVersion})` : ''}.`,
    );
  } else {
    ctx.log.warn(`test ${name}: ${result.error ?? 'failed'}`);
    const choice = await vscode.window.showErrorMessage(
      `${name}: ${explain(result.error ?? 'the connection failed', kind)}`,
      'Edit Profile',
      'Show Log',
    );
    if (choice === 'Edit Profile') await editProfile(ctx, { profile: name });
    if (choice === 'Show Log') ctx.log.show(true);
  }
  void ctx.model.reload();
}

/** The step-by-step flow: name, then each main field of the backend, then (optionally) advanced
 *  options picked from a list, then test and save. */
async function guidedFlow(ctx: Ctx, draft: ProfileDraft, original?: ProfileView, stepsBefore = 0): Promise<void> {
  const label = BACKEND_LABELS[draft.kind];
  const main = BACKEND_FIELDS[draft.kind].filter((f) => !f.advanced);
  const advanced = BACKEND_FIELDS[draft.kind].filter((f) => f.advanced);
  // Steps already taken (picking the backend) count: the numbers go on, they do not restart.
  const total = stepsBefore + main.length + 2;
  const name = await vscode.window.showInputBox({
    title: `${label} profile (${stepsBefore + 1}/${total}): name`,
    prompt: 'A short name for this backend, used by the CLI as --profile NAME',
    value: draft.name,
    ignoreFocusOut: true,
    validateInput: (v) => issueFor(ctx, { ...draft, name: v.trim() }, 'name', original?.name),
  });
  if (name === undefined) return;
  draft.name = name.trim();
  for (const [i, field] of main.entries()) {
    const ok = await askField(ctx, draft, field, `${label} profile (${stepsBefore + i + 2}/${total}): ${field.label}`, original);
    if (!ok) return;
  }
  // Last step: save (a new profile: in the project or in the user's settings), or set advanced
  // options one at a time (schema, key prefix, pool size, …).
  const saves: { label: string; description: string; target: SaveTarget }[] = original
    ? [{ label: '$(check) Save', description: `test the connection and save "${draft.name}"`, target: 'project' }]
    : [
        { label: '$(check) Save in this project', description: 'sitq.config.json, shared with the sitq CLI', target: 'project' },
        { label: '$(account) Save in user settings', description: 'sitq.profiles, for every workspace', target: 'user' },
      ];
  let target: SaveTarget;
  for (;;) {
    const picked = await vscode.window.showQuickPick(
      [
        ...saves.map((s) => ({ ...s, field: undefined as FieldSpec | undefined })),
        { label: 'Advanced options', kind: vscode.QuickPickItemKind.Separator, field: undefined, target: undefined },
        ...advanced.map((f) => ({
          label: f.label,
          description: describeCurrent(draft, f, original),
          field: f as FieldSpec | undefined,
          target: undefined,
        })),
      ],
      { title: `${label} profile (${total}/${total}): save, or set an advanced option`, ignoreFocusOut: true },
    );
    if (!picked) return;
    if (picked.target) {
      target = picked.target;
      break;
    }
    if (picked.field) await askField(ctx, draft, picked.field, `${label} profile: ${picked.field.label}`, original);
  }
  await save(ctx, draft, original?.name, target);
}

/** Where a new profile is saved; passwords go to SecretStorage either way. */
type SaveTarget = 'project' | 'user';

function describeCurrent(draft: ProfileDraft, field: FieldSpec, original?: ProfileView): string {
  if (field.kind === 'secret') return draft.secrets[field.key] ? 'set' : original?.secretKeys.includes(field.key) ? 'stored' : 'not set';
  const v = draft.options[field.key];
  if (v !== undefined) return toText(v);
  // A list's placeholder is an example (e.g. Hosts: db1:5432, db2:5432), not what is used when unset.
  if (field.kind === 'list') return 'not set';
  return `default${field.placeholder ? ` (${field.placeholder})` : ''}`;
}

async function askField(ctx: Ctx, draft: ProfileDraft, field: FieldSpec, title: string, original?: ProfileView): Promise<boolean> {
  if (field.kind === 'boolean' || field.kind === 'choice') {
    const choices = field.kind === 'boolean' ? ['no', 'yes'] : [...(field.choices ?? [])];
    const current = draft.options[field.key];
    const picked = await vscode.window.showQuickPick(
      choices.map((c) => ({ label: c, picked: String(current) === c || (current === true && c === 'yes') })),
      { title, placeHolder: field.help ?? field.label, ignoreFocusOut: true },
    );
    if (!picked) return false;
    draft.options[field.key] = field.kind === 'boolean' ? picked.label === 'yes' : picked.label;
    return true;
  }
  const secret = field.kind === 'secret';
  const stored = original?.secretKeys.includes(field.key);
  const current = secret ? '' : toText(draft.options[field.key]);
  const text = await vscode.window.showInputBox({
    title,
    prompt: secret
      ? `${field.help ?? field.label}. Kept in VS Code's secret storage, never in the config file.${stored ? ' Leave empty to keep the stored one.' : ' Leave empty for none.'}`
      : (field.help ?? `${field.label} (leave empty for the default)`),
    placeHolder: field.placeholder,
    value: current,
    password: secret,
    ignoreFocusOut: true,
    validateInput: (v) => issueFor(ctx, withField(draft, field, v), field.key, original?.name),
  });
  if (text === undefined) return false;
  Object.assign(draft, withField(draft, field, text));
  return true;
}

/** The draft with one field's typed text applied (converted by field kind). */
function withField(draft: ProfileDraft, field: FieldSpec, text: string): ProfileDraft {
  const next: ProfileDraft = { ...draft, options: { ...draft.options }, secrets: { ...draft.secrets } };
  const v = text.trim();
  if (field.kind === 'secret') {
    if (v) next.secrets[field.key] = v;
    else delete next.secrets[field.key];
    delete next.options[field.key];
    return next;
  }
  if (!v) delete next.options[field.key];
  else if (field.kind === 'number') next.options[field.key] = /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  else if (field.kind === 'list')
    next.options[field.key] = v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  else next.options[field.key] = v;
  return next;
}

/** The core's verdict on one field of the draft (undefined = fine). */
async function issueFor(ctx: Ctx, draft: ProfileDraft, field: string, originalName?: string): Promise<string | undefined> {
  try {
    const issues = await ctx.model.client.request('profiles.validate', originalName ? { draft, originalName } : { draft });
    return issues.find((i) => i.field === field)?.message;
  } catch {
    return undefined;
  }
}

/** Checks the whole draft, tests the connection, then saves (or lets the user save anyway). */
async function save(ctx: Ctx, draft: ProfileDraft, originalName?: string, target: SaveTarget = 'project'): Promise<void> {
  ensureSqliteFolder(ctx, draft);
  const params = originalName ? { draft, originalName } : { draft };
  const issues = await ctx.model.client.request('profiles.validate', params);
  if (issues.length) {
    void vscode.window.showErrorMessage(
      `The profile "${draft.name}" was not saved: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
    );
    return;
  }
  const test = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Connecting to ${draft.name}…` },
    () => ctx.model.client.request('profiles.test', params),
  );
  if (!test.ok) {
    ctx.log.warn(`test ${draft.name}: ${test.error ?? 'failed'}`);
    const choice = await vscode.window.showWarningMessage(
      `${explain(test.error ?? 'the connection failed', draft.kind)} Save the profile "${draft.name}" anyway?`,
      'Save Anyway',
      'Cancel',
    );
    if (choice !== 'Save Anyway') return;
  }
  // An edit is saved where the profile lives (the core knows); a new one where the user chose.
  const toUser = originalName === undefined && target === 'user';
  const saved = toUser ? await ctx.core.saveUser(draft) : await ctx.model.client.request('profiles.save', params);
  ctx.log.info(`saved profile ${saved.name} (${saved.address})${toUser ? ' in the user settings' : ''}`);
  void vscode.window.showInformationMessage(
    `Saved the ${BACKEND_LABELS[saved.kind]} profile "${saved.name}"${toUser ? ' in your user settings' : ''}${test.ok ? ` (connected in ${test.latencyMs} ms)` : ''}.`,
  );
  await ctx.model.reload();
}

/** A new SQLite file's folder (e.g. `.sitq/`) is made here, as `sitq init` does, so that the
 *  first connection can create the file instead of failing on a missing folder. */
function ensureSqliteFolder(ctx: Ctx, draft: ProfileDraft): void {
  const path = draft.options.path;
  const configPath = ctx.model.host?.configPath;
  // Only a backend that keeps a file (no server) has a folder to make.
  if (descriptorOf(draft.kind).needsServer || typeof path !== 'string' || path === ':memory:' || !configPath) return;
  try {
    mkdirSync(dirname(isAbsolute(path) ? path : resolve(dirname(configPath), path)), { recursive: true });
  } catch (err) {
    ctx.log.warn(`could not create the folder for ${path}: ${(err as Error).message}`);
  }
}

function presetFor(ctx: Ctx, kind: BackendKind): ProfileDraft | undefined {
  return ctx.model.host?.presets.find((p) => p.kind === kind);
}

function uniqueName(ctx: Ctx, base: string): string {
  const taken = new Set(ctx.model.profiles.map((p) => p.name));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}${i}`)) return `${base}${i}`;
}

function toText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.join(', ');
  return String(v);
}
