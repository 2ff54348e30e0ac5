// Changes outside a lease: cancel, requeue, purge — each a compare-and-set of the record, retried
// when another writer got in between — and waiting for a task to finish.
import { publishEvents } from './events.js';
import type { CancelledFrom, PruneOptions } from '../../core/backend.js';
import { SitqError } from '../../core/errors.js';
import { isFinished, type TaskRecord } from '../../core/types.js';
import type { Session } from './context.js';
import type { FinishWatcher } from './finish-watch.js';
import type { TaskView } from './inspect.js';
import { metaKeys } from './names.js';
import { answer } from './pull.js';
import { encodeRecord, publicRecord, withoutLease, type StoredTask, type Versioned } from './records.js';

const MAX_CONFLICTS = 5;
const encoder = new TextEncoder();
/** Records deleted per round of concurrent requests. */
const PURGE_CHUNK = 500;

/** Reads the record, lets `change` decide (null: not applicable), writes it by compare-and-set. */
async function change(
  s: Session,
  taskId: string,
  decide: (rec: StoredTask) => StoredTask | null,
): Promise<{ before: StoredTask; after: Versioned } | null> {
  for (let i = 0; i < MAX_CONFLICTS; i++) {
    const current = await s.store.get(taskId);
    const next = current && decide(current.rec);
    if (!current || !next) return null;
    const rev = await s.store.write(next, current.rev);
    if (rev !== null) return { before: current.rec, after: { rec: next, rev } };
  }
  throw new SitqError(`task ${taskId} kept changing; try again`);
}

/** pending/delayed/running → cancelled. A message already in the stream is dropped when delivered;
 *  a held delivery (a retry's, or a running task's) is terminated now; a delayed-index entry is
 *  removed. A running task's holder then fails its compare-and-set (fenced). Answers the state it
 *  was cancelled from. */
export async function cancelTask(s: Session, taskId: string): Promise<CancelledFrom | null> {
  const done = await change(s, taskId, (rec) => {
    if (rec.state !== 'pending' && rec.state !== 'delayed' && rec.state !== 'running') return null;
    const next: StoredTask = { ...withoutLease(rec), state: 'cancelled', finishedAt: Date.now() };
    delete next.ackSubject;
    return next;
  });
  if (!done) return null;
  publishEvents(s, [['c', taskId, done.before.queue, Date.now(), null, null]]);
  if (done.before.ackSubject) answer.term(s.nc, done.before.ackSubject);
  else if (done.before.state === 'delayed') {
    s.scheduler.forget(taskId);
    // Unconditional, and safe so: only a retry recorded before the cancel can write this task's
    // index entry after it (a requeue publishes a message), and an entry that outlives the cancel
    // only publishes a message that a claim drops (the record is finished, or runs under another
    // delivery once requeued).
    await s.meta.remove(metaKeys.delayed(taskId));
  }
  return done.before.state as CancelledFrom;
}

/** dead/cancelled → pending now with attempts reset (the last error is kept); a new message. */
export async function requeueTask(s: Session, taskId: string): Promise<boolean> {
  const done = await change(s, taskId, (rec) => {
    if (rec.state !== 'dead' && rec.state !== 'cancelled') return null;
    const next: StoredTask = { ...withoutLease(rec), state: 'pending', attempts: 0, runAt: Date.now() };
    delete next.finishedAt;
    delete next.result;
    delete next.ackSubject;
    return next;
  });
  if (!done) return false;
  const { rec, rev } = done.after;
  publishEvents(s, [['e', taskId, rec.queue, Date.now(), null, null]]);
  await s.levels.ensure([[rec.queue, rec.priority]]);
  await s.publisher.publish([
    {
      taskId,
      queue: rec.queue,
      level: rec.priority,
      runAt: rec.runAt,
      order: rev,
      msgId: `${taskId}:${rev}`,
      rev,
      body: encodeRecord(rec),
    },
  ]);
  return true;
}

/** Deletes finished tasks that finished at least `olderThanMs` ago (and frees their
 *  idempotency keys). A task changed meanwhile (requeued) is kept: deletes are by revision. */
export async function purgeFinished(s: Session, view: TaskView, olderThanMs: number, queue: string | undefined): Promise<number> {
  return deleteFinished(s, view, await view.finishedBefore(olderThanMs, queue));
}

/** Retention: the oldest finished tasks of one queue and state, read off the local view (its
 *  in-process summaries; nothing is scanned on the server), deleted by revision. */
export async function pruneFinished(s: Session, view: TaskView, options: PruneOptions): Promise<number> {
  return deleteFinished(s, view, await view.oldestFinished(options));
}

async function deleteFinished(
  s: Session,
  view: TaskView,
  candidates: readonly { id: string; rev: number; idemKey?: string }[],
): Promise<number> {
  let purged = 0;
  for (let i = 0; i < candidates.length; i += PURGE_CHUNK) {
    const chunk = candidates.slice(i, i + PURGE_CHUNK);
    const results = await Promise.all(
      chunk.map(async (e) => {
        if (!(await s.store.purge(e.id, e.rev))) return false;
        view.forget(e.id);
        // Only while it still names this task, by its revision: an unconditional removal sent again
        // after a lost reply could land after a new enqueue took the key, and let a third enqueue
        // with that key in (a duplicate).
        if (e.idemKey) await s.meta.removeIfHolds(e.idemKey, encoder.encode(e.id));
        return true;
      }),
    );
    purged += results.filter(Boolean).length;
  }
  return purged;
}

/** The record once finished; null after `timeoutMs`, or at once for an unknown task. */
/** How often a result wait without its subscription looks again. */
const POLL_MS = 500;

export async function waitForFinish(s: Session, watcher: FinishWatcher, taskId: string, timeoutMs: number): Promise<TaskRecord | null> {
  const deadline = Date.now() + Math.max(0, timeoutMs);
  const first = await s.store.get(taskId);
  if (!first) return null;
  if (isFinished(first.rec.state)) return publicRecord(first.rec);
  if (Date.now() >= deadline) return null;
  let wake!: () => void;
  let woken = new Promise<void>((r) => (wake = r));
  // Without the subscription (its consumer cannot be made during a cluster election) the wait
  // looks again every POLL_MS instead of failing.
  const leave = await watcher.subscribe(taskId, () => wake()).catch(() => undefined);
  const onClose = () => wake();
  s.lifetime.addEventListener('abort', onClose, { once: true });
  try {
    // Read again now that every later write will be seen: nothing falls between the two. From
    // the leader: a replica may not have applied the write that woke us yet.
    for (;;) {
      const current = await s.store.get(taskId, true);
      if (!current) return null; // purged while we waited
      if (isFinished(current.rec.state)) return publicRecord(current.rec);
      const left = deadline - Date.now();
      if (left <= 0 || s.lifetime.aborted) return null;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([woken, new Promise<void>((r) => (timer = setTimeout(r, leave ? left : Math.min(left, POLL_MS))))]);
      clearTimeout(timer);
      woken = new Promise<void>((r) => (wake = r));
    }
  } finally {
    s.lifetime.removeEventListener('abort', onClose);
    leave?.();
  }
}
