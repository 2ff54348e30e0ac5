// The Backends view: profiles → queues → state groups → the latest tasks, paged. Counts arrive as
// events for the profiles that are expanded, and only that profile's rows are refreshed.
import * as vscode from 'vscode';
import { TASK_STATES } from '../../shared/core/types.js';
import type { Model } from '../core/model.js';
import { LoadMoreNode, MessageNode, ProfileNode, QueueNode, StateNode, TaskNode, type BackendsNode, type ProfileOrigin } from './nodes.js';

const PAGE = 50;

export class BackendsProvider implements vscode.TreeDataProvider<BackendsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<BackendsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** The profile rows last handed out, so a change can name the row it affects. */
  private readonly profileNodes = new Map<string, ProfileNode>();
  /** How many tasks each expanded state group shows ("load more" adds a page). */
  private readonly shown = new Map<string, number>();

  constructor(private readonly model: Model) {
    model.on('profiles', () => this.changed.fire(undefined));
    model.on('connection', () => this.changed.fire(undefined));
    model.on('health', (profile) => this.refreshProfile(profile));
    model.on('queues', (profile) => this.refreshProfile(profile));
  }

  /** Called by the tree view when a profile is collapsed: stop its counts. */
  collapsed(node: BackendsNode): void {
    if (node instanceof ProfileNode) this.model.unwatch(node.profile.name);
  }

  loadMore(node: LoadMoreNode): void {
    const key = node.parent.id ?? '';
    this.shown.set(key, (this.shown.get(key) ?? PAGE) + PAGE);
    // Rows below a profile are rebuilt on every count update, so refresh from the profile row,
    // the instance the view knows.
    this.changed.fire(this.profileNodes.get(node.parent.profile));
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: BackendsNode): vscode.TreeItem {
    return node;
  }

  getParent(): undefined {
    return undefined;
  }

  async getChildren(node?: BackendsNode): Promise<BackendsNode[]> {
    if (!node) return this.roots();
    if (node instanceof ProfileNode) return this.queuesOf(node);
    if (node instanceof QueueNode) {
      return TASK_STATES.filter((s) => node.queue.counts[s] > 0).map((s) => new StateNode(node.profile, node.queue.queue, s, node.queue.counts[s]));
    }
    if (node instanceof StateNode) return this.tasksOf(node);
    return [];
  }

  /** Shows a task's payload, attempts and error in its tooltip, read when the user hovers it. */
  async resolveTreeItem(item: vscode.TreeItem, node: BackendsNode): Promise<vscode.TreeItem> {
    if (!(node instanceof TaskNode) || item.tooltip) return item;
    const detail = await this.model.client.request('tasks.get', { profile: node.profile, id: node.row.id }).catch(() => null);
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${node.row.name}** \`${node.row.id}\`\n\n`);
    md.appendMarkdown(`State **${node.row.state}** · attempt ${node.row.attempts} of ${node.row.maxAttempts} · priority ${node.row.priority}\n\n`);
    if (detail) {
      md.appendMarkdown('Payload:');
      md.appendCodeblock(truncate(detail.payloadText), 'json');
      if (detail.resultText) {
        md.appendMarkdown('Result:');
        md.appendCodeblock(truncate(detail.resultText), 'json');
      }
      if (detail.errorName || detail.errorMessage) {
        md.appendMarkdown('Error:');
        md.appendCodeblock(`${detail.errorName ?? 'Error'}: ${detail.errorMessage ?? ''}`, 'text');
      }
    } else if (node.row.error) {
      md.appendCodeblock(node.row.error, 'text');
    }
    item.tooltip = md;
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }

  private roots(): BackendsNode[] {
    // An empty list lets the view show its welcome content (Add a backend / Use a local SQLite file).
    if (this.model.profilesProblem) {
      return [new MessageNode('problem', 'The config file could not be read', 'error', this.model.profilesProblem, { command: 'sitq.openConfig', title: 'Open config' })];
    }
    this.profileNodes.clear();
    return this.model.profiles.map((p) => {
      const node = new ProfileNode(p, this.model.health.get(p.name), this.origin(p.name));
      this.profileNodes.set(p.name, node);
      return node;
    });
  }

  private async queuesOf(node: ProfileNode): Promise<BackendsNode[]> {
    const name = node.profile.name;
    this.model.watch(name);
    const snap = this.model.queues.get(name) ?? (await this.model.refreshQueues(name));
    const health = this.model.health.get(name);
    if (!snap) {
      const why = health?.error ?? node.profile.problem ?? 'the backend did not answer';
      return [new MessageNode(`unreachable:${name}`, why, 'warning', why, { command: 'sitq.testConnection', title: 'Test connection', arguments: [node] })];
    }
    if (snap.queues.length === 0) return [new MessageNode(`empty:${name}`, 'No queues yet: enqueue test tasks', 'info', undefined, { command: 'sitq.enqueueTestTasks', title: 'Enqueue test tasks', arguments: [node] })];
    return snap.queues.map((q) => new QueueNode(name, q));
  }

  private async tasksOf(node: StateNode): Promise<BackendsNode[]> {
    const limit = Math.min(this.shown.get(node.id ?? '') ?? PAGE, 1000);
    const page = await this.model.client.request('tasks.list', { profile: node.profile, queue: node.queue, state: node.state, offset: 0, limit }).catch(() => undefined);
    if (!page) return [];
    const rows: BackendsNode[] = page.rows.map((r) => new TaskNode(node.profile, r));
    if (page.total > page.rows.length && limit < 1000) rows.push(new LoadMoreNode(node, page.rows.length, page.total));
    return rows;
  }

  private origin(name: string): ProfileOrigin {
    const { user, shadowed } = this.model.sources();
    return { user: user.includes(name), hidesUser: shadowed.includes(name) };
  }

  private refreshProfile(name: string): void {
    const node = this.profileNodes.get(name);
    if (!node) return this.changed.fire(undefined);
    // A new row object with the same id replaces the old one (new description and icon).
    const fresh = new ProfileNode(node.profile, this.model.health.get(name), this.origin(name));
    Object.assign(node, { description: fresh.description, iconPath: fresh.iconPath, tooltip: fresh.tooltip });
    this.changed.fire(node);
  }
}

function truncate(text: string, max = 2000): string {
  return text.length > max ? `${text.slice(0, max)}\n…` : text;
}
