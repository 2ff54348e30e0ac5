// Cancel of a running task, the worker's side. TaskQueue.cancel makes the backend cancel the task
// (running → cancelled, the lease fenced) and, when it was running, writes a marker
// `cancels/<taskId>` = { at } in the coordination state. Each worker lists `cancels/` every
// CANCEL_WATCH_INTERVAL_MS while it runs tasks (never while idle), aborts the handler of a task it
// holds with TaskCancelledError and deletes the marker. So a worker learns of a cancel within about
// one interval plus a round trip, at the cost of one list call per interval per busy worker,
// whatever the number of tasks; no per-task poll.
//
// A marker no worker took (its worker died, or stalled past the marker's life) is deleted by the
// next worker that lists it once older than CANCEL_MARKER_TTL_MS; a worker that missed it still
// learns at its next lease renewal, which the fenced lease refuses (the Worker then reads the task
// and sees `cancelled`).
import type { Backend } from './backend.js';
import { Periodic } from './periodic.js';

export const CANCEL_PREFIX = 'cancels/';
/** How often a busy worker looks for cancel markers. */
export const CANCEL_WATCH_INTERVAL_MS = 500;
/** A marker older than this is deleted by whichever worker lists it. */
export const CANCEL_MARKER_TTL_MS = 60_000;

export function cancelKey(taskId: string): string {
  return `${CANCEL_PREFIX}${taskId}`;
}

/** Writes the marker for a task the backend has just cancelled while it ran. */
export async function announceCancel(backend: Backend, taskId: string, now = Date.now()): Promise<void> {
  const key = cancelKey(taskId);
  const value = JSON.stringify({ at: now });
  // A marker left from an earlier cancel of the same task (requeued since) is replaced.
  const existing = await backend.getState(key);
  await backend.setState(key, value, existing?.version ?? 0);
}

function markerAge(value: string, now: number): number {
  try {
    const at = (JSON.parse(value) as { at?: unknown }).at;
    return typeof at === 'number' ? now - at : Infinity;
  } catch {
    return Infinity;
  }
}

export interface CancelWatchOptions {
  /** Ids of the tasks this worker runs now. */
  running: () => ReadonlySet<string> | ReadonlyMap<string, unknown>;
  /** Aborts one of them. */
  onCancel: (taskId: string) => void;
  onError: (err: unknown) => void;
  intervalMs?: number;
}

export class CancelWatch {
  private readonly loop: Periodic;

  constructor(
    private readonly backend: Backend,
    private readonly options: CancelWatchOptions,
  ) {
    this.loop = new Periodic({
      intervalMs: options.intervalMs ?? CANCEL_WATCH_INTERVAL_MS,
      tick: () => this.look(),
      onError: options.onError,
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One look (exported for tests): aborts the running tasks that have a marker. */
  async look(now = Date.now()): Promise<void> {
    if (this.options.running().size === 0) return;
    const markers = await this.backend.listState(CANCEL_PREFIX);
    for (const m of markers) {
      const taskId = m.key.slice(CANCEL_PREFIX.length);
      if (this.options.running().has(taskId)) {
        this.options.onCancel(taskId);
        await this.backend.deleteState(m.key, m.version);
      } else if (markerAge(m.value, now) > CANCEL_MARKER_TTL_MS) {
        await this.backend.deleteState(m.key, m.version);
      }
    }
  }
}
