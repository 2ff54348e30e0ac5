// Show Task Log: a task's handler log (ctx.log) as a read-only document (`sitq-log:`) that grows
// while the task runs and ends with the task's final state. Each open log has its own session with
// the core following that one task (tasks.follow allows one follow per session, so several logs
// can be open at once). Each pushed event of the task, or a gap, reads the task again (one read at
// a time): delivery is at most once and the stored log is the truth, so nothing is pieced together
// from events. The follow stops when the task is finished, when no editor tab shows the log any
// more, or when VS Code closes the document; showing it again follows again. Like the dashboard's
// log tail, an editor opens on the newest line and keeps to it as lines come, unless the user
// scrolled up.
import * as vscode from 'vscode';
import { ProtocolClient } from '../shared/protocol/client.js';
import type { TaskDetail } from '../shared/protocol/models.js';
import type { CoreClient } from '../shared/host/client.js';
import { formatAge } from './format.js';

export const LOG_SCHEME = 'sitq-log';
const FINAL = new Set(['succeeded', 'dead', 'cancelled']);

interface TaskLog {
  uri: vscode.Uri;
  profile: string;
  id: string;
  text: string;
  /** The first read is done (the editor waits for it). */
  ready: Promise<void>;
  /** The session following the task; undefined when not following. */
  client: ProtocolClient | undefined;
  reading: boolean;
  readAgain: boolean;
  finished: boolean;
  /** The document's line count when it last changed (to tell whether an editor was at its end). */
  lines: number;
}

export class TaskLogDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly logs = new Map<string, TaskLog>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly core: CoreClient,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions = [
      vscode.workspace.onDidChangeTextDocument(({ document }) => {
        const entry = this.logs.get(document.uri.toString());
        if (!entry) return;
        const before = entry.lines;
        entry.lines = document.lineCount;
        for (const editor of vscode.window.visibleTextEditors) {
          // An editor that showed the end before the lines came keeps showing it.
          const end = editor.visibleRanges.at(-1)?.end.line ?? 0;
          if (editor.document === document && end >= before - 3) revealEnd(editor);
        }
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        const entry = this.logs.get(doc.uri.toString());
        if (!entry) return;
        this.stop(entry, 'its document was closed');
        this.logs.delete(doc.uri.toString());
      }),
      // VS Code keeps a closed editor's document for a while: the tab is what the user closed.
      vscode.window.tabGroups.onDidChangeTabs(() => {
        const shown = new Set(
          vscode.window.tabGroups.all.flatMap((g) =>
            g.tabs.map((t) => (t.input instanceof vscode.TabInputText ? t.input.uri.toString() : '')),
          ),
        );
        for (const [key, entry] of this.logs) if (entry.client && !shown.has(key)) this.stop(entry, 'its editor was closed');
      }),
    ];
  }

  /** Opens (or brings back) the log of a task in an editor. */
  async show(profile: string, id: string, name: string): Promise<void> {
    const uri = taskLogUri(profile, id, name);
    const known = this.logs.get(uri.toString());
    // A document VS Code kept after its tab closed is shown again without asking this provider.
    if (known && !known.client && !known.finished) this.follow(known);
    const doc = await vscode.workspace.openTextDocument(uri);
    const entry = this.logs.get(uri.toString());
    if (entry) entry.lines = doc.lineCount;
    revealEnd(await vscode.window.showTextDocument(doc, { preview: false }));
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const key = uri.toString();
    let entry = this.logs.get(key);
    if (!entry) {
      const target = parse(uri);
      if (!target) return `Not a sitq task log: ${key}`;
      let first!: () => void;
      const ready = new Promise<void>((r) => (first = r));
      entry = {
        uri,
        ...target,
        text: `Reading the log of ${target.id}…\n`,
        ready,
        client: undefined,
        reading: false,
        readAgain: false,
        finished: false,
        lines: 0,
      };
      this.logs.set(key, entry);
      this.follow(entry, first);
      // A core that does not answer: the editor opens with what there is (the read fills it later).
      setTimeout(first, 30_000).unref();
    }
    await entry.ready;
    return entry.text;
  }

  dispose(): void {
    for (const entry of this.logs.values()) this.stop(entry, 'the extension stopped');
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }

  private follow(entry: TaskLog, first?: () => void): void {
    const client = new ProtocolClient(this.core.openSession());
    entry.client = client;
    client.on('task.events', ({ profile, items }) => {
      if (profile === entry.profile && items.some((i) => i.kind === 'gap' || i.taskId === entry.id)) void this.read(entry);
    });
    // Follow first, then read: a line logged in between is in the read or comes as an event.
    const begin = async () => {
      try {
        await client.request('tasks.follow', { profile: entry.profile, taskId: entry.id });
        this.log.info(`task log ${entry.id}: following`);
      } catch (err) {
        this.log.warn(`task log ${entry.id}: could not follow (${(err as Error).message}); showing what is stored`);
      }
      await this.read(entry);
      first?.();
    };
    client.onState((state) => state === 'open' && entry.client === client && void begin());
    if (client.state === 'open') void begin();
  }

  private stop(entry: TaskLog, why: string): void {
    if (!entry.client) return;
    entry.client.close();
    entry.client = undefined;
    this.log.info(`task log ${entry.id}: stopped following (${why})`);
  }

  /** Reads the task and shows its log; events meanwhile make one more read afterwards. */
  private async read(entry: TaskLog): Promise<void> {
    if (entry.reading) return void (entry.readAgain = true);
    entry.reading = true;
    try {
      do {
        entry.readAgain = false;
        const client = entry.client;
        if (!client) return;
        const detail = await client.request('tasks.get', { profile: entry.profile, id: entry.id }).catch((err: Error) => err);
        const text =
          detail instanceof Error
            ? `The task ${entry.id} could not be read from ${entry.profile}: ${detail.message}\n`
            : logText(entry, detail);
        if (text !== entry.text) {
          entry.text = text;
          this.changed.fire(entry.uri);
        }
        if (!(detail instanceof Error) && (!detail || FINAL.has(detail.state))) {
          entry.finished = true;
          this.stop(entry, detail ? `it is ${detail.state}` : 'it is gone');
        }
      } while (entry.readAgain && entry.client);
    } finally {
      entry.reading = false;
    }
  }
}

function revealEnd(editor: vscode.TextEditor): void {
  const last = editor.document.lineCount - 1;
  editor.revealRange(new vscode.Range(last, 0, last, 0), vscode.TextEditorRevealType.Default);
}

export function taskLogUri(profile: string, id: string, name: string): vscode.Uri {
  return vscode.Uri.from({
    scheme: LOG_SCHEME,
    path: `/${encodeURIComponent(profile)}/${encodeURIComponent(id)}/${name} …${id.slice(-8)}.log`,
  });
}

function parse(uri: vscode.Uri): { profile: string; id: string } | undefined {
  const [, profile, id] = uri.path.split('/');
  return profile && id ? { profile: decodeURIComponent(profile), id: decodeURIComponent(id) } : undefined;
}

/** The log's lines between a header and the task's state: live, or its final state. */
export function logText(entry: { profile: string; id: string }, t: TaskDetail | null): string {
  if (!t) return `There is no task ${entry.id} in ${entry.profile} (it may have been purged).\n`;
  const out = [`# ${t.name} ${t.id} · ${entry.profile} / ${t.queue}`];
  if (t.logDropped) out.push(`(${t.logDropped} older lines dropped)`);
  out.push(...(t.log ?? []));
  if (!t.log?.length) out.push('(no lines logged)');
  const attempt = `attempt ${t.attempts} of ${t.maxAttempts}`;
  const ran = t.finishedAt && t.startedAt ? `, ran ${formatAge(t.finishedAt - t.startedAt)}` : '';
  const error = t.errorName || t.errorMessage ? `: ${t.errorName ?? 'Error'}: ${t.errorMessage ?? ''}` : '';
  if (FINAL.has(t.state)) out.push(`=== ${t.state}${t.state === 'dead' ? error : ''} (${attempt}${ran}) ===`);
  else if (t.state === 'running') out.push(`--- running (${attempt}): following its log ---`);
  else out.push(`--- ${t.state}: its log starts when a worker runs it ---`);
  return `${out.join('\n')}\n`;
}
