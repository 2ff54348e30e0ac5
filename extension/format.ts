// Short texts and icons shared by the views, the status bar and notifications.
import * as vscode from 'vscode';
import { descriptorOf } from '../shared/backends/descriptors.js';
import { explain } from './explain.js';
import type { BackendKind, HealthStatus, ProfileHealth, StateCountsView } from '../shared/protocol/models.js';

export function kindIcon(kind: BackendKind): string {
  return descriptorOf(kind).icon;
}

export function healthColor(status: HealthStatus | undefined): vscode.ThemeColor | undefined {
  switch (status) {
    case 'healthy':
      return new vscode.ThemeColor('testing.iconPassed');
    case 'degraded':
      return new vscode.ThemeColor('list.warningForeground');
    case 'unhealthy':
      return new vscode.ThemeColor('testing.iconFailed');
    default:
      return undefined;
  }
}

/** `healthy` (`· score 70+` when below 90), or `unhealthy · <reason and what to do>`. */
export function describeHealth(h: ProfileHealth | undefined, kind?: BackendKind): string {
  if (!h) return 'checking…';
  const parts: string[] = [h.status];
  if (h.status === 'unhealthy' && h.error) parts.push(explain(h.error, kind));
  else {
    // No response time here: it moves with every check on a busy machine, and a row that changes
    // is redrawn with everything under it (an open context menu then loses its row). The tooltip
    // has it, and the exact score.
    if (h.score < 90) parts.push(`score ${Math.floor(h.score / 10) * 10}+`);
  }
  return parts.join(' · ');
}

/** `12 pending · 3 running · 185 done`: the states that have tasks (all of them with `full`). */
export function formatCounts(c: StateCountsView, full = false): string {
  const parts: string[] = [];
  const add = (n: number, label: string) => (full || n > 0) && parts.push(`${n} ${label}`);
  add(c.pending, 'pending');
  add(c.delayed, 'delayed');
  add(c.running, 'running');
  add(c.succeeded, 'done');
  add(c.dead, 'dead');
  add(c.cancelled, 'cancelled');
  return parts.length ? parts.join(' · ') : 'empty';
}

export { formatAge } from './task-text.js';
