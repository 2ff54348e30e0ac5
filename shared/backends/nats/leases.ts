// Reports under a lease: complete, renew, release. Each is a compare-and-set of the task record
// that first checks the lease still holds (state running, same token and owner), so a report
// made under a lost lease changes nothing; only then is the server told through the held
// delivery's ack subject (ACK, NAK with the retry's delay, in-progress, TERM). A batch is one
// round of concurrent writes.
import { SitqError } from '../../core/errors.js';
import { completionWire, reportWire } from '../../core/events.js';
import type { TaskReport } from '../../core/progress.js';
import { publishEvents } from './events.js';
import type { Completion, Lease } from '../../core/types.js';
import type { Session } from './context.js';
import { answer, nakConfirmed } from './pull.js';
import { makeClaimable } from './enqueue.js';
import { encodeRecord, withoutLease, type StoredTask, type Versioned } from './records.js';

/** Compare-and-set retries when another writer got in between (rare: a reclaim, a cancel). */
const MAX_CONFLICTS = 5;

export function holds(rec: StoredTask, lease: Lease): boolean {
  return rec.state === 'running' && rec.token === lease.token && rec.leaseOwner === lease.owner;
}

/** Applies `change` to the record if `lease` still holds it; the record before, or null. */
export async function updateUnderLease(
  s: Session,
  lease: Lease,
  change: (rec: StoredTask) => StoredTask,
): Promise<{ before: StoredTask; after: Versioned } | null> {
  let current = s.held.lookup(lease) ?? (await s.store.get(lease.taskId));
  let fresh = false;
  for (let i = 0; i < MAX_CONFLICTS; i++) {
    if ((!current || !holds(current.rec, lease)) && !fresh) {
      // A replica's copy may trail the leader (a cluster): "lost" only on the leader's word.
      current = await s.store.get(lease.taskId, true);
      fresh = true;
    }
    if (!current || !holds(current.rec, lease)) {
      if (s.held.lookup(lease)) s.held.forget(lease.taskId);
      return null;
    }
    const next = change(current.rec);
    const rev = await s.store.write(next, current.rev);
    if (rev !== null) return { before: current.rec, after: { rec: next, rev } };
    current = await s.store.get(lease.taskId, true);
    fresh = true;
  }
  throw new SitqError(`task ${lease.taskId} kept changing under its lease; its report was not recorded`);
}

export async function complete(s: Session, completions: readonly Completion[]): Promise<boolean[]> {
  const now = Date.now();
  const done = await Promise.all(completions.map((c) => updateUnderLease(s, c.lease, (rec) => finished(rec, c, now))));
  const retries: Promise<void>[] = [];
  done.forEach((d, i) => {
    if (!d) return;
    s.held.forget(d.before.id);
    const subject = d.before.ackSubject;
    const c = completions[i];
    if (c.outcome === 'retry')
      retries.push(retryLater(s, d.after, subject)); // claimable (when due) once this returns
    else if (subject && c.outcome === 'succeeded') answer.ack(s.nc, subject);
    else if (subject) answer.term(s.nc, subject);
  });
  publishEvents(
    s,
    done.flatMap((d, i) => (d ? [completionWire(completions[i], d.before.queue, now, d.before.attempts)] : [])),
  );
  await Promise.all(retries);
  return done.map((d) => d !== null);
}

/**
 * A retry comes back as a new work message, as an enqueue does: published now when it is due, else
 * indexed in the delayed index and published when due. Only then is the delivery it ran from
 * acknowledged. It is not a delayed NAK of that delivery: nats-server before 2.11 can lose the
 * redelivery of a NAKed message for a whole ack wait, when the redelivery falls due while the
 * consumer's only waiting pull has just expired (it takes the message off its redelivery queue,
 * finds no valid pull, and leaves it pending: nats-server 8272e749, "if a message was pulled from
 * rdq but did not have a valid waiting request we would not redeliver until ackWait expired"), and
 * every claim that waits sends pulls that expire. A new message is never lost so (the server puts a
 * first delivery back). If the message or index entry cannot be written, the held delivery brings
 * the task back instead (a delayed NAK, or after its ack wait).
 */
async function retryLater(s: Session, after: Versioned, held: string | undefined): Promise<void> {
  const back = makeClaimable(s, [{ ...after, body: encodeRecord(after.rec) }]);
  if (!held) return back;
  try {
    await back;
  } catch {
    // Not failed for it: the record is written, and a copy that was stored after all is dropped
    // by the claim that finds the task running under the other delivery.
    answer.nak(s.nc, held, Math.max(0, after.rec.runAt - Date.now()));
    return;
  }
  answer.ack(s.nc, held);
}

function finished(rec: StoredTask, c: Completion, now: number): StoredTask {
  // One fresh object per completion, without `delete` (see withoutLease).
  const { leaseOwner: _o, leaseExpiresAt: _e, leaseSeq: _s, finishedAt: _f, ackSubject: _a, ...base } = rec;
  // A retry comes back as a new message (retryLater): the delivery it ran from is answered.
  if (c.outcome === 'retry') return { ...base, state: c.runAt > now ? 'delayed' : 'pending', runAt: c.runAt, error: c.error };
  if (c.outcome === 'succeeded') return { ...base, state: 'succeeded', result: c.result, finishedAt: c.finishedAt };
  return { ...base, state: 'dead', error: c.error, finishedAt: c.finishedAt };
}

export async function renew(s: Session, leases: readonly Lease[], leaseMs: number): Promise<boolean[]> {
  const now = Date.now();
  const renewOne = async (l: Lease): Promise<boolean> => {
    const d = await updateUnderLease(s, l, (rec) => ({ ...rec, leaseExpiresAt: now + leaseMs }));
    if (!d) return false;
    // Told to the server right after this write, not after the whole batch: a completion or a
    // release of this task can only follow the write, so its answer (a release's NAK) always
    // reaches the server after this in-progress and is not reset to a full ack wait by it.
    s.held.remember(d.after);
    if (d.before.ackSubject) answer.working(s.nc, d.before.ackSubject);
    return true;
  };
  return Promise.all(leases.map(renewOne));
}

/** Stores handlers' progress and logs in their records (replacing what each held), by the same
 *  fenced compare-and-set as a renewal. */
export async function report(s: Session, reports: readonly TaskReport[]): Promise<boolean[]> {
  const reportOne = async (r: TaskReport): Promise<boolean> => {
    const d = await updateUnderLease(s, r.lease, (rec) => {
      const { progress: _p, log: _l, logDropped: _d, ...next } = rec;
      const out: StoredTask = next;
      if (r.progress !== undefined) out.progress = r.progress;
      if (r.log.lines.length > 0) out.log = r.log.lines;
      if (r.log.dropped > 0) out.logDropped = r.log.dropped;
      return out;
    });
    if (!d) return false;
    s.held.remember(d.after);
    publishEvents(s, reportWire(r, d.before.queue, Date.now(), d.before.attempts));
    return true;
  };
  return Promise.all(reports.map(reportOne));
}

/** Unstarted claims go back: pending again, the attempt not counted, and NAKed without delay
 *  in stream order so they are redelivered first, in their old places. */
export async function release(s: Session, leases: readonly Lease[]): Promise<void> {
  const done = await Promise.all(
    leases.map((l) =>
      updateUnderLease(s, l, (rec) => ({ ...withoutLease(rec), state: 'pending', attempts: Math.max(0, rec.attempts - 1) })),
    ),
  );
  const back = done
    .filter((d): d is NonNullable<typeof d> => d !== null)
    .sort((a, b) => (a.before.leaseSeq ?? 0) - (b.before.leaseSeq ?? 0));
  const naks: Promise<void>[] = [];
  for (const d of back) {
    s.held.forget(d.before.id);
    if (d.before.ackSubject) naks.push(nakConfirmed(s.requester, d.before.ackSubject));
  }
  // Issued in stream order, confirmed together: claimable, in their places, when this returns.
  await Promise.all(naks);
}
