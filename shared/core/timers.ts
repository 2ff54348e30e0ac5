// Small timing helpers the worker and the backends share: a deadline on a promise, a sleep an
// abort cuts short, and a watch that notices when the event loop was blocked.

/** `promise`'s value, or `fallback` after `ms` (the promise keeps running; its outcome is ignored). */
export async function withinMs<T>(promise: Promise<T>, ms: number, fallback?: T): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<T | undefined>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    // The listener goes when the sleep ends, so a long outage does not pile them up on the signal.
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Calls `onBlocked` when a timer fires far later than asked (more than a third of `leaseMs`):
 *  the loop was blocked in between. */
export function watchEventLoop(leaseMs: number, onBlocked: (blockedMs: number) => void): NodeJS.Timeout {
  const tick = 100;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const blocked = Math.round(now - last - tick);
    last = now;
    if (blocked > leaseMs / 3) onBlocked(blocked);
  }, tick);
  timer.unref();
  return timer;
}
