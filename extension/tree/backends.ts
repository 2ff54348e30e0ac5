// The Backends view: profiles → queues → state groups → the latest tasks, paged. Counts arrive as
// events for the profiles that are expanded while the view is visible; a row is refreshed only
// when what it shows changed, and only that row (calm.ts).
import * as vscode from 'vscode';
import { TASK_STATES } from '../../shared/core/types.js';
import type { QueuesSnapshot } from '../../shared/protocol/models.js';
import type { Model } from '../model.js';
import { explain, explainCore } from '../explain.js';
import { CalmTree } from './calm.js';
import { ScheduleNode, SchedulesNode, readSchedules } from './schedules.js';
import {
  LoadMoreNode,
  MessageNode,
  ProfileNode,
  QueueNode,
  StateNode,
  TaskNode,
  taskTooltip,
  type BackendsNode,
  type ProfileOrigin,
} from './nodes.js';

const PAGE = 50;
const HOUR_MS = 3_600_000;

export class BackendsProvider extends CalmTree<BackendsNode> {
  /** How many tasks each expanded state group shows ("load more" adds a page). */
  private readonly pageSize = new Map<string, number>();
  /** Expanded profiles: their counts are watched while the view is visible. */
  private readonly expanded = new Set<string>();
  private visible = false;

  constructor(private readonly model: Model) {
    super('backends');
    model.on('profiles', () => this.profilesChanged());
    model.on('core', () => this.refresh());
    model.on('health', (profile) => this.healthChanged(profile));
    model.on('queues', (profile) => this.queuesChanged(profile));
  }

  /** Follows the view's expansion and visibility: counts are polled only for expanded profiles
   *  of a visible view. */
  attach(view: vscode.TreeView<BackendsNode>): vscode.Disposable[] {
    this.visible = view.visible;
    return [
      view.onDidExpandElement(({ element }) => {
        if (element instanceof ProfileNode) this.expanded.add(element.profile.name);
      }),
      view.onDidCollapseElement(({ element }) => {
        if (!(element instanceof ProfileNode)) return;
        this.expanded.delete(element.profile.name);
        this.model.unwatch(element.profile.name);
      }),
      view.onDidChangeVisibility(({ visible }) => {
        this.visible = visible;
        for (const name of this.expanded) {
          if (visible) this.model.watch(name);
          else this.model.unwatch(name);
        }
      }),
    ];
  }

  loadMore(node: LoadMoreNode): void {
    this.pageSize.set(node.parent.id, (this.pageSize.get(node.parent.id) ?? PAGE) + PAGE);
    this.refresh(node.parent);
  }

  protected async children(node?: BackendsNode): Promise<BackendsNode[]> {
    if (!node) return this.keepChildren(undefined, this.roots());
    if (node instanceof ProfileNode) return this.keepChildren(node, await this.queuesOf(node));
    if (node instanceof QueueNode) return this.keepChildren(node, this.statesOf(node));
    if (node instanceof StateNode) return this.keepChildren(node, await this.tasksOf(node));
    if (node instanceof SchedulesNode) return this.keepChildren(node, await this.schedulesOf(node));
    return [];
  }

  /** Tooltips that change all the time (latency, ages) or cost a request are built on hover. */
  async resolveTreeItem(item: vscode.TreeItem, node: BackendsNode): Promise<vscode.TreeItem> {
    if (item.tooltip) return item;
    if (node instanceof ProfileNode) item.tooltip = node.describe();
    else if (node instanceof QueueNode) item.tooltip = await this.queueTooltip(node);
    else if (node instanceof TaskNode) {
      const detail = await this.model.client.request('tasks.get', { profile: node.profile, id: node.row.id }).catch(() => null);
      item.tooltip = taskTooltip(node.row, detail);
    }
    return item;
  }

  /** A queue's hover: its last hour of throughput (stats.history by minute) and its stored
   *  settings, read when the tooltip is about to show, so the tree never changes for them. */
  private async queueTooltip(node: QueueNode): Promise<vscode.MarkdownString> {
    const { profile } = node;
    const { queue } = node.queue;
    try {
      const [report, settings] = await Promise.all([
        this.model.client.request('stats.history', { profile, queue, since: Date.now() - HOUR_MS, resolution: 'minute' }),
        this.model.client.request('queues.settings', { profile, queue }),
      ]);
      return node.describe(
        report.queues.find((q) => q.queue === queue),
        settings,
      );
    } catch (err) {
      return node.describe(undefined, undefined, err instanceof Error ? err.message : String(err));
    }
  }

  private roots(): BackendsNode[] {
    const core = this.model.coreState;
    if (core.state === 'failed') {
      return [
        new MessageNode(
          'core:failed',
          'The sitq core is not running',
          'error',
          core.reason,
          { command: 'sitq.showLog', title: 'Show Log' },
          undefined,
          explainCore(core.reason),
        ),
        new MessageNode('core:restart', 'Restart Core', 'debug-restart', undefined, { command: 'sitq.restartCore', title: 'Restart Core' }),
        new MessageNode('core:node', 'Choose Node.js for the Core…', 'settings-gear', undefined, {
          command: 'sitq.selectNode',
          title: 'Choose Node.js',
        }),
      ];
    }
    // An empty list lets the view show its welcome content (Add a backend / Use a local SQLite file).
    if (this.model.profilesProblem) {
      return [
        new MessageNode('problem', 'The config file could not be read', 'error', this.model.profilesProblem, {
          command: 'sitq.openConfig',
          title: 'Open config',
        }),
      ];
    }
    return this.model.profiles.map((p) => this.profileRow(p.name)).filter((n): n is ProfileNode => !!n);
  }

  private profileRow(name: string): ProfileNode | undefined {
    const p = this.model.profile(name);
    if (!p) return undefined;
    return new ProfileNode(p, this.model.health.get(name), this.origin(name));
  }

  private async queuesOf(node: ProfileNode): Promise<BackendsNode[]> {
    const name = node.profile.name;
    if (this.model.coreState.state !== 'ready') return [];
    this.expanded.add(name);
    if (this.visible) this.model.watch(name);
    const health = this.model.health.get(name);
    // A backend known to be down is not asked again here (that would keep the view's progress
    // bar spinning for its connect timeout on every refresh): its health row says why.
    const snap = this.model.queues.get(name) ?? (health?.status === 'unhealthy' ? undefined : await this.model.refreshQueues(name));
    if (!snap) {
      const why = health?.error ? explain(health.error, node.profile.kind) : (node.profile.problem ?? 'the backend did not answer');
      return [
        new MessageNode(
          `unreachable:${name}`,
          why,
          'warning',
          health?.error ?? why,
          { command: 'sitq.testConnection', title: 'Test connection', arguments: [node] },
          node,
        ),
      ];
    }
    return this.queueRows(node, snap);
  }

  private queueRows(node: ProfileNode, snap: QueuesSnapshot): BackendsNode[] {
    const name = node.profile.name;
    const schedules = new SchedulesNode(node, name);
    if (snap.queues.length === 0)
      return [
        schedules,
        new MessageNode(
          `empty:${name}`,
          'No queues yet: enqueue test tasks',
          'info',
          undefined,
          { command: 'sitq.enqueueTestTasks', title: 'Enqueue test tasks', arguments: [node] },
          node,
        ),
      ];
    return [schedules, ...snap.queues.map((q) => new QueueNode(node, name, q))];
  }

  private statesOf(node: QueueNode): StateNode[] {
    return TASK_STATES.filter((s) => node.queue.counts[s] > 0).map(
      (s) => new StateNode(node, node.profile, node.queue.queue, s, node.queue.counts[s]),
    );
  }

  private async tasksOf(node: StateNode): Promise<BackendsNode[]> {
    const limit = Math.min(this.pageSize.get(node.id) ?? PAGE, 1000);
    const page = await this.model.client
      .request('tasks.list', { profile: node.profile, queue: node.queue, state: node.state, offset: 0, limit })
      .catch(() => undefined);
    if (!page) return [];
    const rows: BackendsNode[] = page.rows.map((r) => new TaskNode(node, node.profile, r));
    if (page.total > page.rows.length && limit < 1000) rows.push(new LoadMoreNode(node, page.rows.length, page.total));
    return rows;
  }

  private async schedulesOf(node: SchedulesNode): Promise<BackendsNode[]> {
    try {
      const list = await readSchedules(this.model.client, node.profile);
      if (list.length === 0)
        return [
          new MessageNode(
            `noschedules:${node.profile}`,
            'No schedules: add one',
            'info',
            "Add Schedule… (this group's menu), `sitq schedule add NAME TASK --every 5m` or TaskQueue.schedule().",
            { command: 'sitq.addSchedule', title: 'Add Schedule…', arguments: [node] },
            node,
          ),
        ];
      return list.map((s) => new ScheduleNode(node, node.profile, s));
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      return [new MessageNode(`schedules-failed:${node.profile}`, 'The schedules could not be read', 'warning', why, undefined, node)];
    }
  }

  private origin(name: string): ProfileOrigin {
    const { user, shadowed } = this.model.sources();
    return { user: user.includes(name), hidesUser: shadowed.includes(name) };
  }

  /** The list of profiles changed: the whole tree only when rows come or go. */
  private profilesChanged(): void {
    if (this.model.coreState.state === 'failed') return;
    this.update(undefined, this.roots());
  }

  private healthChanged(name: string): void {
    if (!this.row(`profile:${name}`)) return;
    const fresh = this.profileRow(name);
    if (fresh) this.keep(fresh, true);
  }

  /** New counts for a profile: each queue row that changed, or the profile when queues came or went. */
  private queuesChanged(name: string): void {
    const profile = this.row(`profile:${name}`);
    if (!(profile instanceof ProfileNode)) return;
    const snap = this.model.queues.get(name);
    if (snap) this.update(profile, this.queueRows(profile, snap));
  }
}
