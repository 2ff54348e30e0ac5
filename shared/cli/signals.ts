// Ctrl-C handling for long-running commands: the first SIGINT/SIGTERM asks for a graceful stop,
// a second one forces the process out at once (exit 130).

/**
 * A signal this soon after the first is the same Ctrl-C, not a second one: run through `npx` or
 * `npm exec`, the terminal delivers Ctrl-C to sitq and npm passes its own copy on a moment later.
 */
export const SAME_INTERRUPT_MS = 300;

export function onInterrupt(graceful: () => void, forced: () => void = () => process.exit(130)): () => void {
  let count = 0;
  let firstAt = 0;
  const handler = () => {
    if (count === 1 && performance.now() - firstAt < SAME_INTERRUPT_MS) return;
    count++;
    if (count === 1) {
      firstAt = performance.now();
      graceful();
    } else forced();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** Resolves after `ms`, or at once when `signal` aborts; leaves no listener on `signal` behind. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    // One listener per call, removed when the timer fires: a polling loop that sleeps on the same
    // signal hundreds of times must not pile them up (Node warns at 11: MaxListenersExceededWarning).
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
