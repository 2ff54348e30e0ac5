// Aligned tables and human-readable numbers, durations and times for the CLI's default output.
import type { Colors } from 'picocolors/types.js';

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | undefined;
  /** Numbers align right by default, text left. */
  align?: 'left' | 'right';
  /** Colour applied after padding (so widths stay right). */
  color?: (text: string, row: T) => string;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
const visible = (s: string) => s.replace(ANSI, '').length;

/** `line` cut to `width` visible characters (colours dropped from a line that had to be cut). */
export function fitWidth(line: string, width: number): string {
  if (visible(line) <= width) return line;
  return `${line.replace(ANSI, '').slice(0, Math.max(0, width - 1))}…`;
}

/** Rows as an aligned table: a header line, then one line per row, columns two spaces apart. */
export function table<T>(rows: readonly T[], columns: readonly Column<T>[], colors?: Colors): string {
  const cells = rows.map((row) => columns.map((c) => cellText(c.value(row))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => visible(r[i]))));
  const numeric = (c: Column<T>) =>
    rows.some((r) => typeof c.value(r) === 'number') && rows.every((r) => ['number', 'undefined'].includes(typeof c.value(r)));
  const rightAligned = columns.map((c) => c.align === 'right' || (c.align === undefined && numeric(c)));
  const pad = (text: string, i: number) => {
    const fill = ' '.repeat(Math.max(0, widths[i] - visible(text)));
    return rightAligned[i] ? fill + text : text + fill;
  };
  const header = columns
    .map((c, i) => pad(c.header, i))
    .join('  ')
    .trimEnd();
  const lines = [colors ? colors.bold(header) : header];
  rows.forEach((row, r) => {
    const line = columns.map((c, i) => {
      const padded = pad(cells[r][i], i);
      return c.color ? c.color(padded, row) : padded;
    });
    lines.push(line.join('  ').trimEnd());
  });
  return lines.join('\n');
}

/** `key: value` lines with the keys aligned. */
export function keyValues(pairs: readonly [string, string | number | undefined][], colors?: Colors): string {
  const shown = pairs.filter(([, v]) => v !== undefined && v !== '');
  const width = Math.max(0, ...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${colors ? colors.dim(`${k}:`.padEnd(width + 1)) : `${k}:`.padEnd(width + 1)} ${cellText(v)}`).join('\n');
}

function cellText(v: string | number | undefined): string {
  if (v === undefined) return '-';
  if (typeof v === 'number') return formatNumber(v);
  return v;
}

/** 12,345 or 12.3 (at most one decimal for non-integers). */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n.toLocaleString('en-US', { maximumFractionDigits: n < 10 ? 2 : 1 });
}

/** 0.42 ms, 12 ms, 1.5 s, 3.2 min, 2.0 h, 3.1 d. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}

/** Local time `2025-01-31 14:05:09` (with .mmm when asked). */
export function formatTime(epochMs: number | undefined, withMs = false): string {
  if (epochMs === undefined) return '-';
  const d = new Date(epochMs);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const base = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return withMs ? `${base}.${p(d.getMilliseconds(), 3)}` : base;
}

/** Local time of day `14:05:09`, for views that refresh during one session. */
export function formatClock(epochMs: number): string {
  return formatTime(epochMs).slice(11);
}

/** A value as one short line: JSON, cut to `max` characters. */
export function preview(value: unknown, max = 60): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
