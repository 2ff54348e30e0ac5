// What every listing says about each queue: its counts joined with the settings stored on the
// backend (pause, limits, retention). One reader, so the library (queues(), counts(),
// listQueues(), snapshot()) and the health check list the same queues and agree on which is paused.
import type { Backend } from './backend.js';
import { flowSettings, keepSettings, listQueueSettings, type KeepSettings, type QueueSettings, type RateLimit } from './queue-settings.js';
import { emptyCounts, type QueueCounts } from './types.js';

/** A queue's counts and whether it is paused (TaskQueue.counts()). */
export interface QueueCountsWithPause extends QueueCounts {
  /** No worker claims from it until it is resumed. */
  paused: boolean;
}

/** A queue's counts with its flow-control settings (TaskQueue.queues()). */
export interface QueueStatus extends QueueCountsWithPause {
  rate?: RateLimit;
  maxRunning?: number;
  /** Its retention rules (setRetention). */
  keep?: KeepSettings;
}

/** Every queue that has tasks or settings, sorted by name: its counts, whether it is paused, and
 *  its limits and retention. A failed read of the settings fails the listing (it would otherwise
 *  say a paused queue is not). */
export async function listQueueStatuses(backend: Backend): Promise<QueueStatus[]> {
  const [counts, settings] = await Promise.all([backend.counts(), listQueueSettings(backend)]);
  const byQueue = new Map<string, QueueCounts>(counts.map((c) => [c.queue, c]));
  return knownQueueNames(byQueue.keys(), settings).map((queue) => {
    const c = byQueue.get(queue) ?? { queue, counts: emptyCounts(), oldestPendingAgeMs: 0 };
    const stored = settings.get(queue) ?? {};
    const s = flowSettings(stored);
    const keep = keepSettings(stored);
    return {
      ...c,
      paused: s.paused === true,
      ...(s.rate ? { rate: s.rate } : {}),
      ...(s.maxRunning !== undefined ? { maxRunning: s.maxRunning } : {}),
      ...(keep ? { keep } : {}),
    };
  });
}

/** listQueueStatuses() without the limits and retention: each queue's counts and whether it is paused. */
export async function listQueueCounts(backend: Backend): Promise<QueueCountsWithPause[]> {
  return (await listQueueStatuses(backend)).map(({ queue, counts, oldestPendingAgeMs, paused }) => ({
    queue,
    counts,
    oldestPendingAgeMs,
    paused,
  }));
}

/** The names of the queues the listings show, sorted; with `{ paused: true }` only the paused
 *  ones, with `{ paused: false }` only the others. Reads the names, not the counts. */
export async function listQueueNames(backend: Backend, filter: { paused?: boolean } = {}): Promise<string[]> {
  const [names, settings] = await Promise.all([backend.listQueues(), listQueueSettings(backend)]);
  const all = knownQueueNames(names, settings);
  if (filter.paused === undefined) return all;
  return all.filter((queue) => (flowSettings(settings.get(queue) ?? {}).paused === true) === filter.paused);
}

/** Queues with tasks and queues with stored settings (a paused queue may have no task yet), once
 *  each, sorted by code unit so every tool orders them alike. */
function knownQueueNames(withTasks: Iterable<string>, settings: ReadonlyMap<string, QueueSettings>): string[] {
  return [...new Set([...withTasks, ...settings.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
