// Schedules: named recurring enqueues (`{ cron, tz? }` or `{ every: ms }`), each stored once in the
// backend's coordination state under `schedules/<name>` and run by every Worker's scheduler
// (scheduler.ts). This module holds the definition, its checks, the stored record, the tick
// arithmetic and the catch-up plan; it has no loop and no backend-specific code.
//
// The stored record's `lastTick` is a cursor: every tick at or before it has been handled (enqueued
// or skipped by the catch-up policy). `pending` lists the ticks a scheduler has decided to enqueue
// but not yet confirmed; whoever reads them enqueues them again under the same idempotency key
// (`schedule:<name>:<tickEpochMs>`), so a crash between the decision and the enqueue loses nothing
// and a repeat creates nothing.
import { Cron } from 'croner';
import { z } from 'zod';
import type { Backend, StateEntry } from './backend.js';
import { ConfigurationError, SitqError } from './errors.js';
import { enqueueOptionsSchema } from './enqueue-options.js';
import { CATCH_UP_LIMIT, DEFAULT_CATCH_UP_LIMIT, SCHEDULE_NAME, SCHEDULE_NAME_EXPECTED, STATE_VALUE_MAX_BYTES } from './rules.js';
import { parseOptions } from './validate.js';
import type { CatchUpPolicy, ScheduleFields, ScheduleInfo, ScheduleSpec } from './schedule-types.js';

export type { CatchUpPolicy, ScheduleFields, ScheduleInfo, ScheduleSpec } from './schedule-types.js';

export const CATCH_UP_POLICIES: readonly CatchUpPolicy[] = ['latest', 'none', 'all'];

/** A tick the scheduler reaches within this many ms of its time is on time and is always enqueued;
 *  an older one counts as missed and the catch-up policy decides. */
export const LATE_TICK_MS = 30_000;
// The catch-up limit's rule lives in rules.ts, where the dashboard's form and the extension read it too.
export { CATCH_UP_LIMIT, DEFAULT_CATCH_UP_LIMIT } from './rules.js';
/** The shortest `every`: the scheduler looks at most once a second when idle. */
export const EVERY_MS = { min: 1000, max: 366 * 24 * 3600 * 1000 } as const;
// The name's rule lives in rules.ts, where the extension's input boxes read it too.
export { SCHEDULE_NAME, SCHEDULE_NAME_EXPECTED } from './rules.js';
export const SCHEDULE_PREFIX = 'schedules/';
/** How many next runs getSchedule/listSchedules answer by default. */
export const DEFAULT_NEXT_RUNS = 5;
const MAX_NEXT_RUNS = 100;

const scheduleOptionsSchema = enqueueOptionsSchema.omit({ delay: true, runAt: true, idempotencyKey: true }).extend({
  catchUp: z.enum(['latest', 'none', 'all']).optional(),
  catchUpLimit: z.number().int().min(CATCH_UP_LIMIT.min).max(CATCH_UP_LIMIT.max).optional(),
  paused: z.boolean().optional(),
});

/** How each task of a schedule is enqueued (queue, priority, attempts, backoff, timeout: as
 *  EnqueueOptions; a tick sets runAt and the idempotency key itself) and what it does after downtime. */
export type ScheduleOptions = z.input<typeof scheduleOptionsSchema>;

/** The record stored as JSON under `schedules/<name>`. */
export interface StoredSchedule extends ScheduleFields {
  v: 1;
  /** The serialized payload, base64. */
  payload: string;
  backoff?: { type?: 'exponential' | 'fixed'; baseMs?: number; maxMs?: number; jitter?: number };
  /** For `every`: ticks fall on anchor + k × every. */
  anchor: number;
  /** Ticks decided but not yet confirmed enqueued (see the top of this file). */
  pending: number[];
  /** The latest tick enqueued and its task. */
  lastRun?: { tick: number; taskId: string; enqueuedAt: number };
}

/** A stored schedule that cannot be read (written by a newer sitq, or damaged). */
export class ScheduleRecordError extends SitqError {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`the schedule record ${key} cannot be read: ${reason}`);
  }
}

export function scheduleKey(name: string): string {
  return SCHEDULE_PREFIX + name;
}

export function assertScheduleName(name: unknown, option = 'schedule name'): asserts name is string {
  if (typeof name !== 'string' || !SCHEDULE_NAME.test(name))
    throw new ConfigurationError({ option, expected: SCHEDULE_NAME_EXPECTED, given: name });
}

/** Checks a spec; answers the cron (croner) object for a cron spec. */
export function checkSpec(spec: unknown): ScheduleSpec {
  const fail = (option: string, expected: string, given: unknown): never => {
    throw new ConfigurationError({ option, expected, given });
  };
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec))
    return fail('schedule spec', '{ cron: "<pattern>", tz?: "<IANA zone>" } or { every: <ms> }', spec);
  const s = spec as Record<string, unknown>;
  const keys = Object.keys(s);
  if ('every' in s) {
    if (keys.some((k) => k !== 'every')) return fail('schedule spec', '{ every: <ms> } with no other field', spec);
    const every = s.every;
    if (typeof every !== 'number' || !Number.isInteger(every) || every < EVERY_MS.min || every > EVERY_MS.max) {
      return fail('schedule spec.every', `a whole number of ms from ${EVERY_MS.min} to ${EVERY_MS.max}`, every);
    }
    return { every };
  }
  if (!('cron' in s) || keys.some((k) => k !== 'cron' && k !== 'tz'))
    return fail('schedule spec', '{ cron: "<pattern>", tz?: "<IANA zone>" } or { every: <ms> }', spec);
  if (typeof s.cron !== 'string' || s.cron.trim() === '' || s.cron.length > 200)
    return fail('schedule spec.cron', 'a cron pattern of 5 fields (6 with seconds first)', s.cron);
  if (s.tz !== undefined && !isTimeZone(s.tz))
    return fail('schedule spec.tz', 'an IANA time zone name such as "Europe/Berlin" or "UTC"', s.tz);
  const checked: ScheduleSpec = s.tz === undefined ? { cron: s.cron.trim() } : { cron: s.cron.trim(), tz: s.tz as string };
  let next: Date | null;
  try {
    next = cronOf(checked).nextRun(new Date());
  } catch (err) {
    return fail('schedule spec.cron', `a cron pattern of 5 fields (6 with seconds first) (${(err as Error).message})`, s.cron);
  }
  if (!next) return fail('schedule spec.cron', 'a pattern that matches at least one future time', s.cron);
  return checked;
}

function isTimeZone(tz: unknown): tz is string {
  if (typeof tz !== 'string' || tz === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function cronOf(spec: { cron: string; tz?: string }): Cron {
  return new Cron(spec.cron, { timezone: spec.tz ?? 'UTC', mode: '5-or-6-parts' });
}

/** The tick times of one schedule: the arithmetic for `every`, croner for cron (its DST rules: a
 *  fixed time that falls in a spring-forward gap runs at the first time after the gap, one that
 *  occurs twice runs once, at the first occurrence; a pattern with a wildcard, step, range or list
 *  in its time fields skips times in the gap and runs on both occurrences of a repeated time). */
export class Ticks {
  private readonly cron: Cron | undefined;
  private readonly every: number | undefined;
  private readonly anchor: number;

  constructor(spec: ScheduleSpec, anchor: number) {
    this.anchor = anchor;
    if ('every' in spec) this.every = spec.every;
    else this.cron = cronOf(spec);
  }

  /** The first tick strictly after `t`, or null when the pattern has no more. */
  after(t: number): number | null {
    if (this.every !== undefined) return this.anchor + (Math.floor((t - this.anchor) / this.every) + 1) * this.every;
    return this.cron!.nextRun(new Date(t))?.getTime() ?? null;
  }

  /** Up to `n` ticks at or before `t`, newest first. */
  atOrBefore(t: number, n: number): number[] {
    if (this.every !== undefined) {
      const k = Math.floor((t - this.anchor) / this.every);
      return Array.from({ length: n }, (_, i) => this.anchor + (k - i) * this.every!);
    }
    return this.cron!.previousRuns(n, new Date(t + 1))
      .map((d) => d.getTime())
      .filter((x) => x <= t);
  }

  /** The next `n` ticks strictly after `t`. */
  next(n: number, t: number): number[] {
    return this.between(t, Infinity, n);
  }

  /** Up to `max` ticks strictly after `from` and at or before `to`, ascending. */
  between(from: number, to: number, max: number): number[] {
    const out: number[] = [];
    for (let at = from; out.length < max;) {
      const tick = this.after(at);
      if (tick === null || tick > to) break;
      out.push(tick);
      at = tick;
    }
    return out;
  }
}

/** What a scheduler does with a schedule at `now`: the ticks to enqueue (ascending) and the new
 *  cursor, or null when no tick is due. */
export interface TickPlan {
  enqueue: number[];
  lastTick: number;
  /** Ticks left out by the catch-up policy (counted up to the catch-up limit + 1). */
  skipped: number;
}

/** Plans the due ticks of `s` at `now` (pure: the scheduler and the tests call it). Ticks reached
 *  within LATE_TICK_MS are on time and all enqueued (at most CATCH_UP_LIMIT.max of them); older ones
 *  follow the catch-up policy. */
export function planTicks(
  s: Pick<StoredSchedule, 'spec' | 'anchor' | 'lastTick' | 'catchUp' | 'catchUpLimit'>,
  now: number,
): TickPlan | null {
  const ticks = new Ticks(s.spec, s.anchor);
  const first = ticks.after(s.lastTick);
  if (first === null || first > now) return null;
  const lateBefore = now - LATE_TICK_MS;
  const onTime = ticks.between(Math.max(s.lastTick, lateBefore - 1), now, CATCH_UP_LIMIT.max);
  // Missed: after the cursor and more than LATE_TICK_MS ago, newest first, one more than the cap
  // so that "were any left out" is known.
  const missedForward = first < lateBefore ? ticks.between(s.lastTick, lateBefore - 1, s.catchUpLimit + 1) : [];
  const missedNewestFirst =
    missedForward.length <= s.catchUpLimit
      ? missedForward.reverse()
      : ticks.atOrBefore(lateBefore - 1, s.catchUpLimit + 1).filter((t) => t > s.lastTick);
  let take: number[];
  switch (s.catchUp) {
    case 'all':
      take = missedNewestFirst.slice(0, s.catchUpLimit).reverse();
      break;
    case 'latest':
      take = onTime.length === 0 ? missedNewestFirst.slice(0, 1) : [];
      break;
    case 'none':
      take = [];
      break;
  }
  const latestDue = onTime.length > 0 ? onTime[onTime.length - 1] : missedNewestFirst[0];
  return { enqueue: [...take, ...onTime], lastTick: latestDue ?? now, skipped: missedNewestFirst.length - take.length };
}

/** Parses a stored record; throws ScheduleRecordError naming the key when it cannot. */
export function readSchedule(entry: StateEntry): StoredSchedule {
  let value: unknown;
  try {
    value = JSON.parse(entry.value);
  } catch (err) {
    throw new ScheduleRecordError(entry.key, `not JSON (${(err as Error).message})`);
  }
  const r = value as Partial<StoredSchedule> | null;
  if (typeof r !== 'object' || r === null) throw new ScheduleRecordError(entry.key, 'not an object');
  if (r.v !== 1) throw new ScheduleRecordError(entry.key, `record version ${String(r.v)} (this sitq reads version 1; upgrade sitq)`);
  const numbers = [r.createdAt, r.updatedAt, r.anchor, r.lastTick, r.catchUpLimit];
  if (
    typeof r.name !== 'string' ||
    typeof r.task !== 'string' ||
    typeof r.payload !== 'string' ||
    typeof r.serializer !== 'string' ||
    typeof r.queue !== 'string' ||
    numbers.some((n) => typeof n !== 'number') ||
    !Array.isArray(r.pending) ||
    !CATCH_UP_POLICIES.includes(r.catchUp as CatchUpPolicy)
  ) {
    throw new ScheduleRecordError(entry.key, 'a field is missing or of the wrong type');
  }
  try {
    checkSpec(r.spec);
  } catch (err) {
    throw new ScheduleRecordError(entry.key, (err as Error).message);
  }
  return r as StoredSchedule;
}

export function writeScheduleValue(s: StoredSchedule): string {
  const value = JSON.stringify(s);
  if (Buffer.byteLength(value) > STATE_VALUE_MAX_BYTES) {
    throw new ConfigurationError({
      option: 'schedule payload',
      expected: `a schedule record of at most ${STATE_VALUE_MAX_BYTES} bytes (the payload is stored base64 inside it)`,
      given: `${Buffer.byteLength(value)} bytes`,
    });
  }
  return value;
}

export interface ScheduleDefinition {
  name: string;
  spec: ScheduleSpec;
  task: string;
  payload: Uint8Array;
  serializer: string;
  options?: ScheduleOptions;
}

/** How many times a read-modify-write of one schedule is tried when other writers (schedulers
 *  ticking it) get there first; each try reads the latest version. */
const WRITE_TRIES = 20;

/** Reads, changes and compare-and-sets one schedule until it lands (a scheduler's tick may move the
 *  version between the read and the write). `change` answers the new record, or undefined to
 *  leave it; answers the written entry, or null when the schedule does not exist. */
export async function updateSchedule(
  backend: Backend,
  name: string,
  change: (current: StoredSchedule | null, entry: StateEntry | null) => StoredSchedule | undefined,
): Promise<{ entry: StateEntry; record: StoredSchedule } | null> {
  const key = scheduleKey(name);
  for (let i = 0; i < WRITE_TRIES; i++) {
    const entry = await backend.getState(key);
    const current = entry ? readSchedule(entry) : null;
    const next = change(current, entry);
    if (next === undefined) return entry && current ? { entry, record: current } : null;
    const written = await backend.setState(key, writeScheduleValue(next), entry?.version ?? 0);
    if (written) return { entry: written, record: next };
  }
  throw new SitqError(`the schedule ${name} changed ${WRITE_TRIES} times while it was being written; try again`);
}

/** Creates the schedule, or replaces its definition. A changed spec restarts its ticks from `now`
 *  (no catch-up of the old spec's ticks); an unchanged one keeps its cursor and last run. A paused
 *  schedule stays paused unless `options.paused` says otherwise. */
export async function upsertSchedule(
  backend: Backend,
  def: ScheduleDefinition,
  now: number,
): Promise<{ entry: StateEntry; record: StoredSchedule }> {
  assertScheduleName(def.name);
  const spec = checkSpec(def.spec);
  const o = parseOptions(scheduleOptionsSchema, def.options ?? {}, 'schedule options');
  const base = {
    v: 1 as const,
    name: def.name,
    spec,
    task: def.task,
    payload: Buffer.from(def.payload).toString('base64'),
    serializer: def.serializer,
    queue: o.queue ?? 'default',
    ...(o.priority !== undefined ? { priority: o.priority } : {}),
    ...(o.maxAttempts !== undefined ? { maxAttempts: o.maxAttempts } : {}),
    ...(o.backoff !== undefined ? { backoff: o.backoff } : {}),
    ...(o.timeout !== undefined ? { timeout: o.timeout } : {}),
    catchUp: o.catchUp ?? 'latest',
    catchUpLimit: o.catchUpLimit ?? DEFAULT_CATCH_UP_LIMIT,
    updatedAt: now,
  };
  const result = await updateSchedule(backend, def.name, (current) => {
    if (!current) return { ...base, paused: o.paused ?? false, createdAt: now, anchor: now, lastTick: now, pending: [] };
    const sameSpec = JSON.stringify(current.spec) === JSON.stringify(spec);
    return {
      ...base,
      paused: o.paused ?? current.paused,
      createdAt: current.createdAt,
      anchor: sameSpec ? current.anchor : now,
      lastTick: sameSpec ? current.lastTick : Math.max(now, current.lastTick),
      pending: current.pending,
      ...(current.lastRun ? { lastRun: current.lastRun } : {}),
    };
  });
  return result!;
}

/** Pauses (no tick is enqueued) or resumes a schedule. A resumed schedule skips the ticks that fell
 *  while it was paused: its next tick is the first after the resume. False for an unknown name. */
export async function setSchedulePaused(backend: Backend, name: string, paused: boolean, now: number): Promise<boolean> {
  assertScheduleName(name);
  const result = await updateSchedule(backend, name, (current) => {
    if (!current || current.paused === paused) return undefined;
    return paused
      ? { ...current, paused, updatedAt: now }
      : { ...current, paused, updatedAt: now, lastTick: Math.max(now, current.lastTick) };
  });
  return result !== null;
}

export async function removeSchedule(backend: Backend, name: string): Promise<boolean> {
  assertScheduleName(name);
  return backend.deleteState(scheduleKey(name));
}

/** The view of a stored schedule with its next `runs` tick times after `now`. */
export function toScheduleInfo(
  entry: StateEntry,
  s: StoredSchedule,
  now: number,
  runs: number,
  decode: (bytes: Uint8Array, serializer: string) => { value: unknown } | undefined,
): ScheduleInfo {
  const ticks = new Ticks(s.spec, s.anchor);
  const info: ScheduleInfo = {
    name: s.name,
    spec: s.spec,
    task: s.task,
    queue: s.queue,
    serializer: s.serializer,
    catchUp: s.catchUp,
    catchUpLimit: s.catchUpLimit,
    paused: s.paused,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    lastTick: s.lastTick,
    lastRun: s.lastRun ?? null,
    nextRuns: ticks.next(runs, Math.max(now, s.lastTick)),
    version: entry.version,
  };
  if (s.priority !== undefined) info.priority = s.priority;
  if (s.maxAttempts !== undefined) info.maxAttempts = s.maxAttempts;
  if (s.timeout !== undefined) info.timeout = s.timeout;
  const decoded = decode(Buffer.from(s.payload, 'base64'), s.serializer);
  if (decoded) info.payload = decoded.value;
  return info;
}

export function checkRuns(runs: unknown): number {
  if (runs === undefined) return DEFAULT_NEXT_RUNS;
  if (typeof runs !== 'number' || !Number.isInteger(runs) || runs < 0 || runs > MAX_NEXT_RUNS) {
    throw new ConfigurationError({ option: 'runs', expected: `a whole number of next runs from 0 to ${MAX_NEXT_RUNS}`, given: runs });
  }
  return runs;
}
