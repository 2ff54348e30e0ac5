// Cancellation for long benchmark steps: every wait races the caller's AbortSignal.
import { SitqError } from '../core/errors.js';

export class BenchmarkAbortedError extends SitqError {
  constructor(what: string) {
    super(`${what} was cancelled`);
  }
}

export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new BenchmarkAbortedError(what);
}

/** Sleeps `ms`, or rejects with BenchmarkAbortedError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal, what = 'the benchmark'): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new BenchmarkAbortedError(what));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new BenchmarkAbortedError(what));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves with `work`, or rejects with BenchmarkAbortedError first if `signal` aborts. */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(new BenchmarkAbortedError(what));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new BenchmarkAbortedError(what));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
