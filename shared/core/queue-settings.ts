// A queue's settings, stored on the backend in the coordination state under `queues/<queue>` (one
// JSON record per queue, shared by every process): pause and limits (flow control) and `keep`
// (retention, core/retention.ts). Each feature changes only its own fields through
// updateQueueSettings, a compare-and-set loop, so writers of different fields never undo each other.
import type { Backend } from './backend.js';
import { ConfigurationError, SitqError, describeValue, type ConfigurationIssue } from './errors.js';
import { QUEUE_NAME, QUEUE_NAME_EXPECTED } from './rules.js';

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

export interface QueueSettings {
  /** Flow control (pause/limits): written by their own module; kept as they are here. */
  paused?: boolean;
  rate?: { max: number; perMs: number };
  maxRunning?: number;
  /** Retention, enforced by the workers (core/retention.ts). */
  keep?: KeepSettings;
}

export const QUEUE_SETTINGS_PREFIX = 'queues/';

export function queueSettingsKey(queue: string): string {
  return `${QUEUE_SETTINGS_PREFIX}${queue}`;
}

/** The longest age a keep rule takes: 100 years. */
const MAX_AGE_MS = 100 * 365 * 86_400_000;
const MAX_COUNT = 1_000_000_000;

/** A ConfigurationError naming `option.<state>.<field>` unless `keep` is a well-formed KeepSettings;
 *  answers it without empty rules. */
export function checkKeep(keep: unknown, option = 'keep'): KeepSettings {
  const issues: ConfigurationIssue[] = [];
  const out: KeepSettings = {};
  if (typeof keep !== 'object' || keep === null || Array.isArray(keep)) throw new ConfigurationError({ option, expected: 'an object { succeeded?, dead?, cancelled? }', given: keep });
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
      if (field !== 'maxAgeMs' && field !== 'maxCount') issues.push({ option: `${option}.${state}.${field}`, expected: 'maxAgeMs or maxCount' });
    }
    if (r.maxAgeMs !== undefined) {
      if (Number.isInteger(r.maxAgeMs) && (r.maxAgeMs as number) >= 0 && (r.maxAgeMs as number) <= MAX_AGE_MS) checked.maxAgeMs = r.maxAgeMs as number;
      else issues.push({ option: `${option}.${state}.maxAgeMs`, expected: `a whole number of ms from 0 to ${MAX_AGE_MS}`, given: r.maxAgeMs });
    }
    if (r.maxCount !== undefined) {
      if (Number.isInteger(r.maxCount) && (r.maxCount as number) >= 0 && (r.maxCount as number) <= MAX_COUNT) checked.maxCount = r.maxCount as number;
      else issues.push({ option: `${option}.${state}.maxCount`, expected: `a whole number from 0 to ${MAX_COUNT}`, given: r.maxCount });
    }
    if (checked.maxAgeMs !== undefined || checked.maxCount !== undefined) out[state as keyof KeepSettings] = checked;
  }
  if (issues.length > 0) throw new ConfigurationError(issues);
  return out;
}

function assertQueue(queue: unknown): asserts queue is string {
  if (typeof queue !== 'string' || !QUEUE_NAME.test(queue)) throw new ConfigurationError({ option: 'queue', expected: QUEUE_NAME_EXPECTED, given: queue });
}

/** A stored value that is not a JSON object (written by hand, or by something else). */
export class BadQueueSettingsError extends SitqError {
  constructor(readonly key: string, value: string) {
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
export async function listQueueSettings(backend: Backend, onBad?: (err: BadQueueSettingsError) => void): Promise<Map<string, QueueSettings>> {
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
export async function updateQueueSettings(backend: Backend, queue: string, change: (current: QueueSettings) => QueueSettings): Promise<QueueSettings> {
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
