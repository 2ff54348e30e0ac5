// The Schedules group under each profile of the Backends tree and its rows (one per schedule:
// name, next run, paused). `contextValue` drives the menus in package.json
// (`viewItem =~ /^sitq\.schedule\./`). The rows are read when the group is expanded or refreshed
// (after Pause, Resume or Remove): schedules change rarely, so they are not polled.
import * as vscode from 'vscode';
import type { ScheduleView } from '../../shared/protocol/models.js';
import type { ProtocolClient } from '../../shared/protocol/client.js';

/** The profile row a Schedules group hangs under (ProfileNode; structural, to keep this module
 *  free of nodes.ts). */
export interface ScheduleParent extends vscode.TreeItem {
  id: string;
  parent: undefined;
}

export class SchedulesNode extends vscode.TreeItem {
  readonly kind = 'schedules' as const;
  declare id: string;
  constructor(
    readonly parent: ScheduleParent,
    readonly profile: string,
  ) {
    super('Schedules', vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `schedules:${profile}`;
    this.iconPath = new vscode.ThemeIcon('calendar');
    this.contextValue = 'sitq.schedules';
  }
}

export class ScheduleNode extends vscode.TreeItem {
  readonly kind = 'schedule' as const;
  declare id: string;
  constructor(
    readonly parent: SchedulesNode,
    readonly profile: string,
    readonly schedule: ScheduleView,
  ) {
    super(schedule.name, vscode.TreeItemCollapsibleState.None);
    this.id = `schedule:${profile}:${schedule.name}`;
    this.description = describeSchedule(schedule);
    this.iconPath = new vscode.ThemeIcon(
      schedule.paused ? 'debug-pause' : 'clock',
      schedule.paused ? new vscode.ThemeColor('disabledForeground') : undefined,
    );
    this.contextValue = `sitq.schedule.${schedule.paused ? 'paused' : 'active'}`;
    this.tooltip = scheduleTooltip(schedule);
  }
}

/** `paused · every 30 s → queue` or `next 14:05:00 · cron 5 * * * * → queue`. */
export function describeSchedule(s: ScheduleView): string {
  const next = s.nextRuns[0];
  const when = s.paused ? 'paused' : next === undefined ? 'no next run' : `next ${formatTime(next)}`;
  return `${when} · ${describeSpec(s.spec)} → ${s.queue}`;
}

function describeSpec(spec: ScheduleView['spec']): string {
  if ('every' in spec) return `every ${formatEvery(spec.every)}`;
  return `cron ${spec.cron}${spec.tz ? ` (${spec.tz})` : ''}`;
}

function formatEvery(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/** Today's ticks by their time of day, later ones with their date too (local time). */
export function formatTime(epochMs: number): string {
  const d = new Date(epochMs);
  const time = d.toLocaleTimeString(undefined, { hour12: false });
  return d.toDateString() === new Date().toDateString() ? time : `${d.toLocaleDateString()} ${time}`;
}

function scheduleTooltip(s: ScheduleView): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**${s.name}** · ${s.paused ? 'paused' : 'active'}\n\n`);
  md.appendMarkdown(`Enqueues \`${s.task}\` on queue \`${s.queue}\`, ${describeSpec(s.spec)} (catch-up: ${s.catchUp})\n\n`);
  if (s.nextRuns.length) md.appendMarkdown(`Next runs${s.paused ? ' once resumed' : ''}: ${s.nextRuns.map(formatTime).join(', ')}\n\n`);
  if (s.lastRun) md.appendMarkdown(`Last run: ${formatTime(s.lastRun.tick)} (task \`${s.lastRun.taskId}\`)`);
  return md;
}

/** A profile's schedules by name (with their next 3 ticks). */
export async function readSchedules(client: ProtocolClient, profile: string): Promise<ScheduleView[]> {
  const list = await client.request('schedules.list', { profile, runs: 3 });
  return [...list].sort((a, b) => a.name.localeCompare(b.name));
}
