// The full Enqueue flow: task, payload (typed as JSON, the editor's selection, or a JSON file),
// queue, count, delay, priority, attempts, each step checked as the user types with the core's
// own rules (enqueue-input.ts); and Enqueue Again, a copy of a task row with its stored payload.
import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import type { TaskDetail } from '../../shared/protocol/models.js';
import {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_QUEUE,
  ENQUEUE_COUNT,
  MAX_ATTEMPTS,
  PRIORITY,
  DELAY_MS,
  parseWholeNumber,
  rangeExpected,
} from '../../shared/core/rules.js';
import type { Ctx } from '../context.js';
import { enqueueInputChecks, type TextCheck } from './enqueue-input.js';
import { pickProfile } from './pick.js';

/** What one enqueue request carries (the protocol's `tasks.enqueue` less the profile). */
export interface EnqueueDraft {
  name: string;
  payloadJson: string;
  queue: string;
  count: number;
  delayMs: number;
  priority: number;
  maxAttempts: number;
}

/** A task row as the commands receive it from the Backends tree. */
export interface TaskRowRef {
  profile: string;
  row: { id: string; name: string };
}

const STEPS = 7;
const OTHER_TASK = 'Another task name…';

/** The Enqueue Tasks… command. `payloadText` preset: the payload step is skipped (a selection). */
export async function enqueueFlow(ctx: Ctx, from?: unknown, payloadText?: string): Promise<void> {
  const profile = await pickProfile(ctx, from, 'Enqueue into which profile?');
  if (!profile) return;
  const title = (step: number, what: string) => `Enqueue into ${profile} (${step}/${STEPS}): ${what}`;

  const name = await askTaskName(ctx, title(1, 'which task?'));
  if (name === undefined) return;
  const example = ctx.model.host?.testTasks.find((t) => t.name === name)?.examplePayload;
  const payloadJson = payloadText ?? (await askPayload(title(2, 'the payload (JSON)'), example ?? '{}'));
  if (payloadJson === undefined) return;
  const queue = await ask(
    title(3, 'into which queue?'),
    queueOf(from) ?? DEFAULT_QUEUE,
    enqueueInputChecks.queue,
    'letters, digits, "_" or "-" (1-64)',
  );
  if (queue === undefined) return;
  const count = await askWhole(title(4, 'how many?'), 1, enqueueInputChecks.count, rangeExpected(ENQUEUE_COUNT));
  if (count === undefined) return;
  const delayMs = await askWhole(
    title(5, 'delay before it may run (ms)?'),
    0,
    enqueueInputChecks.delay,
    `${rangeExpected(DELAY_MS)}; 0 runs it now`,
  );
  if (delayMs === undefined) return;
  const priority = await askWhole(title(6, 'priority (higher runs first)?'), 0, enqueueInputChecks.priority, rangeExpected(PRIORITY));
  if (priority === undefined) return;
  const maxAttempts = await askWhole(
    title(7, 'how many attempts before it is dead?'),
    DEFAULT_MAX_ATTEMPTS,
    enqueueInputChecks.maxAttempts,
    rangeExpected(MAX_ATTEMPTS),
  );
  if (maxAttempts === undefined) return;
  await sendEnqueue(ctx, profile, { name, payloadJson, queue, count, delayMs, priority, maxAttempts });
}

/** Enqueue Selection as Task Payload…: the active editor's selection, checked as JSON first. */
export async function enqueueSelection(ctx: Ctx): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const text = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : '';
  if (text.trim() === '') return void vscode.window.showInformationMessage('Select the JSON payload in an editor first.');
  const problem = enqueueInputChecks.payload(text);
  if (problem) return void vscode.window.showErrorMessage(`The selection is not a payload: ${problem}`);
  await enqueueFlow(ctx, undefined, text);
}

/** The task row a command was invoked on; from the palette (or when the row went away under a
 *  refresh), picked from a profile's latest tasks, dead ones first. */
export async function taskFrom(ctx: Ctx, from: unknown, verb: string): Promise<TaskRowRef | undefined> {
  const given = from as Partial<TaskRowRef> | undefined;
  if (typeof given?.profile === 'string' && typeof given.row?.id === 'string') return given as TaskRowRef;
  const profile = await pickProfile(ctx, from, `${verb} a task of which profile?`);
  if (!profile) return undefined;
  const [dead, all] = await Promise.all([
    ctx.model.client.request('tasks.list', { profile, state: 'dead', offset: 0, limit: 50 }),
    ctx.model.client.request('tasks.list', { profile, offset: 0, limit: 50 }),
  ]);
  const rows = [...dead.rows, ...all.rows.filter((r) => r.state !== 'dead')];
  if (rows.length === 0) return void vscode.window.showInformationMessage(`${profile} has no tasks yet.`);
  const picked = await vscode.window.showQuickPick(
    rows.map((row) => ({ label: row.name, description: `${row.state} · ${row.queue} · ${row.id}`, detail: row.error, row })),
    { title: `${verb} which task of ${profile}?`, matchOnDescription: true, ignoreFocusOut: true },
  );
  return picked ? { profile, row: picked.row } : undefined;
}

/** Enqueue Again: a new task with the row's name, stored payload, queue, priority and attempts. */
export async function enqueueAgain(ctx: Ctx, from: unknown): Promise<void> {
  const node = await taskFrom(ctx, from, 'Enqueue again');
  if (!node) return;
  const detail = await ctx.model.client.request('tasks.get', { profile: node.profile, id: node.row.id });
  if (!detail)
    return void vscode.window.showWarningMessage(
      `${node.row.name} (${node.row.id}) is no longer in ${node.profile}: it may have been purged.`,
    );
  const payloadJson = storedPayloadJson(detail);
  const draft: EnqueueDraft = {
    name: detail.name,
    payloadJson,
    queue: detail.queue,
    count: 1,
    delayMs: 0,
    priority: detail.priority,
    maxAttempts: detail.maxAttempts,
  };
  await sendEnqueue(ctx, node.profile, draft, `a copy of ${detail.id}`);
}

/** The task's stored payload as JSON text; an error that says why when it is not JSON. */
export function storedPayloadJson(detail: TaskDetail): string {
  if (detail.decodeError) throw new Error(`the payload of ${detail.id} cannot be read (${detail.decodeError})`);
  try {
    return JSON.stringify(JSON.parse(detail.payloadText === '' ? 'null' : detail.payloadText));
  } catch {
    throw new Error(
      `the payload of ${detail.id} is not JSON (serializer ${detail.serializer}): only JSON payloads can be copied from the editor`,
    );
  }
}

export async function sendEnqueue(ctx: Ctx, profile: string, draft: EnqueueDraft, what?: string): Promise<void> {
  const out = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Enqueuing ${draft.count} × ${draft.name}…` },
    () => ctx.model.client.request('tasks.enqueue', { profile, ...draft }),
  );
  const when = draft.delayMs > 0 ? `, delayed ${formatDelay(draft.delayMs)}` : '';
  const tasks = out.enqueued === 1 ? `${draft.name} (${out.firstId ?? '?'})` : `${out.enqueued} ${draft.name} tasks`;
  ctx.log.info(
    `enqueued ${out.enqueued} × ${draft.name} into ${profile}/${draft.queue}${what ? ` as ${what}` : ''} (priority ${draft.priority}, ${draft.maxAttempts} attempts${when})`,
  );
  const start = ctx.model.workers.some((w) => w.profile === profile && w.state === 'running') ? undefined : 'Start a Worker';
  const choice = await vscode.window.showInformationMessage(
    `Enqueued ${what ? `${what}: ` : ''}${tasks} into ${profile} / ${draft.queue}${when}.`,
    ...(start ? [start] : []),
  );
  if (choice === start) await vscode.commands.executeCommand('sitq.startWorker', { profile });
}

function formatDelay(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

function queueOf(from: unknown): string | undefined {
  const queue = (from as { queue?: { queue?: unknown } } | undefined)?.queue?.queue;
  return typeof queue === 'string' ? queue : undefined;
}

/** The task to enqueue: a built-in test task, or any name typed; `current` (Edit Schedule) comes
 *  first, so Enter keeps it. */
export async function askTaskName(ctx: Ctx, title: string, current?: string): Promise<string | undefined> {
  const tasks = (ctx.model.host?.testTasks ?? []).map((t) => ({ label: t.name, detail: t.description }));
  const first = current === undefined ? [] : [tasks.find((t) => t.label === current) ?? { label: current, detail: 'Its current task' }];
  const picked = await vscode.window.showQuickPick(
    [...first, ...tasks.filter((t) => t.label !== current), { label: OTHER_TASK, detail: 'A task your own handlers define (defineTask)' }],
    { title, ignoreFocusOut: true },
  );
  if (!picked) return undefined;
  if (picked.label !== OTHER_TASK) return picked.label;
  return ask(title, current ?? '', enqueueInputChecks.task, 'the name your defineTask(...) gives it, e.g. images.resize');
}

async function askPayload(title: string, example: string): Promise<string | undefined> {
  const editor = vscode.window.activeTextEditor;
  const selection = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : '';
  const items: (vscode.QuickPickItem & { source: 'type' | 'selection' | 'file' })[] = [
    { label: 'Type the JSON…', detail: `Starts from ${example.length > 60 ? `${example.slice(0, 57)}...` : example}`, source: 'type' },
    ...(selection.trim()
      ? [
          {
            label: "The editor's selection",
            detail: enqueueInputChecks.payload(selection) ?? selection.replace(/\s+/g, ' ').slice(0, 80),
            source: 'selection' as const,
          },
        ]
      : []),
    { label: 'From a JSON file…', detail: 'Its whole content is the payload', source: 'file' },
  ];
  const picked = await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true });
  if (!picked) return undefined;
  let text: string | undefined;
  if (picked.source === 'type') return ask(title, example, enqueueInputChecks.payload, 'JSON, e.g. {"times": 99}');
  if (picked.source === 'selection') text = selection;
  else {
    const uri = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { JSON: ['json'] }, openLabel: 'Use as payload' });
    if (!uri?.[0]) return undefined;
    text = await readFile(uri[0].fsPath, 'utf8');
  }
  const problem = enqueueInputChecks.payload(text);
  if (problem) {
    void vscode.window.showErrorMessage(`Not enqueued: ${problem}`);
    return undefined;
  }
  return text;
}

async function ask(title: string, value: string, validateInput: TextCheck, prompt: string): Promise<string | undefined> {
  return vscode.window.showInputBox({ title, value, prompt, ignoreFocusOut: true, validateInput });
}

async function askWhole(title: string, value: number, check: TextCheck, prompt: string): Promise<number | undefined> {
  const text = await ask(title, String(value), check, prompt);
  return text === undefined ? undefined : parseWholeNumber(text);
}
