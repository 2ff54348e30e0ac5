// The worker's side of ctx.progress / ctx.log: each call only changes this process's copy of the
// task's progress and bounded log; a timer writes every changed task in one Backend.report call
// at most every FLUSH_MS, so a handler reporting 100 times a second costs about five writes a
// second for all its tasks together, not one per call. A task's unsent changes are written before
// its completion (settle), fenced by its lease like a renewal.
import type { Backend } from './backend.js';
import { appendLog, checkProgress, logLines, type TaskLog, type TaskProgress, type TaskReport } from './progress.js';
import type { ClaimedTask } from './types.js';

/** How long a change may wait before it is written. */
export const FLUSH_MS = 200;
/** How long settle waits for the last write of a task before its completion goes ahead anyway. */
const SETTLE_MS = 5_000;

interface Tracked {
  claimed: ClaimedTask;
  progress: TaskProgress | undefined;
  log: TaskLog;
  sizes: number[];
  progressChanged: boolean;
  newLines: string[];
  /** A retried or requeued task: the log of earlier attempts is read back before the first write. */
  seedFromStore: boolean;
}

export class ProgressReporter {
  private readonly tasks = new Map<string, Tracked>();
  private readonly dirty = new Set<Tracked>();
  /** The tasks the write in flight carries. */
  private readonly writing = new Set<Tracked>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly backend: Backend,
    private readonly onError: (err: unknown, what: string) => void,
  ) {}

  /** ctx.progress for `claimed`: checks the value (a ConfigurationError to the handler), keeps it. */
  progress(claimed: ClaimedTask, value: unknown): void {
    const t = this.track(claimed);
    t.progress = checkProgress(value);
    t.progressChanged = true;
    this.changed(t);
  }

  /** ctx.log for `claimed`: each line of `line` joins the bounded log. */
  log(claimed: ClaimedTask, line: unknown): void {
    const t = this.track(claimed);
    const lines = logLines(line);
    appendLog(t.log, lines, t.sizes);
    t.newLines.push(...lines);
    // The event stream carries what is new; the log's own bound applies to it too.
    if (t.newLines.length > t.log.lines.length) t.newLines.splice(0, t.newLines.length - t.log.lines.length);
    this.changed(t);
  }

  /** Before `taskId`'s completion: writes its unsent changes (waiting at most SETTLE_MS), then
   *  forgets it. Undefined — nothing to wait for, not even a promise — for a task that never
   *  reported (the worker's hot path). */
  settle(taskId: string): Promise<void> | undefined {
    const t = this.tasks.get(taskId);
    return t ? this.settleTracked(taskId, t) : undefined;
  }

  private async settleTracked(taskId: string, t: Tracked): Promise<void> {
    const deadline = Date.now() + SETTLE_MS;
    try {
      // A write in flight may hold an older copy of this task: wait for it, then write once more.
      if (this.flushing) await within(this.flushing, deadline - Date.now());
      // Another task's settle may have started the write of this one meanwhile (both waited for
      // the same write, that one resumed first and took every dirty task): wait for that write too,
      // or the completion overtakes it and the lease fences the task's last lines out.
      if (this.dirty.has(t)) await within(this.flush(), deadline - Date.now());
      else if (this.flushing && this.writing.has(t)) await within(this.flushing, deadline - Date.now());
    } finally {
      // Written or not (the backend did not take it in time), the completion goes ahead.
      this.dirty.delete(t);
      this.tasks.delete(taskId);
    }
  }

  /** The task stopped without a completion (released, lease lost): its changes are dropped. */
  forget(taskId: string): void {
    const t = this.tasks.get(taskId);
    if (!t) return;
    this.dirty.delete(t);
    this.tasks.delete(taskId);
  }

  private track(claimed: ClaimedTask): Tracked {
    const id = claimed.record.id;
    let t = this.tasks.get(id);
    if (!t) {
      const r = claimed.record;
      t = {
        claimed,
        progress: undefined,
        log: { lines: [], dropped: 0 },
        sizes: [],
        progressChanged: false,
        newLines: [],
        seedFromStore: r.attempts > 1 || r.error !== undefined,
      };
      this.tasks.set(id, t);
    }
    return t;
  }

  private changed(t: Tracked): void {
    this.dirty.add(t);
    if (!this.timer && !this.flushing) this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
  }

  private flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.flushing) return this.flushing;
    this.flushing = this.write().finally(() => {
      this.flushing = undefined;
      if (this.dirty.size > 0 && !this.timer) this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
    });
    return this.flushing;
  }

  private async write(): Promise<void> {
    const batch = [...this.dirty];
    this.dirty.clear();
    for (const t of batch) this.writing.add(t);
    try {
      await Promise.all(batch.filter((t) => t.seedFromStore).map((t) => this.seed(t)));
      const reports: TaskReport[] = batch.map((t) => {
        const report: TaskReport = {
          lease: t.claimed.lease,
          log: { lines: [...t.log.lines], dropped: t.log.dropped },
          progressChanged: t.progressChanged,
          newLines: t.newLines,
        };
        if (t.progress !== undefined) report.progress = t.progress;
        t.progressChanged = false;
        t.newLines = [];
        return report;
      });
      const held = await this.backend.report(reports);
      held.forEach((ok, i) => {
        if (!ok) this.tasks.delete(batch[i].claimed.record.id); // lease lost: another attempt owns the task
      });
    } catch (err) {
      // Written again with the next change or settle; the lines stay in the copy here.
      for (const t of batch) if (this.tasks.get(t.claimed.record.id) === t) this.dirty.add(t);
      this.onError(err, 'writing task progress and logs failed; retrying');
    } finally {
      this.writing.clear();
    }
  }

  /** Puts the stored log of earlier attempts (and their last progress, if this attempt has none
   *  yet) before this attempt's own. */
  private async seed(t: Tracked): Promise<void> {
    const stored = await this.backend.getTask(t.claimed.record.id);
    t.seedFromStore = false;
    if (!stored) return;
    const mine = t.log.lines;
    t.log = { lines: [...(stored.log ?? [])], dropped: (stored.logDropped ?? 0) + t.log.dropped };
    t.sizes = t.log.lines.map((l) => Buffer.byteLength(l));
    appendLog(t.log, mine, t.sizes);
    if (t.progress === undefined && stored.progress !== undefined) t.progress = stored.progress;
  }
}

/** Waits for `promise` at most `ms` (it keeps running; a timeout is not an error here). */
async function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, ms))))]);
  } finally {
    clearTimeout(timer);
  }
}
