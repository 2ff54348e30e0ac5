// A queue's settings, stored on the backend in the coordination state under `queues/<queue>` (one
// JSON record per queue, shared by every process): pause and limits (flow control) and `keep`
// (retention, core/retention.ts). Each feature changes only its own fields through
// updateQueueSettings, a compare-and-set loop, so writers of different fields never undo each other.
import type { Backend } from './backend.js';
import { ConfigurationError, SitqError, describeValue, type ConfigurationIssue } from './errors.js';
import { QUEUE_NAME, QUEUE_NAME_EXPECTED, rangeIssue, type RuleIssue, type WholeNumberRange } from './rules.js';

/** How long and how many finished tasks of one state a queue keeps. Either, both or neither. */
export interface KeepRule {
  /** Delete tasks that finished more than this many ms ago. */
  maxAgeMs?: number;
  /** Keep at most this many (the newest by finish time). */
  maxCount?: number;
}

/** Retention per finished state. A state without a rule keeps everything. */
export interface KeepSettings {
  succeeded?: KeepRule;
  dead?: KeepRule;
  cancelled?: KeepRule;
}

export const KEEP_STATES = ['succeeded', 'dead', 'cancelled'] as const;

/** At most `max` tasks of the queue start per `perMs` ms, across every worker and process. */
export interface RateLimit {
  max: number;
  perMs: number;
}

export interface QueueSettings {
  /** No worker claims from the queue while set; enqueueing still works (core/queue-controls.ts). */
  paused?: boolean;
  /** Rate limit on the starts (claims) of the queue's tasks. */
  rate?: RateLimit;
  /** Most tasks of the queue running at once, across every worker and process. */
  maxRunning?: number;
  /** Retention, enforced by the workers (core/retention.ts). */
  keep?: KeepSettings;
}

export const QUEUE_SETTINGS_PREFIX = 'queues/';

export function queueSettingsKey(queue: string): string {
  return `${QUEUE_SETTINGS_PREFIX}${queue}`;
}

/** The longest age a keep rule takes: 100 years. */
export const MAX_AGE_MS = 100 * 365 * 86_400_000;
/** The largest count a keep rule takes. */
export const MAX_COUNT = 1_000_000_000;
export const KEEP_COUNT: WholeNumberRange = { min: 0, max: MAX_COUNT, what: 'a number of tasks' };

/** A ConfigurationError naming `option.<state>.<field>` unless `keep` is a well-formed KeepSettings;
 *  answers it without empty rules. */
export function checkKeep(keep: unknown, option = 'keep'): KeepSettings {
  const issues: ConfigurationIssue[] = [];
  const out: KeepSettings = {};
  if (typeof keep !== 'object' || keep === null || Array.isArray(keep))
    throw new ConfigurationError({ option, expected: 'an object { succeeded?, dead?, cancelled? }', given: keep });
  for (const [state, rule] of Object.entries(keep)) {
    if (!(KEEP_STATES as readonly string[]).includes(state)) {
      issues.push({ option: `${option}.${state}`, expected: `one of ${KEEP_STATES.join(', ')}` });
      continue;
    }
    if (rule === undefined || rule === null) continue;
    if (typeof rule !== 'object' || Array.isArray(rule)) {
      issues.push({ option: `${option}.${state}`, expected: 'an object { maxAgeMs?, maxCount? }', given: rule });
      continue;
    }
    const r = rule as Record<string, unknown>;
    const checked: KeepRule = {};
    for (const field of Object.keys(r)) {
      if (field !== 'maxAgeMs' && field !== 'maxCount')
        issues.push({ option: `${option}.${state}.${field}`, expected: 'maxAgeMs or maxCount' });
    }
    if (r.maxAgeMs !== undefined) {
      if (Number.isInteger(r.maxAgeMs) && (r.maxAgeMs as number) >= 0 && (r.maxAgeMs as number) <= MAX_AGE_MS)
        checked.maxAgeMs = r.maxAgeMs as number;
      else
        issues.push({ option: `${option}.${state}.maxAgeMs`, expected: `a whole number of ms from 0 to ${MAX_AGE_MS}`, given: r.maxAgeMs });
    }
    if (r.maxCount !== undefined) {
      if (Number.isInteger(r.maxCount) && (r.maxCount as number) >= 0 && (r.maxCount as number) <= MAX_COUNT)
        checked.maxCount = r.maxCount as number;
      else issues.push({ option: `${option}.${state}.maxCount`, expected: `a whole number from 0 to ${MAX_COUNT}`, given: r.maxCount });
    }
    if (checked.maxAgeMs !== undefined || checked.maxCount !== undefined) out[state as keyof KeepSettings] = checked;
  }
  if (issues.length > 0) throw new ConfigurationError(issues);
  return out;
}

function assertQueue(queue: unknown): asserts queue is string {
  if (typeof queue !== 'string' || !QUEUE_NAME.test(queue))
    throw new ConfigurationError({ option: 'queue', expected: QUEUE_NAME_EXPECTED, given: queue });
}

/** A stored value that is not a JSON object (written by hand, or by something else). */
export class BadQueueSettingsError extends SitqError {
  constructor(
    readonly key: string,
    value: string,
  ) {
    super(`the queue settings under state key ${key} are not a JSON object (${describeValue(value)}); fix or delete that key`);
  }
}

function parse(key: string, value: string): QueueSettings {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new BadQueueSettingsError(key, value);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadQueueSettingsError(key, value);
  return parsed as QueueSettings;
}

/** One queue's settings ({} when none are stored). */
export async function readQueueSettings(backend: Backend, queue: string): Promise<QueueSettings> {
  assertQueue(queue);
  const entry = await backend.getState(queueSettingsKey(queue));
  return entry ? parse(entry.key, entry.value) : {};
}

/** Every queue that has settings, by name. A malformed entry is skipped and reported to `onBad`. */
export async function listQueueSettings(
  backend: Backend,
  onBad?: (err: BadQueueSettingsError) => void,
): Promise<Map<string, QueueSettings>> {
  const out = new Map<string, QueueSettings>();
  for (const entry of await backend.listState(QUEUE_SETTINGS_PREFIX)) {
    const queue = entry.key.slice(QUEUE_SETTINGS_PREFIX.length);
    if (!QUEUE_NAME.test(queue)) continue;
    try {
      out.set(queue, parse(entry.key, entry.value));
    } catch (err) {
      if (err instanceof BadQueueSettingsError) onBad?.(err);
      else throw err;
    }
  }
  return out;
}

/** Most compare-and-set rounds before giving up (each loses only to another writer's success). */
const MAX_ROUNDS = 20;

/** Applies `change` to the queue's stored settings by compare-and-set (read, change, write if no
 *  one wrote in between, else again), so concurrent writers of other fields are kept. Answers the
 *  settings written. An empty result deletes the key. */
export async function updateQueueSettings(
  backend: Backend,
  queue: string,
  change: (current: QueueSettings) => QueueSettings,
): Promise<QueueSettings> {
  assertQueue(queue);
  const key = queueSettingsKey(queue);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const entry = await backend.getState(key);
    const next = change(entry ? parse(key, entry.value) : {});
    if (Object.keys(next).length === 0) {
      if (!entry || (await backend.deleteState(key, entry.version))) return next;
      continue;
    }
    if (await backend.setState(key, JSON.stringify(next), entry?.version ?? 0)) return next;
  }
  throw new SitqError(`the settings of queue ${queue} kept changing under ${MAX_ROUNDS} writes in a row; try again`);
}

// --- flow control: pause, rate, maxRunning (core/queue-controls.ts obeys them) -----------------

/** The change `setQueueLimits` makes: a value sets the limit, `null` removes it, absent leaves it. */
export interface QueueLimitsChange {
  rate?: RateLimit | null;
  maxRunning?: number | null;
}

export const RATE_MAX: WholeNumberRange = { min: 1, max: 1_000_000, what: 'a number of tasks' };
export const RATE_PER_MS: WholeNumberRange = { min: 1, max: 86_400_000, what: 'a period in ms' };
export const MAX_RUNNING: WholeNumberRange = { min: 1, max: 1_000_000, what: 'a number of running tasks' };

/** Limiter state (owned by queue-controls.ts): the token bucket and the table of running slots. */
export const rateStateKey = (queue: string): string => `limits/${queue}/rate`;
export const runningStateKey = (queue: string): string => `limits/${queue}/running`;

export function rateIssues(rate: unknown, option = 'rate'): RuleIssue[] {
  if (typeof rate !== 'object' || rate === null) return [{ option, expected: 'an object { max, perMs }', given: rate }];
  const r = rate as Record<string, unknown>;
  return [rangeIssue(RATE_MAX, r.max, `${option}.max`), rangeIssue(RATE_PER_MS, r.perMs, `${option}.perMs`)].filter(
    (i): i is RuleIssue => i !== undefined,
  );
}

export function limitsChangeIssues(change: unknown): RuleIssue[] {
  if (typeof change !== 'object' || change === null)
    return [{ option: 'limits', expected: 'an object { rate?, maxRunning? }', given: change }];
  const c = change as Record<string, unknown>;
  const issues: RuleIssue[] = [];
  for (const k of Object.keys(c))
    if (k !== 'rate' && k !== 'maxRunning') issues.push({ option: `limits.${k}`, expected: 'only rate and maxRunning', given: c[k] });
  if (c.rate !== undefined && c.rate !== null) issues.push(...rateIssues(c.rate, 'limits.rate'));
  if (c.maxRunning !== undefined && c.maxRunning !== null) {
    const issue = rangeIssue(MAX_RUNNING, c.maxRunning, 'limits.maxRunning');
    if (issue) issues.push(issue);
  }
  return issues;
}

/** Checks a limits change; a ConfigurationError names each bad field. */
export function assertLimitsChange(change: unknown): asserts change is QueueLimitsChange {
  const issues = limitsChangeIssues(change);
  if (issues.length > 0) throw new ConfigurationError(issues);
}

/** `settings` with the change applied (null removes a limit). */
export function applyLimitsChange(settings: QueueSettings, change: QueueLimitsChange): QueueSettings {
  const next = { ...settings };
  if (change.rate === null) delete next.rate;
  else if (change.rate !== undefined) next.rate = { max: change.rate.max, perMs: change.rate.perMs };
  if (change.maxRunning === null) delete next.maxRunning;
  else if (change.maxRunning !== undefined) next.maxRunning = change.maxRunning;
  return next;
}

/** The flow-control fields of stored settings that are well formed (a bad one written by hand is
 *  ignored, not obeyed); empty when the queue has none. */
export function flowSettings(s: QueueSettings): Pick<QueueSettings, 'paused' | 'rate' | 'maxRunning'> {
  return {
    ...(s.paused === true ? { paused: true } : {}),
    ...(s.rate !== undefined && rateIssues(s.rate).length === 0 ? { rate: { max: s.rate.max, perMs: s.rate.perMs } } : {}),
    ...(s.maxRunning !== undefined && !rangeIssue(MAX_RUNNING, s.maxRunning, 'maxRunning') ? { maxRunning: s.maxRunning } : {}),
  };
}

/** Settings as stored (`{}` for a value that is not a JSON object), for the workers' poll, which
 *  must not stop on a bad entry. */
export function parseSettingsLeniently(key: string, value: string): QueueSettings {
  try {
    return parse(key, value);
  } catch {
    return {};
  }
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };
export const RATE_TEXT_EXPECTED = 'a rate as N/PERIOD: 100/1s, 10/500ms, 1000/1m, 5/2h (N from 1 to 1,000,000; a period up to 1d)';

/** `100/1s` → `{ max: 100, perMs: 1000 }`; `100/s` means per 1 s; undefined when it is not a rate. */
export function parseRate(text: string): RateLimit | undefined {
  const m = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)?\s*(ms|s|m|min|h|d)\s*$/.exec(text);
  if (!m) return undefined;
  const rate = { max: Number(m[1]), perMs: Math.round(Number(m[2] ?? 1) * UNIT_MS[m[3]]) };
  return rateIssues(rate).length === 0 ? rate : undefined;
}

/** `500ms`, `30s`, `5m`, `1.5h`, `7d` → ms; undefined when it is not a number with a unit. */
export function parseDurationText(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)\s*$/.exec(text);
  return m ? Math.round(Number(m[1]) * UNIT_MS[m[2]]) : undefined;
}

/** ms → the text parseDurationText reads back, in the largest unit that divides it (`7d`, `90s`). */
export function formatDurationText(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) if (ms > 0 && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  return `${ms}ms`;
}

export const KEEP_RULE_EXPECTED = 'an age with a unit (30s, 12h, 7d), a count (1000), both separated by a comma (7d,1000), or none';

/** A retention rule as the CLI and the extension take it: `7d` → { maxAgeMs }, `1000` →
 *  { maxCount }, `7d,1000` → both, `none` → 'none' (no rule); else `bad` is the part that is not one. */
export function parseKeepRule(text: string): { rule: KeepRule | 'none' } | { bad: string } {
  if (text.trim() === 'none') return { rule: 'none' };
  const rule: KeepRule = {};
  for (const part of text.split(',').map((p) => p.trim())) {
    const age = parseDurationText(part);
    const count = /^\d+$/.test(part) ? Number(part) : undefined;
    if (count !== undefined && count <= MAX_COUNT && rule.maxCount === undefined) rule.maxCount = count;
    else if (age !== undefined && age <= MAX_AGE_MS && rule.maxAgeMs === undefined) rule.maxAgeMs = age;
    else return { bad: part };
  }
  return { rule };
}

export const AGE_TEXT_EXPECTED = 'an age with a unit: 30s, 12h, 7d, 1.5h (up to 100 years)';

/** A keep rule's age as the dashboard's form takes it: parseDurationText within the rule's range. */
export function parseAge(text: string): number | undefined {
  const ms = parseDurationText(text);
  return ms !== undefined && ms <= MAX_AGE_MS ? ms : undefined;
}

/** The stored keep rules for a listing, without empty rules; undefined when the queue has none or
 *  they are malformed (written by hand: the listing must not fail on them). */
export function keepSettings(s: QueueSettings): KeepSettings | undefined {
  if (s.keep === undefined) return undefined;
  try {
    const keep = checkKeep(s.keep);
    return Object.keys(keep).length > 0 ? keep : undefined;
  } catch {
    return undefined;
  }
}

/** `{ max: 100, perMs: 1000 }` → `100/1s` (the largest unit that divides the period). */
export function formatRate(rate: RateLimit): string {
  for (const unit of ['d', 'h', 'm', 's'] as const)
    if (rate.perMs % UNIT_MS[unit] === 0) return `${rate.max}/${rate.perMs / UNIT_MS[unit]}${unit}`;
  return `${rate.max}/${rate.perMs}ms`;
}
