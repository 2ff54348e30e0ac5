// Number and time formatting, one place, so every screen reads the same way.
const nf = new Intl.NumberFormat('en-US');

export const fmtInt = (n: number): string => nf.format(Math.round(n));

/** "1 task", "2 tasks", "1,200 finished tasks": a count with its noun (plural with an s). */
export const fmtCount = (n: number, noun: string, adjective = ''): string =>
  `${fmtInt(n)} ${adjective ? `${adjective} ` : ''}${noun}${Math.round(n) === 1 ? '' : 's'}`;

export function fmtMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return fmtDuration(ms);
}

export function fmtDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export function fmtAgo(at: number | undefined, now = Date.now()): string {
  if (!at) return '–';
  const d = now - at;
  if (d < 0) return `in ${fmtDuration(-d)}`;
  if (d < 1500) return 'just now';
  return `${fmtDuration(d)} ago`;
}

export function fmtTime(at: number | undefined): string {
  if (!at) return '–';
  const d = new Date(at);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function fmtClock(at: number): string {
  const d = new Date(at);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function fmtRate(perSec: number | undefined): string {
  if (perSec === undefined || !Number.isFinite(perSec)) return '–';
  return `${perSec >= 100 ? fmtInt(perSec) : perSec.toFixed(1)}/s`;
}
