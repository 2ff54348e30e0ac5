// Waiting in tests on a loaded machine. A machine that stands still for a while (disk, CPU, a
// neighbour's build) stops the process under test and this one alike, so such a stall must not
// count as "the thing did not happen in time"; and after a stall Node runs due timers before it
// reads the sockets and pipes that became ready, so a deadline checked in a timer must look once
// more after that I/O (setImmediate runs after it) before it fails.

const TICK_MS = 250;
/** A tick later than this beyond its period is a stall of this process. */
const STALL_MS = 1000;

/** Milliseconds this process was awake since it was made: a stall counts as at most one second. */
export class AwakeClock {
  private awake = 0;
  private last = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => {
      this.awake = this.elapsed();
      this.last = Date.now();
    }, TICK_MS);
    this.timer.unref();
  }

  elapsed(): number {
    return this.awake + Math.min(Date.now() - this.last, TICK_MS + STALL_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Resolves once the event loop has handled the I/O that is ready now: an immediate set from a
 *  timer runs after the poll phase of the same turn (one set from the poll phase would not). */
export const afterPendingIo = (): Promise<void> => new Promise((resolve) => setTimeout(() => setImmediate(resolve), 0));

/**
 * Calls `onTimeout` once this process has been awake for `ms`, after the I/O that arrived by then
 * has been handled. Returns a function that cancels it.
 */
export function awakeDeadline(ms: number, onTimeout: () => void): () => void {
  const clock = new AwakeClock();
  let immediate: NodeJS.Immediate | undefined;
  const timer = setInterval(() => {
    if (clock.elapsed() < ms) return;
    clearInterval(timer);
    clock.stop();
    immediate = setImmediate(onTimeout); // set from a timer: runs after this turn's I/O
  }, TICK_MS);
  return () => {
    clearInterval(timer);
    clock.stop();
    if (immediate !== undefined) clearImmediate(immediate);
  };
}

/**
 * Calls `check` every `everyMs` until it returns a truthy value, which it resolves to; throws
 * "timed out after … waiting for `what`" once this process has been awake for `timeoutMs` and one
 * last check, after the I/O that had arrived, still failed.
 */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false | null> | T | undefined | false | null,
  timeoutMs: number,
  everyMs: number,
): Promise<T> {
  const clock = new AwakeClock();
  try {
    for (;;) {
      const value = await check();
      if (value) return value;
      if (clock.elapsed() > timeoutMs) {
        await afterPendingIo();
        const last = await check();
        if (last) return last;
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  } finally {
    clock.stop();
  }
}
