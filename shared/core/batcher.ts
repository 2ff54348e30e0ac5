// Coalesces calls made in the same tick into one backend round trip (completions, renewals).
// A failed flush is retried with a growing pause (100 ms up to 1 s): a completion is never dropped
// while the worker lives (if the worker dies, the lease brings the task back: at-least-once).
import { ConfigurationError } from './errors.js';

/** The longest pause between retries of a backend call, here and in the Worker's claim loop:
 *  after an outage, a worker resumes within a second of the server coming back. */
export const RETRY_PAUSE_CAP_MS = 1000;

/** An item a drain's deadline gave up on: the server did not take it in time. */
export class BatchAbandonedError extends Error {
  constructor(count: number) {
    super(`given up at the drain's deadline with ${count} item(s) unwritten`);
    this.name = 'BatchAbandonedError';
  }
}

export interface BatcherOptions<I, O> {
  /** The backend call that takes a batch and answers per item, in order. */
  flush: (items: I[]) => Promise<O[]>;
  /** Told of each failed flush (the attempt counts from 1). */
  onError: (err: unknown, attempt: number) => void;
  /** Most items one flush takes (default 500). */
  maxBatch?: number;
  /** Returns false to give up retrying (the items' promises then reject); default: always retry. */
  shouldRetry?: (attempt: number) => boolean;
}

export class Batcher<I, O> {
  private pending: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  /** After this (epoch ms, set by drain) a failed flush is given up instead of retried. */
  private giveUpAt = Infinity;
  /** Items given up so far (at a drain's deadline, or when shouldRetry said no), and items in a
   *  call not yet answered. */
  private abandoned = 0;
  private inCall = 0;
  private scheduled = false;
  private inFlight: Promise<void> = Promise.resolve();
  private readonly flushFn: (items: I[]) => Promise<O[]>;
  private readonly onError: (err: unknown, attempt: number) => void;
  private readonly maxBatch: number;
  private readonly shouldRetry: (attempt: number) => boolean;

  constructor(options: BatcherOptions<I, O>) {
    const maxBatch = options.maxBatch ?? 500;
    // 0 would take nothing from the queue, flushing empty batches forever.
    if (!Number.isInteger(maxBatch) || maxBatch < 1)
      throw new ConfigurationError({ option: 'maxBatch', expected: 'an integer >= 1', given: maxBatch });
    this.flushFn = options.flush;
    this.onError = options.onError;
    this.maxBatch = maxBatch;
    this.shouldRetry = options.shouldRetry ?? (() => true);
  }

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.inFlight = this.inFlight.then(() => this.flushAll());
        });
      }
    });
  }

  /**
   * Resolves once everything added so far has been written (or given up on), or at `deadline`
   * (epoch ms): from then on a failed flush is not retried, and what is still unwritten is given
   * up (its promises reject with BatchAbandonedError). Answers how many items were given up or
   * still in a call the server has not answered.
   */
  async drain(deadline = Infinity): Promise<number> {
    this.giveUpAt = deadline;
    const all = (async () => {
      while (this.pending.length > 0 || this.scheduled) {
        // A flush already scheduled runs on the next turn of the loop: wait for it rather than
        // chaining flushes in microtasks, which would never let that turn come.
        if (this.scheduled) await new Promise((resolve) => setImmediate(resolve));
        else this.inFlight = this.inFlight.then(() => this.flushAll());
        await this.inFlight;
      }
      await this.inFlight;
      return true;
    })();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => {
      if (Number.isFinite(deadline)) timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
    });
    try {
      const done = await Promise.race([all, expired]);
      if (done) return this.abandoned;
      // A call still waiting on a silent server: its items and the queued ones are given up.
      const left = this.pending.splice(0);
      for (const p of left) p.reject(new BatchAbandonedError(left.length));
      return this.abandoned + left.length + this.inCall;
    } finally {
      clearTimeout(timer);
    }
  }

  private async flushAll(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      for (let attempt = 1; ; attempt++) {
        try {
          this.inCall = batch.length;
          const results = await this.flushFn(batch.map((b) => b.item));
          batch.forEach((b, i) => b.resolve(results[i]));
          break;
        } catch (err) {
          this.onError(err, attempt);
          if (!this.shouldRetry(attempt) || Date.now() >= this.giveUpAt) {
            this.abandoned += batch.length;
            batch.forEach((b) => b.reject(err));
            break;
          }
          // A worker blocked on its reports (all its slots waiting to be recorded) claims nothing:
          // the cap is what lets it resume soon after the server is back.
          const pause = Math.min(RETRY_PAUSE_CAP_MS, 50 * 2 ** attempt, Math.max(0, this.giveUpAt - Date.now()));
          await new Promise((r) => setTimeout(r, pause));
        } finally {
          this.inCall = 0;
        }
      }
    }
  }
}
