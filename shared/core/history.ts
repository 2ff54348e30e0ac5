// Throughput history kept on the backend's coordination-state store (issue 13), so every process and
// every tool sees the same numbers. Per queue, one entry per minute (`history/<queue>/m/<minute>`,
// kept 24 h), one per hour (`history/<queue>/h/<hour>`, kept 14 days) and one running total since
// the first record (`history/<queue>/all`, which the Prometheus counters read). Each entry counts
// transitions and holds a histogram of processing times in fixed log buckets, so entries written
// by different workers merge exactly and percentiles are read from the merged buckets.
// Writers (history-writer.ts) merge their batched counts with compare-and-set; this module is the
// format, the merge and the read side.
import type { Backend, StateEntry } from './backend.js';
import { ConfigurationError } from './errors.js';
import { QUEUE_NAME, QUEUE_NAME_EXPECTED } from './rules.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
/** How long each resolution is kept: entries older than this are deleted by the writers. */
export const HISTORY_RETENTION_MS = { minute: 24 * HOUR_MS, hour: 14 * 24 * HOUR_MS } as const;

export type HistoryResolution = 'minute' | 'hour';

/** What the history counts. `failed` counts failed attempts (each one is then `retried` or `dead`,
 *  so failed = retried + dead); `enqueued` counts tasks created (an idempotency-key repeat is not). */
export const HISTORY_COUNTERS = ['enqueued', 'succeeded', 'failed', 'retried', 'dead'] as const;
export type HistoryCounter = (typeof HISTORY_COUNTERS)[number];

// --- the histogram ------------------------------------------------------------------------------
/** Bucket i holds durations in (2^((i-1)/4), 2^(i/4)] ms; bucket 0 holds <= 1 ms; the last one
 *  everything above 2^((LAST-1)/4) ms (about 70 minutes). Upper bounds grow by 19 % a bucket, so a
 *  percentile read from them is at most 19 % above the true value (never above the largest seen). */
export const HISTOGRAM_LAST_BUCKET = 88;

export function bucketOf(ms: number): number {
  if (!(ms > 1)) return 0;
  return Math.min(HISTOGRAM_LAST_BUCKET, Math.ceil(4 * Math.log2(ms) - 1e-9));
}

/** The upper bound (ms) of bucket i; Infinity for the last. */
export function bucketUpperMs(i: number): number {
  return i >= HISTOGRAM_LAST_BUCKET ? Infinity : 2 ** (i / 4);
}

/** Processing times: count, sum, min and max (ms), and counts per bucket (sparse: index → count). */
export interface DurationHistogram {
  count: number;
  sumMs: number;
  minMs: number;
  maxMs: number;
  buckets: Record<string, number>;
}

export function emptyHistogram(): DurationHistogram {
  return { count: 0, sumMs: 0, minMs: 0, maxMs: 0, buckets: {} };
}

export function observe(h: DurationHistogram, ms: number): void {
  const v = Math.max(0, ms);
  h.minMs = h.count === 0 ? v : Math.min(h.minMs, v);
  h.maxMs = h.count === 0 ? v : Math.max(h.maxMs, v);
  h.count++;
  h.sumMs += v;
  const b = bucketOf(v);
  h.buckets[b] = (h.buckets[b] ?? 0) + 1;
}

function mergeHistogram(into: DurationHistogram, from: DurationHistogram): void {
  if (from.count === 0) return;
  into.minMs = into.count === 0 ? from.minMs : Math.min(into.minMs, from.minMs);
  into.maxMs = into.count === 0 ? from.maxMs : Math.max(into.maxMs, from.maxMs);
  into.count += from.count;
  into.sumMs += from.sumMs;
  for (const [b, n] of Object.entries(from.buckets)) into.buckets[b] = (into.buckets[b] ?? 0) + n;
}

/** Nearest-rank percentile (p in 0..100) read from the buckets: the upper bound of the bucket that
 *  holds the rank-th duration, kept within [min, max]. NaN when there is nothing. */
export function histogramPercentile(h: DurationHistogram, p: number): number {
  if (h.count === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * h.count));
  let seen = 0;
  for (let i = 0; i <= HISTOGRAM_LAST_BUCKET; i++) {
    seen += h.buckets[i] ?? 0;
    if (seen >= rank) return Math.min(h.maxMs, Math.max(h.minMs, bucketUpperMs(i)));
  }
  return h.maxMs;
}

/** How many durations are <= `ms`, where `ms` is a bucket bound (2^(k) ms): for Prometheus's
 *  cumulative `le` buckets. */
export function countAtOrBelow(h: DurationHistogram, ms: number): number {
  let n = 0;
  for (const [b, c] of Object.entries(h.buckets)) if (bucketUpperMs(Number(b)) <= ms) n += c;
  return n;
}

// --- entries ------------------------------------------------------------------------------------
/** One stored entry (also a batch of counts on its way to the store). */
export interface HistoryCounts {
  enqueued: number;
  succeeded: number;
  failed: number;
  retried: number;
  dead: number;
  duration: DurationHistogram;
}

export function emptyCounts(): HistoryCounts {
  return { enqueued: 0, succeeded: 0, failed: 0, retried: 0, dead: 0, duration: emptyHistogram() };
}

export function mergeCounts(into: HistoryCounts, from: HistoryCounts): void {
  for (const c of HISTORY_COUNTERS) into[c] += from[c];
  mergeHistogram(into.duration, from.duration);
}

/** An entry as stored, or empty counts for a value this version cannot read (it is then replaced
 *  by the next write, which is better than a history that can never be written again). */
export function parseCounts(value: string): HistoryCounts {
  const out = emptyCounts();
  try {
    const raw = JSON.parse(value) as Partial<HistoryCounts>;
    for (const c of HISTORY_COUNTERS) if (Number.isFinite(raw[c])) out[c] = raw[c] as number;
    const d = raw.duration;
    if (d && Number.isFinite(d.count) && d.buckets && typeof d.buckets === 'object') {
      out.duration = { count: d.count, sumMs: Number(d.sumMs) || 0, minMs: Number(d.minMs) || 0, maxMs: Number(d.maxMs) || 0, buckets: {} };
      for (const [b, n] of Object.entries(d.buckets)) if (Number.isInteger(Number(b)) && Number.isFinite(n)) out.duration.buckets[b] = n;
    }
  } catch {
    // unreadable: counted from zero again
  }
  return out;
}

export function isEmptyCounts(c: HistoryCounts): boolean {
  return HISTORY_COUNTERS.every((k) => c[k] === 0) && c.duration.count === 0;
}

// --- keys ---------------------------------------------------------------------------------------
const LETTER: Record<HistoryResolution, string> = { minute: 'm', hour: 'h' };
const STEP_MS: Record<HistoryResolution, number> = { minute: MINUTE_MS, hour: HOUR_MS };

export function historyPrefix(queue: string, resolution: HistoryResolution): string {
  return `history/${queue}/${LETTER[resolution]}/`;
}

/** The key of the entry holding time `at` (epoch ms) at this resolution. */
export function historyKey(queue: string, resolution: HistoryResolution, at: number): string {
  return `${historyPrefix(queue, resolution)}${Math.floor(at / STEP_MS[resolution])}`;
}

export function totalKey(queue: string): string {
  return `history/${queue}/all`;
}

/** The start (epoch ms) of the period an entry's key names. */
export function periodStart(key: string, resolution: HistoryResolution): number {
  return Number(key.slice(key.lastIndexOf('/') + 1)) * STEP_MS[resolution];
}

/** Merges `delta` into the entry at `key` with compare-and-set, reading again when another writer
 *  got there first. Rejects when the backend fails (the caller keeps the delta and tries later). */
export async function mergeInto(backend: Backend, key: string, delta: HistoryCounts): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const current: StateEntry | null = await backend.getState(key);
    const merged = current ? parseCounts(current.value) : emptyCounts();
    mergeCounts(merged, delta);
    if (await backend.setState(key, JSON.stringify(merged), current?.version ?? 0)) return;
    // Contention: a few writers at most; a short random pause keeps them from meeting again.
    if (attempt >= 50) throw new Error(`history entry ${key} kept changing under 50 writes in a row`);
    await new Promise((r) => setTimeout(r, Math.random() * 10 * Math.min(attempt, 10)));
  }
}

// --- reading ------------------------------------------------------------------------------------
export interface HistoryQuery {
  /** One queue; every queue that has history when omitted. */
  queue?: string;
  /** Epoch ms of the first period wanted (default: 1 h ago for minutes, 24 h ago for hours); a time
   *  before the resolution's retention is raised to it. */
  since?: number;
  /** Epoch ms after the last period wanted (default now). */
  until?: number;
  /** Default: `minute` when `since` is within the last 24 h, else `hour`. */
  resolution?: HistoryResolution;
}

/** One period of one queue (or of the whole window). Percentiles are null when no task finished. */
export interface HistoryPoint {
  /** Epoch ms the period starts. */
  at: number;
  enqueued: number;
  succeeded: number;
  failed: number;
  retried: number;
  dead: number;
  /** Attempts timed (succeeded + failed). */
  timed: number;
  meanMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export interface QueueHistory {
  queue: string;
  /** Every period from `since` to `until`, oldest first (zeros where nothing happened). */
  points: HistoryPoint[];
  /** The whole window merged (its `at` is the window's start). */
  total: HistoryPoint;
}

export interface HistoryReport {
  resolution: HistoryResolution;
  /** The window actually read (since rounded down to its period). */
  since: number;
  until: number;
  queues: QueueHistory[];
}

const finiteOrNull = (n: number): number | null => (Number.isFinite(n) ? n : null);

export function toPoint(at: number, c: HistoryCounts): HistoryPoint {
  const d = c.duration;
  return {
    at,
    enqueued: c.enqueued,
    succeeded: c.succeeded,
    failed: c.failed,
    retried: c.retried,
    dead: c.dead,
    timed: d.count,
    meanMs: d.count > 0 ? d.sumMs / d.count : null,
    p50Ms: finiteOrNull(histogramPercentile(d, 50)),
    p95Ms: finiteOrNull(histogramPercentile(d, 95)),
    p99Ms: finiteOrNull(histogramPercentile(d, 99)),
    maxMs: d.count > 0 ? d.maxMs : null,
  };
}

/** Checks a query's fields, naming the one that is wrong. */
export function resolveHistoryQuery(
  query: HistoryQuery,
  now = Date.now(),
): Required<Pick<HistoryQuery, 'since' | 'until' | 'resolution'>> & { queue?: string } {
  const issues: { option: string; expected: string; given: unknown }[] = [];
  if (query.queue !== undefined && !(typeof query.queue === 'string' && QUEUE_NAME.test(query.queue)))
    issues.push({ option: 'stats.queue', expected: QUEUE_NAME_EXPECTED, given: query.queue });
  if (query.resolution !== undefined && query.resolution !== 'minute' && query.resolution !== 'hour')
    issues.push({ option: 'stats.resolution', expected: '"minute" or "hour"', given: query.resolution });
  for (const f of ['since', 'until'] as const) {
    if (query[f] !== undefined && !Number.isFinite(query[f]))
      issues.push({ option: `stats.${f}`, expected: 'an epoch time in ms', given: query[f] });
  }
  if (issues.length > 0) throw new ConfigurationError(issues);
  const until = query.until ?? now;
  const resolution =
    query.resolution ?? (query.since === undefined || query.since >= now - HISTORY_RETENTION_MS.minute ? 'minute' : 'hour');
  const step = STEP_MS[resolution];
  const defaultSince = resolution === 'minute' ? now - HOUR_MS : now - 24 * HOUR_MS;
  const since = Math.max(query.since ?? defaultSince, now - HISTORY_RETENTION_MS[resolution]);
  return { queue: query.queue, resolution, since: Math.floor(since / step) * step, until };
}

/** Reads the history of one queue or of all, as dense series (see HistoryQuery). */
export async function readHistory(backend: Backend, query: HistoryQuery = {}, now = Date.now()): Promise<HistoryReport> {
  const { queue, resolution, since, until } = resolveHistoryQuery(query, now);
  const step = STEP_MS[resolution];
  // Without a queue: the backend's queues (those that hold tasks), each read by its own prefix,
  // rather than every entry under history/ (both resolutions of every queue).
  const names = queue ? [queue] : await backend.listQueues();
  const entries = (await Promise.all(names.map((q) => backend.listState(historyPrefix(q, resolution))))).flat();
  const byQueue = new Map<string, Map<number, HistoryCounts>>();
  for (const e of entries) {
    const at = periodStart(e.key, resolution);
    if (!(at >= since && at < until)) continue;
    const q = e.key.split('/')[1];
    let periods = byQueue.get(q);
    if (!periods) byQueue.set(q, (periods = new Map()));
    periods.set(at, parseCounts(e.value));
  }
  if (queue && !byQueue.has(queue)) byQueue.set(queue, new Map());
  const queues: QueueHistory[] = [];
  for (const [q, periods] of [...byQueue].sort(([a], [b]) => a.localeCompare(b))) {
    const points: HistoryPoint[] = [];
    const sum = emptyCounts();
    for (let at = since; at < until; at += step) {
      const c = periods.get(at) ?? emptyCounts();
      mergeCounts(sum, c);
      points.push(toPoint(at, c));
    }
    queues.push({ queue: q, points, total: toPoint(since, sum) });
  }
  return { resolution, since, until, queues };
}

/** The running totals since the first record of each queue named (what the Prometheus counters
 *  export); a queue with no history is left out. */
export async function readTotals(backend: Backend, queues: readonly string[]): Promise<Map<string, HistoryCounts>> {
  const entries = await Promise.all(queues.map((q) => backend.getState(totalKey(q))));
  const out = new Map<string, HistoryCounts>();
  entries.forEach((e, i) => {
    if (e) out.set(queues[i], parseCounts(e.value));
  });
  return out;
}
