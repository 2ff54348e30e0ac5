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

/** `healthy · < 5 ms` (`· score 80` when below 95), or `unhealthy · <reason and what to do>`. The response time
 *  shows as a band (`latency`, from latencyBand) so a row does not change with every check. */
export function describeHealth(h: ProfileHealth | undefined, kind?: BackendKind, latency?: string): string {
  if (!h) return 'checking…';
  const parts: string[] = [h.status];
  if (h.status === 'unhealthy' && h.error) parts.push(explain(h.error, kind));
  else {
    if (h.latencyMs !== undefined) parts.push(latency ?? latencyBand(h.latencyMs));
    // The score moves by tenths after every check once any check was slow: the row names it only
    // when it is low enough to matter (the tooltip always has it).
    if (h.score < 95) parts.push(`score ${Math.floor(h.score)}`);
  }
  return parts.join(' · ');
}

const BANDS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

/** A response time as the band it falls in (`< 5 ms`). With `previous` (the band shown last) the
 *  band stays while the time is within a third beyond its edges: jitter around an edge does not
 *  flip the text back and forth. */
export function latencyBand(ms: number, previous?: string): string {
  const index = (v: number) => {
    const i = BANDS_MS.findIndex((b) => v < b);
    return i < 0 ? BANDS_MS.length : i;
  };
  const text = (i: number) => (i < BANDS_MS.length ? `< ${ms2text(BANDS_MS[i])}` : `≥ ${ms2text(BANDS_MS[BANDS_MS.length - 1])}`);
  const prev = previous === undefined ? -1 : [...BANDS_MS.keys(), BANDS_MS.length].find((i) => text(i) === previous) ?? -1;
  if (prev >= 0) {
    const low = prev > 0 ? BANDS_MS[prev - 1] : 0;
    const high = prev < BANDS_MS.length ? BANDS_MS[prev] : Infinity;
    if (ms >= low * 0.75 && ms < high * 1.33) return previous!;
  }
  return text(index(ms));
}

function ms2text(ms: number): string {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
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

export function formatAge(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}
