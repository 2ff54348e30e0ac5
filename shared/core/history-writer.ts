// Batches a process's throughput counts in memory and merges them into the backend's history
// entries (history.ts) every `flushMs`, never once per task: a flush writes, per queue, the minute
// and hour entries the counts fall in and the running total, each with one compare-and-set. A
// failed write keeps its counts for the next flush (a backend error is logged, never thrown), and
// stop() writes what is left, bounded by a deadline. A process that dies loses at most its last
// `flushMs` of counts; a write whose answer was lost after the server applied it may count twice.
import type { Backend } from './backend.js';
import { BackendClosedError } from './errors.js';
import type { Logger } from './logger.js';
import {
  HISTORY_RETENTION_MS,
  HOUR_MS,
  MINUTE_MS,
  emptyCounts,
  historyKey,
  historyPrefix,
  isEmptyCounts,
  mergeCounts,
  mergeInto,
  observe,
  periodStart,
  totalKey,
  type HistoryCounts,
  type HistoryResolution,
} from './history.js';

/** How often a writer merges its counts into the store by default (ms). */
export const DEFAULT_HISTORY_FLUSH_MS = 2000;
/** The longest wait between retries of a failed write. */
const MAX_RETRY_MS = 60_000;
/** How often a writer deletes the entries of its queues that are past retention. */
const PRUNE_EVERY_MS = 10 * MINUTE_MS;

export type HistoryEvent = 'enqueued' | 'succeeded' | 'retried' | 'dead';

export interface HistoryWriterOptions {
  flushMs?: number;
  logger: Logger;
}

export class HistoryWriter {
  /** Counts not yet written, by queue and minute ("queue minute"). */
  private pending = new Map<string, HistoryCounts>();
  /** The slot record() used last, so a run of calls for one queue builds its key once a minute. */
  private last = { queue: '', minute: -1, slot: '' };
  /** Counts whose write failed, by state key: written again by the next flush. */
  private leftover = new Map<string, HistoryCounts>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private lastPrune = 0;
  private readonly flushMs: number;
  /** Flushes that failed in a row: the first is logged, the retries back off (a closed or
   *  unreachable backend is not worth a warning every 2 s). */
  private failedFlushes = 0;
  /** The last write failed because the backend was closed: stop() then gives up at once (no
   *  retry brings it back) and says what was lost; a flush says nothing (its owner does). */
  private backendClosed = false;

  constructor(
    private readonly backend: Backend,
    private readonly options: HistoryWriterOptions,
  ) {
    this.flushMs = options.flushMs ?? DEFAULT_HISTORY_FLUSH_MS;
  }

  /** Counts one transition at `at` (epoch ms); `durationMs` for a finished attempt. Cheap: memory only. */
  record(queue: string, event: HistoryEvent, at: number, durationMs?: number, count = 1): void {
    const minute = Math.floor(at / MINUTE_MS);
    // Most calls count the same queue in the same minute as the last: its slot is kept.
    let c = queue === this.last.queue && minute === this.last.minute ? this.pending.get(this.last.slot) : undefined;
    if (!c) {
      const slot = `${queue} ${minute}`;
      this.last = { queue, minute, slot };
      c = this.pending.get(slot);
      if (!c) this.pending.set(slot, (c = emptyCounts()));
    }
    c[event] += count;
    if (event === 'retried' || event === 'dead') c.failed += count;
    if (durationMs !== undefined) observe(c.duration, durationMs);
    this.startTimer();
  }

  /** Writes everything recorded so far (one flush at a time). Never rejects. */
  flush(): Promise<void> {
    this.flushing = this.flushing
      .then(() => this.flushNow())
      .catch((err: unknown) => this.options.logger.warn(`throughput history: ${(err as Error).message}`));
    return this.flushing;
  }

  /** Stops the timer and writes what is left, giving up at `deadline` (epoch ms); answers whether
   *  everything was written. */
  async stop(deadline = Date.now() + 5000): Promise<boolean> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (;;) {
      const left = deadline - Date.now();
      const done = await Promise.race([
        this.flush().then(() => true),
        new Promise<false>((r) => setTimeout(() => r(false), Math.max(0, left)).unref()),
      ]);
      if (!done) break;
      if (this.pending.size === 0 && this.leftover.size === 0) return true;
      if (this.backendClosed) break;
      if (Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const lost = this.pending.size + this.leftover.size;
    if (lost > 0 && this.backendClosed)
      this.options.logger.warn(
        `throughput history: ${lost} batch(es) of counts were not written: the backend was closed first (stop workers and close queues before closing their backend)`,
      );
    else if (lost > 0)
      this.options.logger.warn(
        `throughput history: ${lost} batch(es) of counts could not be written before the deadline; they are not in the history`,
      );
    return false;
  }

  private startTimer(): void {
    if (this.timer) return;
    const delay = Math.min(this.flushMs * 2 ** this.failedFlushes, MAX_RETRY_MS);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delay);
    // A producer that never closes its queue must still be able to exit.
    this.timer.unref();
  }

  private async flushNow(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    // Expand to state keys: the minute, its hour and the queue's total.
    const writes = this.leftover;
    this.leftover = new Map();
    const add = (key: string, c: HistoryCounts) => {
      const into = writes.get(key);
      if (into) mergeCounts(into, c);
      else {
        const copy = emptyCounts();
        mergeCounts(copy, c);
        writes.set(key, copy);
      }
    };
    const queues = new Set<string>();
    for (const [slot, c] of batch) {
      if (isEmptyCounts(c)) continue;
      const [queue, minute] = slot.split(' ');
      const at = Number(minute) * MINUTE_MS;
      queues.add(queue);
      add(historyKey(queue, 'minute', at), c);
      add(historyKey(queue, 'hour', at), c);
      add(totalKey(queue), c);
    }
    let failure: unknown;
    await Promise.all(
      [...writes].map(async ([key, c]) => {
        try {
          await mergeInto(this.backend, key, c);
        } catch (err) {
          failure = err;
          const into = this.leftover.get(key);
          if (into) mergeCounts(into, c);
          else this.leftover.set(key, c);
        }
      }),
    );
    this.backendClosed = failure instanceof BackendClosedError;
    if (failure !== undefined) {
      if (this.failedFlushes === 0 && !this.backendClosed) {
        this.options.logger.warn(
          `throughput history: writing failed (${(failure as Error).message ?? String(failure)}); the counts are kept and written later`,
        );
      }
      this.failedFlushes += 1;
      this.startTimer();
    } else if (this.failedFlushes > 0) {
      if (writes.size > 0)
        this.options.logger.warn(`throughput history: written again after ${this.failedFlushes} failed attempt(s); no counts were lost`);
      this.failedFlushes = 0;
    }
    if (this.pending.size > 0) this.startTimer();
    if (queues.size > 0 && Date.now() - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      await this.prune([...queues]).catch((err: unknown) => {
        // A closed backend is said by stop(), with what it cost.
        if (err instanceof BackendClosedError) this.backendClosed = true;
        else this.options.logger.warn(`throughput history: deleting old entries failed: ${(err as Error).message}`);
      });
    }
  }

  /** Deletes the entries of these queues past retention (24 h of minutes, 14 days of hours). */
  private async prune(queues: string[]): Promise<void> {
    const now = Date.now();
    for (const queue of queues) {
      for (const resolution of ['minute', 'hour'] as HistoryResolution[]) {
        const oldest = now - HISTORY_RETENTION_MS[resolution] - (resolution === 'hour' ? HOUR_MS : MINUTE_MS);
        for (const e of await this.backend.listState(historyPrefix(queue, resolution))) {
          if (periodStart(e.key, resolution) < oldest) await this.backend.deleteState(e.key, e.version);
        }
      }
    }
  }
}
