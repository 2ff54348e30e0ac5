// How the schedules screen shows a schedule's spec (`every 5 min`, `0 3 * * * (Europe/Berlin)`) and
// its run times (in the schedule's zone for cron, the browser's for every), for the list and the
// form's preview alike.
import type { ScheduleSpecView } from '../../shared/protocol/models.js';
import { fmtTime } from '../format.js';

export const UNITS = [
  { label: 'seconds', ms: 1000 },
  { label: 'minutes', ms: 60_000 },
  { label: 'hours', ms: 3_600_000 },
  { label: 'days', ms: 86_400_000 },
];

/** `every 5 min`, `0 3 * * * (Europe/Berlin)`. */
export function specText(spec: ScheduleSpecView): string {
  if ('every' in spec) {
    const unit = [...UNITS].reverse().find((u) => spec.every % u.ms === 0);
    return unit ? `every ${spec.every / unit.ms} ${unit.label.replace(/s$/, spec.every === unit.ms ? '' : 's')}` : `every ${spec.every} ms`;
  }
  return spec.tz ? `${spec.cron} (${spec.tz})` : `${spec.cron} (UTC)`;
}

export const tzOf = (spec: ScheduleSpecView): string | undefined => ('cron' in spec ? (spec.tz ?? 'UTC') : undefined);

/** A time in the schedule's zone (cron) or the browser's (every), with the zone named when it is
 *  not the browser's. */
export function zoned(at: number, tz: string | undefined): string {
  const local = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!tz || tz === local) return `${weekday(at)} ${fmtTime(at).slice(0, 19)}`;
  try {
    const parts = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      weekday: 'short',
    }).formatToParts(new Date(at));
    const p = (t: string) => parts.find((x) => x.type === t)?.value ?? '';
    return `${p('weekday')} ${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')}:${p('second')} ${tz}`;
  } catch {
    return `${weekday(at)} ${fmtTime(at).slice(0, 19)}`;
  }
}

const weekday = (at: number): string => new Date(at).toLocaleDateString('en-US', { weekday: 'short' });
