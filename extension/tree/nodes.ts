// One class per kind of row in the Backends tree. `contextValue` drives the context menus in
// package.json (`viewItem == sitq.profile`, `viewItem =~ /^sitq\.task\.(dead|cancelled)$/`).
import * as vscode from 'vscode';
import type { ProfileHealth, ProfileView, QueueView, TaskDetail, TaskProgress, TaskRow } from '../../shared/protocol/models.js';
import type { TaskState } from '../../shared/core/types.js';
import type { QueueHistory } from '../../shared/core/history.js';
import { KEEP_STATES, formatDurationText, formatRate, type KeepRule, type QueueSettings } from '../../shared/core/queue-settings.js';
import { explain } from '../explain.js';
import type { ScheduleNode, SchedulesNode } from './schedules.js';
import { describeHealth, healthColor, kindIcon, formatCounts, formatAge } from '../format.js';

/** Where a profile row comes from: the project's sitq.config.json, or the user's settings. */
export interface ProfileOrigin {
  user: boolean;
  /** A project profile that hides a user-level one of the same name. */
  hidesUser: boolean;
}

export class ProfileNode extends vscode.TreeItem {
  readonly kind = 'profile' as const;
  readonly parent = undefined;
  declare id: string;
  constructor(
    readonly profile: ProfileView,
    readonly health: ProfileHealth | undefined,
    readonly origin: ProfileOrigin = { user: false, hidesUser: false },
  ) {
    super(profile.name, vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `profile:${profile.name}`;
    const state = profile.problem ? 'invalid profile' : describeHealth(health, profile.kind);
    this.description = origin.user ? `(user) ${state}` : state;
    this.iconPath = new vscode.ThemeIcon(kindIcon(profile.kind), healthColor(profile.problem ? 'unhealthy' : health?.status));
    this.contextValue = 'sitq.profile';
    // The tooltip (exact latency, lag, workers) is built on hover: those change with every check,
    // and the row itself should only change when what it shows does.
  }

  describe(): vscode.MarkdownString {
    const { profile, health, origin } = this;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${profile.name}** · ${profile.kind}\n\n`);
    md.appendMarkdown(`\`${profile.address}\`\n\n`);
    if (origin.user) md.appendMarkdown('User-level profile, from your settings (`sitq.profiles`); available in every workspace.\n\n');
    if (origin.hidesUser)
      md.appendMarkdown(
        "$(warning) Your settings (`sitq.profiles`) have a profile of the same name: this one, from the project's config file, wins.\n\n",
      );
    if (profile.problem) md.appendMarkdown(`$(error) ${escape(profile.problem)}\n\n`);
    if (health) {
      md.appendMarkdown(`Health: **${health.status}** (score ${health.score})`);
      if (health.latencyMs !== undefined) md.appendMarkdown(` · ${health.latencyMs} ms`);
      if (health.serverVersion) md.appendMarkdown(` · ${health.serverVersion}`);
      md.appendMarkdown('\n\n');
      if (health.error) md.appendMarkdown(`$(warning) ${escape(explain(health.error, profile.kind))}\n\n${escape(health.error)}\n\n`);
      if (health.facts)
        md.appendMarkdown(
          `Lag ${formatAge(health.facts.lagMs)} · ${health.facts.liveWorkers} live workers · ${health.facts.deadTasks} dead tasks`,
        );
    }
    return md;
  }
}

export class MessageNode extends vscode.TreeItem {
  readonly kind = 'message' as const;
  declare id: string;
  constructor(
    id: string,
    label: string,
    icon: string,
    detail?: string,
    command?: vscode.Command,
    readonly parent: BackendsNode | undefined = undefined,
    description?: string,
  ) {
    super(label, vscode.TreeItemCollapsibleState.None);
    this.id = id;
    this.iconPath = new vscode.ThemeIcon(icon, icon === 'error' ? new vscode.ThemeColor('testing.iconFailed') : undefined);
    if (detail) this.tooltip = detail;
    if (description) this.description = description;
    if (command) this.command = command;
    this.contextValue = 'sitq.message';
  }
}

export class QueueNode extends vscode.TreeItem {
  readonly kind = 'queue' as const;
  declare id: string;
  constructor(
    readonly parent: ProfileNode,
    readonly profile: string,
    readonly queue: QueueView,
  ) {
    super(queue.queue, vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `queue:${profile}:${queue.queue}`;
    const limits = describeLimits(queue);
    this.description = `${queue.paused ? 'paused · ' : ''}${formatCounts(queue.counts)}${limits ? ` · ${limits}` : ''}`;
    this.iconPath = new vscode.ThemeIcon(queue.paused ? 'debug-pause' : 'list-unordered');
    // `sitq.queue.paused` / `sitq.queue.active`: the menus offer Resume or Pause.
    this.contextValue = `sitq.queue.${queue.paused ? 'paused' : 'active'}`;
  }

  /** Built on hover (resolveTreeItem): the counts with the oldest pending task's age, which changes
   *  all the time, and the last hour's throughput and the stored settings, which cost a request. */
  describe(history: QueueHistory | undefined, settings: QueueSettings | undefined, problem?: string): vscode.MarkdownString {
    const q = this.queue;
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${q.queue}**${q.paused ? ' · paused' : ''}\n\n`);
    md.appendMarkdown(
      `${formatCounts(q.counts, true)}${q.oldestPendingAgeMs ? ` · oldest pending ${formatAge(q.oldestPendingAgeMs)}` : ''}\n\n`,
    );
    if (!problem) md.appendMarkdown(`${history ? describeThroughput(history) : 'Last hour: no task finished'}\n\n`);
    if (settings) {
      md.appendMarkdown(`Limits: ${describeLimits(settings) || 'none'}\n\n`);
      md.appendMarkdown(`Keeps: ${KEEP_STATES.map((s) => `${s} ${describeKeepRule(settings.keep?.[s])}`).join(' · ')}\n\n`);
    }
    if (problem) md.appendMarkdown(`The throughput and settings could not be read: ${escape(problem)}`);
    return md;
  }
}

/** `Last hour: 42 succeeded (0.70/min) · 3 failed (0.05/min) · p95 1.2 s`: the queue's history
 *  (stats.history by minute) over its window. */
export function describeThroughput(h: QueueHistory): string {
  const t = h.total;
  const minutes = Math.max(1, h.points.length);
  const perMin = (n: number) => `${(n / minutes).toFixed(2)}/min`;
  const p95 = t.p95Ms === null ? 'p95 –' : `p95 ${formatAge(t.p95Ms)}`;
  return `Last hour: ${t.succeeded} succeeded (${perMin(t.succeeded)}) · ${t.failed} failed (${perMin(t.failed)}) · ${p95}`;
}

/** `rate 100/1s, at most 3 running`, or '' when the queue has no limits. */
export function describeLimits(s: { rate?: { max: number; perMs: number }; maxRunning?: number }): string {
  const parts: string[] = [];
  if (s.rate) parts.push(`rate ${formatRate(s.rate)}`);
  if (s.maxRunning !== undefined) parts.push(`at most ${s.maxRunning} running`);
  return parts.join(', ');
}

/** `7d, at most 1000` / `all`: what one retention rule keeps. */
export function describeKeepRule(rule: KeepRule | undefined): string {
  if (!rule || (rule.maxAgeMs === undefined && rule.maxCount === undefined)) return 'all';
  const parts: string[] = [];
  if (rule.maxAgeMs !== undefined) parts.push(`${formatDurationText(rule.maxAgeMs)}`);
  if (rule.maxCount !== undefined) parts.push(`at most ${rule.maxCount}`);
  return parts.join(', ');
}

const STATE_ICONS: Record<TaskState, [string, string | undefined]> = {
  pending: ['circle-large-outline', undefined],
  delayed: ['watch', undefined],
  running: ['sync', 'charts.blue'],
  succeeded: ['pass', 'testing.iconPassed'],
  dead: ['error', 'testing.iconFailed'],
  cancelled: ['circle-slash', undefined],
};

export class StateNode extends vscode.TreeItem {
  readonly kind = 'state' as const;
  declare id: string;
  constructor(
    readonly parent: QueueNode,
    readonly profile: string,
    readonly queue: string,
    readonly state: TaskState,
    readonly count: number,
  ) {
    super(state, vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `state:${profile}:${queue}:${state}`;
    this.description = String(count);
    const [icon, color] = STATE_ICONS[state];
    this.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    this.contextValue = `sitq.state.${state}`;
  }
}

export class TaskNode extends vscode.TreeItem {
  readonly kind = 'task' as const;
  declare id: string;
  constructor(
    readonly parent: StateNode,
    readonly profile: string,
    readonly row: TaskRow,
  ) {
    super(row.name, vscode.TreeItemCollapsibleState.None);
    this.id = `task:${profile}:${row.id}`;
    // Ids start with a timestamp, so their tail is what tells rows apart.
    const progress = row.state === 'running' && row.progress !== undefined ? ` · ${formatProgress(row.progress)}` : '';
    this.description = `…${row.id.slice(-8)}${progress} · attempt ${row.attempts}/${row.maxAttempts}${row.error ? ` · ${row.error}` : ''}`;
    const [icon, color] = STATE_ICONS[row.state];
    this.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    this.contextValue = `sitq.task.${row.state}`;
    this.command = { command: 'sitq.openTask', title: 'Open Task', arguments: [this] };
  }
}

export class LoadMoreNode extends vscode.TreeItem {
  readonly kind = 'more' as const;
  declare id: string;
  constructor(
    readonly parent: StateNode,
    shown: number,
    total: number,
  ) {
    super('Load more…', vscode.TreeItemCollapsibleState.None);
    this.id = `more:${parent.id}`;
    this.description = `${shown} of ${total}`;
    this.iconPath = new vscode.ThemeIcon('ellipsis');
    this.contextValue = 'sitq.loadMore';
    this.command = { command: 'sitq.loadMore', title: 'Load more', arguments: [this] };
  }
}

/** A task's hover: its state, attempts, payload, result and error (`detail` read on hover). */
export function taskTooltip(row: TaskRow, detail: TaskDetail | null): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**${row.name}** \`${row.id}\`\n\n`);
  md.appendMarkdown(`State **${row.state}** · attempt ${row.attempts} of ${row.maxAttempts} · priority ${row.priority}\n\n`);
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
  } else if (row.error) {
    md.appendCodeblock(row.error, 'text');
  }
  md.appendMarkdown('\n\nClick to open all of it.');
  return md;
}

/** A running task's last progress, short: `42%`, or its object as compact JSON (cut at 40 characters). */
export function formatProgress(progress: TaskProgress): string {
  if (typeof progress === 'number') return `${Math.round(progress)}%`;
  const text = JSON.stringify(progress);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

function truncate(text: string, max = 2000): string {
  return text.length > max ? `${text.slice(0, max)}\n…` : text;
}

export type BackendsNode = ProfileNode | MessageNode | QueueNode | StateNode | TaskNode | LoadMoreNode | SchedulesNode | ScheduleNode;

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
