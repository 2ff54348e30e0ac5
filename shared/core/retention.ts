// Retention: each queue's `keep` settings (core/queue-settings.ts) enforced by the workers. Every
// worker runs this loop; one at a time does the work, the holder of `locks/retention` (a lock with
// an expiry, core/state-lock.ts). A pass reads every queue's settings (one list call) and, for each
// rule, deletes through Backend.prune in batches of `batch`, oldest first, until nothing is left
// over the limits or the pass has used PASS_BUDGET_MS (then the next pass follows at once). prune
// is served by an index on (queue, state, finishedAt) on every backend, so a pass costs what it
// deletes; claims and completions never scan for it.
import type { Backend } from './backend.js';
import type { Logger } from './logger.js';
import { Periodic } from './periodic.js';
import { KEEP_STATES, listQueueSettings, type KeepRule } from './queue-settings.js';
import { StateLock } from './state-lock.js';

export const RETENTION_LOCK = 'retention';
/** Default ms between two retention passes of a worker. */
export const RETENTION_INTERVAL_MS = 5_000;
/** Default most tasks one prune call deletes. */
export const RETENTION_BATCH = 1_000;
/** A pass stops after this long and the next one follows at once, so the lock is renewed often. */
const PASS_BUDGET_MS = 2_000;
/** After passes that deleted nothing, the holder's interval doubles, up to this many times itself
 *  and half the lock's life (15 s by default): a queue at its limit costs less while nothing ends. */
const IDLE_BACKOFF_MAX = 16;

export interface RetentionOptions {
  /** ms between passes (default 5000). */
  intervalMs?: number;
  /** Most tasks one delete call removes (default 1000). */
  batch?: number;
}

export interface RetentionPass {
  /** False when another worker holds the lock (nothing was done). */
  held: boolean;
  deleted: number;
  /** True when the pass stopped on its time budget with work left. */
  more: boolean;
}

export class RetentionKeeper {
  private readonly loop: Periodic;
  private readonly lock: StateLock;
  private readonly batch: number;
  private readonly intervalMs: number;
  /** Reported once per key, not every pass. */
  private readonly badKeys = new Set<string>();
  private idlePasses = 0;
  private readonly lockTtlMs: number;

  constructor(
    private readonly backend: Backend,
    owner: string,
    private readonly logger: Logger,
    onError: (err: unknown) => void,
    options: RetentionOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? RETENTION_INTERVAL_MS;
    this.batch = options.batch ?? RETENTION_BATCH;
    // The lock outlives a few missed passes, so a slow pass does not hand it over mid-way.
    this.lockTtlMs = Math.max(30_000, 3 * (this.intervalMs + PASS_BUDGET_MS));
    this.lock = new StateLock(backend, RETENTION_LOCK, owner, this.lockTtlMs);
    this.loop = new Periodic({
      intervalMs: this.intervalMs,
      tick: async () => this.nextDelay(await this.pass()),
      onError,
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Stops the loop and gives the lock up, so another worker takes over at its next pass. */
  async stop(): Promise<void> {
    await this.loop.stop();
    await this.lock.release();
  }

  private nextDelay(pass: RetentionPass): number {
    if (pass.more) return 0;
    this.idlePasses = pass.held && pass.deleted === 0 ? this.idlePasses + 1 : 0;
    if (this.idlePasses === 0) return this.intervalMs;
    const factor = Math.min(IDLE_BACKOFF_MAX, 2 ** Math.min(this.idlePasses, 10));
    return Math.max(this.intervalMs, Math.min(this.lockTtlMs / 2, this.intervalMs * factor));
  }

  /** One pass (the loop's step; public for tests and `sitq retention --now`). */
  async pass(now = Date.now()): Promise<RetentionPass> {
    if (!(await this.lock.acquire(now))) return { held: false, deleted: 0, more: false };
    const settings = await listQueueSettings(this.backend, (err) => {
      if (this.badKeys.has(err.key)) return;
      this.badKeys.add(err.key);
      this.logger.warn(`retention: ${err.message}`);
    });
    const started = performance.now();
    let deleted = 0;
    for (const [queue, s] of settings) {
      for (const state of KEEP_STATES) {
        const rule = s.keep?.[state];
        if (!rule || (rule.maxAgeMs === undefined && rule.maxCount === undefined)) continue;
        for (;;) {
          if (performance.now() - started > PASS_BUDGET_MS) return { held: true, deleted, more: true };
          const n = await this.backend.prune({ queue, state, limit: this.batch, ...limits(rule, now) });
          deleted += n;
          if (n < this.batch) break;
        }
      }
    }
    return { held: true, deleted, more: false };
  }
}

function limits(rule: KeepRule, now: number): { finishedBefore?: number; keepNewest?: number } {
  const out: { finishedBefore?: number; keepNewest?: number } = {};
  if (rule.maxAgeMs !== undefined) out.finishedBefore = now - rule.maxAgeMs;
  if (rule.maxCount !== undefined) out.keepNewest = rule.maxCount;
  return out;
}
