// What keeps the sitq trees calm (after vscode-containers' RefreshManager and
// LocalRootTreeItemBase): every row is one long-lived object per id, updated in place; a change
// event fires only when what a row shows changed, for the smallest row that covers it, and bursts
// are coalesced. So an idle tree sends no events at all, a tooltip stays up, a selection and an
// open context menu keep their row.
import { appendFileSync } from 'node:fs';
import * as vscode from 'vscode';

/** A row of a sitq tree: a TreeItem with a stable id and a link to its parent row. */
export interface Row extends vscode.TreeItem {
  id: string;
  parent: Row | undefined;
}

/** How long automatic refreshes are gathered before one event goes out. */
const DEBOUNCE_MS = 150;

/** Tests and `npm run bench:vscode` count change events here (one line each): with
 *  SITQ_TREE_EVENTS=<file> set in the extension host's environment. */
const EVENTS_FILE = process.env.SITQ_TREE_EVENTS;

export abstract class CalmTree<N extends Row> implements vscode.TreeDataProvider<N>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<N | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** Every row handed out, by id: the same object comes back while the row exists. */
  private readonly rows = new Map<string, N>();
  private readonly looks = new Map<string, string>();
  /** The ids last handed out under each row ('' for the roots). */
  private readonly childIds = new Map<string, Set<string>>();
  /** Rows whose own look changed, to be refreshed with the next event. */
  private pendingLook = new Set<string>();
  /** Rows whose children changed ('' for the roots), to be refreshed with the next event. */
  private pendingChildren = new Set<string>();
  /** Rows (and '' for the roots) whose children VS Code has dropped and is about to ask for
   *  again: a change under them needs no event, since getChildren reads the model when it comes.
   *
   *  This is what keeps a row's context menu and inline actions working. When a row is refreshed,
   *  VS Code's extension host forgets every row under it at once and learns them again only when
   *  the window asks for them (a round trip); a command from a row's menu that arrives in between
   *  gets no row (VS Code hands it `undefined`). So a refresh that is not needed must not be sent:
   *  in particular none that was decided against a list VS Code is already fetching again (a
   *  worker that starts and turns 'running' before the Workers list came back once made a second
   *  refresh of the whole list, just after its new row had been drawn and could be clicked). */
  private readonly awaiting = new Set<string>();
  /** Rows whose children are being read (an async getChildren), with the newest data that came
   *  meanwhile: compared with what was shown once the read is done. */
  private readonly reading = new Map<string, N[] | undefined>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly view: string) {}

  getTreeItem(node: N): vscode.TreeItem {
    return node;
  }

  getParent(node: N): N | undefined {
    return node.parent as N | undefined;
  }

  /** VS Code asks for the rows under `node` only when it has none cached: it dropped them (a
   *  refresh of `node` or above) or never had them. So whatever was pending for them is answered
   *  now, and the rows below that were expanded will be asked for again in turn. */
  getChildren(node?: N): vscode.ProviderResult<N[]> {
    const key = node?.id ?? '';
    this.awaiting.delete(key);
    this.pendingChildren.delete(key);
    for (const id of this.childIds.get(key) ?? []) this.answered(id);
    const rows = this.children(node);
    if (!(rows instanceof Promise)) return rows;
    this.reading.set(key, undefined);
    return rows.finally(() => {
      const late = this.reading.get(key);
      this.reading.delete(key);
      if (late) this.update(node, late);
    });
  }

  /** The rows under `node` (undefined: the roots), built with keepChildren. */
  protected abstract children(node?: N): N[] | Promise<N[]>;

  /** The row last handed out under this id. */
  row(id: string): N | undefined {
    return this.rows.get(id);
  }

  /** Returns the long-lived row for `fresh.id`: `fresh` the first time; later the same object
   *  with fresh's look copied in. With `announce`, a row whose look changed is refreshed (for
   *  rows updated from events; rows built inside getChildren are being shown anyway). */
  protected keep<T extends N>(fresh: T, announce = false): T {
    const look = lookOf(fresh);
    const known = this.rows.get(fresh.id) as T | undefined;
    if (!known || known.constructor !== fresh.constructor) {
      this.rows.set(fresh.id, fresh);
      this.looks.set(fresh.id, look);
      return fresh;
    }
    const before = this.looks.get(fresh.id);
    // The row's data always follows; the tooltip only when the look changed, so one resolved on
    // hover (resolveTreeItem) is kept while the row shows the same.
    for (const key of Object.keys(fresh) as (keyof T)[]) if (key !== 'tooltip') known[key] = fresh[key];
    // A row's command that passes the row itself passes the long-lived one.
    if (known.command?.arguments?.includes(fresh))
      known.command = { ...known.command, arguments: known.command.arguments.map((a: unknown) => (a === fresh ? known : a)) };
    if (look !== before) {
      known.tooltip = fresh.tooltip;
      this.looks.set(fresh.id, look);
      if (announce && !this.rereads(known.parent as N | undefined)) {
        this.pendingLook.add(known.id);
        this.schedule();
      }
    }
    return known;
  }

  /** The rows under `parent` (undefined: the roots), each kept as above; rows that were there
   *  before and are gone now are forgotten with everything under them. */
  protected keepChildren<T extends N>(parent: N | undefined, fresh: T[]): T[] {
    const key = parent?.id ?? '';
    const kept = fresh.map((f) => this.keep(f));
    const now = new Set(kept.map((k) => k.id));
    for (const id of this.childIds.get(key) ?? []) if (!now.has(id)) this.forget(id);
    this.childIds.set(key, now);
    return kept;
  }

  /** New data for the rows under `parent` (undefined: the roots): `parent` is refreshed when rows
   *  came, went or moved, else only the rows whose look changed. Nothing for a row never expanded,
   *  nor while VS Code is about to ask for these rows anyway. */
  protected update(parent: N | undefined, fresh: N[]): void {
    if (this.rereads(parent)) return;
    const key = parent?.id ?? '';
    if (this.reading.has(key)) return void this.reading.set(key, fresh);
    const before = this.shownUnder(parent);
    if (!before) return parent ? undefined : this.refresh();
    if (before.join('\n') !== fresh.map((f) => f.id).join('\n')) return this.refresh(parent);
    for (const f of fresh) this.keep(f, true);
  }

  /** The ids last handed out under `parent`, in order (undefined: never asked). */
  protected shownUnder(parent: N | undefined): string[] | undefined {
    const ids = this.childIds.get(parent?.id ?? '');
    return ids && [...ids];
  }

  /** Whether the rows under `node` (undefined: the roots) will be read again from the model
   *  without another event: their refresh, or one of a row above, is pending or under way. */
  private rereads(node: N | undefined): boolean {
    for (let p: Row | undefined = node; p; p = p.parent) if (this.pendingChildren.has(p.id) || this.awaiting.has(p.id)) return true;
    return this.pendingChildren.has('') || this.awaiting.has('');
  }

  /** `id` was dropped by VS Code with a row above it: nothing pending for it is needed, and if it
   *  was expanded, its rows will be asked for again. */
  private answered(id: string): void {
    this.pendingLook.delete(id);
    this.pendingChildren.delete(id);
    if (!this.childIds.has(id)) return;
    this.awaiting.add(id);
    for (const child of this.childIds.get(id) ?? []) this.answered(child);
  }

  private forget(id: string): void {
    this.rows.delete(id);
    this.looks.delete(id);
    this.pendingLook.delete(id);
    this.pendingChildren.delete(id);
    this.awaiting.delete(id);
    this.reading.delete(id);
    for (const child of this.childIds.get(id) ?? []) this.forget(child);
    this.childIds.delete(id);
  }

  /** Asks for `node` (undefined: the whole tree) to be shown again with everything under it,
   *  coalesced with others. */
  refresh(node?: N): void {
    this.pendingChildren.add(node?.id ?? '');
    this.schedule();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => this.flush(), DEBOUNCE_MS);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.changed.dispose();
  }

  /** Fires the fewest events: the whole tree if asked, else each row not under another one. */
  private flush(): void {
    this.timer = undefined;
    const asked = new Set([...this.pendingChildren, ...this.pendingLook]);
    this.pendingChildren.clear();
    this.pendingLook.clear();
    if (asked.has('')) return this.fire(undefined);
    for (const id of asked) {
      const node = this.rows.get(id);
      if (!node) continue;
      let covered = false;
      for (let p = node.parent; p && !covered; p = p.parent) covered = asked.has(p.id);
      if (!covered) this.fire(node);
    }
  }

  /** One change event. VS Code then drops every row under `node` and, for those it shows, asks
   *  for them again: until then, changes under it need no event of their own. */
  private fire(node: N | undefined): void {
    if (EVENTS_FILE) appendFileSync(EVENTS_FILE, `${Date.now()} ${this.view} ${node?.id ?? '(root)'}\n`);
    const key = node?.id ?? '';
    if (!node || this.childIds.has(key)) this.awaiting.add(key);
    this.changed.fire(node);
  }
}

/** What a row shows: a change in any of these is worth an event, nothing else is. */
function lookOf(item: vscode.TreeItem): string {
  const icon =
    item.iconPath instanceof vscode.ThemeIcon
      ? `${item.iconPath.id}/${(item.iconPath.color as { id?: string } | undefined)?.id ?? ''}`
      : String(item.iconPath ?? '');
  const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
  const tooltip = typeof item.tooltip === 'string' ? item.tooltip : (item.tooltip?.value ?? '');
  return JSON.stringify([label, item.description, icon, item.contextValue, item.collapsibleState, tooltip, item.command?.command]);
}
