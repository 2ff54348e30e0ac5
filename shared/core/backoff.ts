import type { BackoffOptions } from './types.js';

// Frozen: tasks enqueued without their own backoff share this object.
export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({ type: 'exponential', baseMs: 1000, maxMs: 5 * 60_000, jitter: 0.2 });
const DEFAULT_BACKOFF_JSON = JSON.stringify(DEFAULT_BACKOFF);

/** A task's backoff as JSON text, as the backends store it; the shared default's text is made once. */
export function backoffJson(backoff: BackoffOptions): string {
  return backoff === DEFAULT_BACKOFF ? DEFAULT_BACKOFF_JSON : JSON.stringify(backoff);
}

/** Delay before retry number `attempt` (1 = the retry after the first failure). */
export function backoffDelay(options: BackoffOptions, attempt: number, random: () => number = Math.random): number {
  const raw = options.type === 'fixed' ? options.baseMs : options.baseMs * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(raw, options.maxMs);
  const jitter = Math.min(1, Math.max(0, options.jitter));
  // Jitter only shortens: the cap stays a cap, and the spread keeps retries of a burst apart.
  return Math.round(capped * (1 - jitter * random()));
}
