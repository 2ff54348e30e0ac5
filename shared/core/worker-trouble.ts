// How a worker reports trouble with its backend: a failed call is logged (and passed to
// 'backend-error' listeners); a background loop's failure is logged, the same message at most once
// a minute (the loop retries every interval); a backend closed under the running worker is said
// once, and the failures it causes are not logged one by one.
import { BackendClosedError } from './errors.js';
import type { Logger } from './logger.js';

/** A background loop's same message is logged at most once per this many ms. */
const LOOP_ERROR_REPEAT_MS = 60_000;

export interface WorkerTroubleOptions {
  workerId: string;
  logger: Logger;
  /** A failed backend call, for the worker's 'backend-error' listeners. */
  onBackendError(error: Error): void;
}

export class WorkerTrouble {
  private lastLoopError = { message: '', at: 0 };
  private closed = false;

  constructor(private readonly options: WorkerTroubleOptions) {}

  /** The backend was closed while the worker ran (see closedUnder): no retry brings it back. */
  get backendClosed(): boolean {
    return this.closed;
  }

  /** True for a failure because the backend was closed under the running worker (BackendClosedError),
   *  said once: the worker's reports and renewals then fail at once, and stop() still ends it. */
  closedUnder(err: unknown): boolean {
    if (!(err instanceof BackendClosedError)) return false;
    if (!this.closed) {
      this.closed = true;
      this.options.logger.warn(
        `worker ${this.options.workerId}: its backend was closed while the worker ran, so it claims no more tasks; stop the worker before closing its backend (await worker.stop(), then close the backend or its TaskQueue)`,
      );
    }
    return true;
  }

  /** A background loop's failure (cancel watch, retention, heartbeats): the worker carries on. */
  loopError(err: unknown, what: string): void {
    if (this.closedUnder(err)) return;
    const message = `${what}: ${err instanceof Error ? err.message : String(err)}`;
    const now = Date.now();
    if (message === this.lastLoopError.message && now - this.lastLoopError.at < LOOP_ERROR_REPEAT_MS) return;
    this.lastLoopError = { message, at: now };
    this.options.logger.warn(message);
  }

  /** A backend call of the worker's own work failed (claim, complete, renew, release …). */
  backendError(err: unknown, what: string): void {
    if (this.closedUnder(err)) return;
    const error = err instanceof Error ? err : new Error(String(err));
    this.options.logger.warn(`${what}: ${error.message}`);
    this.options.onBackendError(error);
  }
}
