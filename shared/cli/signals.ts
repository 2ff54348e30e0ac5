// Ctrl-C handling for long-running commands: the first SIGINT/SIGTERM asks for a graceful stop,
// a second one forces the process out at once (exit 130).
export function onInterrupt(graceful: () => void, forced: () => void = () => process.exit(130)): () => void {
  let count = 0;
  const handler = () => {
    count++;
    if (count === 1) graceful();
    else forced();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}
