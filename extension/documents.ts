// Read-only documents the views open: a task's whole record (payload, result, error with its
// stack, attempts, timings), re-read every second while the task can still change; and a local
// worker's log, which grows as the core sends its lines. Polling happens only while such a
// document is open.
import * as vscode from 'vscode';
import type { Model } from './model.js';
import { taskText } from './task-text.js';

export const SCHEME = 'sitq';
const FINAL = new Set(['succeeded', 'dead', 'cancelled']);
const POLL_MS = 1000;

type Target = { kind: 'task'; profile: string; id: string } | { kind: 'worker'; id: string };

export class SitqDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  /** What each open document shows, to tell the editor only about a real change. */
  private readonly texts = new Map<string, string>();
  /** Open task documents whose task has not finished yet. */
  private readonly live = new Set<string>();
  private readonly fresh = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly model: Model) {
    model.on('log', (source) => {
      const id = /^worker (.+)$/.exec(source)?.[1];
      if (id) void this.update(workerUri(id));
    });
    this.subscriptions.push(
      vscode.workspace.onDidCloseTextDocument((doc) => {
        if (doc.uri.scheme !== SCHEME) return;
        this.texts.delete(doc.uri.toString());
        this.live.delete(doc.uri.toString());
      }),
    );
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    // After a change event the editor asks again: the text just read is the answer.
    const fresh = this.fresh.get(uri.toString());
    if (fresh !== undefined) {
      this.fresh.delete(uri.toString());
      return fresh;
    }
    const text = await this.render(uri);
    this.texts.set(uri.toString(), text);
    return text;
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }

  private async render(uri: vscode.Uri): Promise<string> {
    const target = parse(uri);
    if (!target) return `Not a sitq document: ${uri.toString()}`;
    if (target.kind === 'worker') {
      const lines = await this.model.client.request('workers.log', { id: target.id }).catch((err: Error) => err);
      if (lines instanceof Error) return `The log of worker ${target.id} could not be read: ${lines.message}`;
      return lines.map((l) => `${new Date(l.at).toISOString()} ${l.level.padEnd(5)} ${l.message}`).join('\n') + '\n';
    }
    const detail = await this.model.client.request('tasks.get', { profile: target.profile, id: target.id }).catch((err: Error) => err);
    if (detail instanceof Error) return `# Task ${target.id}\n\nIt could not be read from ${target.profile}: ${detail.message}\n`;
    const key = uri.toString();
    if (detail && !FINAL.has(detail.state)) this.live.add(key);
    else this.live.delete(key);
    this.poll();
    return detail
      ? taskText(target.profile, detail)
      : `# Task ${target.id}\n\nThere is no such task in ${target.profile} (it may have been purged).\n`;
  }

  /** Re-reads a document and tells the editor if its text changed. */
  private async update(uri: vscode.Uri): Promise<void> {
    const key = uri.toString();
    if (!this.texts.has(key)) return;
    const text = await this.render(uri);
    if (text === this.texts.get(key)) return;
    this.texts.set(key, text);
    this.fresh.set(key, text);
    this.changed.fire(uri);
  }

  private poll(): void {
    if (this.live.size === 0) {
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    this.timer ??= setInterval(() => {
      for (const key of this.live) void this.update(vscode.Uri.parse(key));
    }, POLL_MS);
  }
}

export function taskUri(profile: string, id: string, name: string): vscode.Uri {
  return vscode.Uri.from({
    scheme: SCHEME,
    path: `/task/${encodeURIComponent(profile)}/${encodeURIComponent(id)}/${name} …${id.slice(-8)}.md`,
  });
}

export function workerUri(id: string): vscode.Uri {
  return vscode.Uri.from({ scheme: SCHEME, path: `/worker/${encodeURIComponent(id)}/worker ${id}.log` });
}

function parse(uri: vscode.Uri): Target | undefined {
  const [, kind, a, b] = uri.path.split('/');
  if (kind === 'task' && a && b) return { kind: 'task', profile: decodeURIComponent(a), id: decodeURIComponent(b) };
  if (kind === 'worker' && a) return { kind: 'worker', id: decodeURIComponent(a) };
  return undefined;
}
