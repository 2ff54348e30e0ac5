// The types of a schedule that the tools and the protocol share (schedules.ts holds the logic): no
// runtime code, no Node.js types, so the browser dashboard's code can import them too.

/** When a schedule fires: a cron pattern (5 fields, or 6 with seconds first) read in time zone `tz`
 *  (IANA name; default UTC), or a fixed interval of `every` ms counted from when the schedule was
 *  created (or its spec last changed). */
export type ScheduleSpec = { cron: string; tz?: string } | { every: number };

/** What happens to ticks the scheduler reaches more than LATE_TICK_MS after their time (every
 *  worker was down or the schedule's queue was not served): `'latest'` enqueues the most recent one
 *  of them (unless a tick is due on time anyway), `'none'` skips them all, `'all'` enqueues them, at
 *  most `catchUpLimit` (the most recent ones). */
export type CatchUpPolicy = 'latest' | 'none' | 'all';

/** What a schedule's stored record and the tools' view of it have in common. */
export interface ScheduleFields {
  name: string;
  spec: ScheduleSpec;
  task: string;
  queue: string;
  /** The serializer the payload was stored with. */
  serializer: string;
  /** How each task is enqueued, when the schedule sets it (else the queue's defaults apply). */
  priority?: number;
  maxAttempts?: number;
  /** Per-attempt time limit (ms). */
  timeout?: number;
  catchUp: CatchUpPolicy;
  catchUpLimit: number;
  paused: boolean;
  createdAt: number;
  updatedAt: number;
  /** Every tick at or before this epoch ms has been handled (enqueued or skipped by the catch-up
   *  policy). */
  lastTick: number;
}

/** A schedule as the library and the tools show it. */
export interface ScheduleInfo extends ScheduleFields {
  /** The payload decoded, when its serializer is known in this process (absent otherwise). */
  payload?: unknown;
  /** The latest tick enqueued and its task id; null before the first. */
  lastRun: { tick: number; taskId: string; enqueuedAt: number } | null;
  /** The next tick times (epoch ms) after now, ascending; empty for a pattern with no more matches.
   *  A paused schedule shows the ticks it would run once resumed. */
  nextRuns: number[];
  /** The state entry's version (grows with every change, including each tick). */
  version: number;
}
