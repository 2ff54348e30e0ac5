// Claiming. One round: move due delayed tasks into the stream, pull from every level consumer
// of the requested queues at once (highest level first), keep the best `max` deliveries and NAK
// the rest back, then take each kept task with a compare-and-set on its record that bumps
// attempts and the fencing token. A message published with its record needs no read for that
// (the message carries the revision it was written at); otherwise the record is read first.
// When nothing is ready the claim waits with one-shot pulls, which the server answers as soon
// as a message arrives (enqueue, release, retry, an expired lease all deliver one).
import { publishEvents } from './events.js';
import { LEASE_EXPIRED_ERROR } from '../../core/backend.js';
import type { ClaimedTask, ClaimRequest } from '../../core/types.js';
import type { Session } from './context.js';
import { checkQueue } from './names.js';
import { answer, nakConfirmed, Pull, PullChannel, type Delivery, type PullResult, type Source } from './pull.js';
import { decodeRecord, publicRecord, withoutLease, type StoredTask, type Versioned } from './records.js';

export type ClaimArgs = ClaimRequest & { waitMs?: number; signal?: AbortSignal };

/** Deliveries pulled per out-of-order level so they can be sorted by runAt. */
const LOOKAHEAD = 64;
/** Rounds that only dropped stale messages before the claim starts waiting instead. */
const MAX_BUSY_ROUNDS = 20;
/** Compare-and-set attempts per delivery before it is handed back. */
const MAX_CONFLICTS = 4;

interface Fetched {
  source: Source;
  result: PullResult;
}

type Verdict = { kind: 'claim' } | { kind: 'expire' } | { kind: 'defer'; delayMs: number } | { kind: 'drop' };

export class Claimer {
  /** One inbox per consumer for immediate pulls. */
  private readonly channels = new Map<string, PullChannel>();

  constructor(private readonly s: Session) {}

  async claim(req: ClaimArgs): Promise<ClaimedTask[]> {
    for (const q of req.queues) checkQueue(q, 'claim queues');
    const deadline = Date.now() + Math.max(0, req.waitMs ?? 0);
    let busyRounds = 0;
    for (;;) {
      if (this.stopped(req)) return [];
      await this.s.scheduler.moveDue();
      const sources = await this.sources(req);
      const round = await this.take(await this.fetch(sources, req.max), req);
      if (round.claimed.length > 0) return round.claimed;
      if (round.handled && ++busyRounds < MAX_BUSY_ROUNDS) continue;
      busyRounds = 0;
      if (Date.now() >= deadline || this.stopped(req)) return [];
      const woke = await this.waitForWork(sources, req, deadline);
      if (woke.length > 0) {
        const r = await this.take(woke, req);
        if (r.claimed.length > 0) return r.claimed;
      }
    }
  }

  private stopped(req: ClaimArgs): boolean {
    return req.signal?.aborted === true || this.s.lifetime.aborted;
  }

  /** The level consumers of the requested queues, highest priority first; new ones are created
   *  with ack wait = the lease. */
  private async sources(req: ClaimArgs): Promise<Source[]> {
    const sources: Source[] = [];
    for (const queue of req.queues) {
      for (const level of this.s.levels.levelsOf(queue)) sources.push({ queue, level, consumer: this.s.names.consumer(queue, level) });
    }
    sources.sort((a, b) => b.level - a.level);
    await Promise.all(
      sources
        .filter((src) => this.s.topology.ackWaitOf(src.consumer) === undefined)
        .map((src) => this.s.topology.ensureConsumer(src, req.leaseMs)),
    );
    return sources;
  }

  private batchFor(src: Source, max: number): number {
    return this.s.levels.isOutOfOrder(src.queue, src.level) ? Math.max(max, LOOKAHEAD) : max;
  }

  private readonly handBack = (d: Delivery) => answer.nak(this.s.nc, d.ackSubject);

  /** Immediate pulls on every source at once. */
  private async fetch(sources: Source[], max: number): Promise<Fetched[]> {
    const results = await Promise.all(sources.map((src) => this.channel(src).pull(this.batchFor(src, max))));
    return results.map((result, i) => this.checked(sources[i], result));
  }

  private channel(src: Source): PullChannel {
    let ch = this.channels.get(src.consumer);
    if (!ch) this.channels.set(src.consumer, (ch = new PullChannel(this.s.nc, this.s.names.stream, src, this.handBack)));
    return ch;
  }

  private checked(source: Source, result: PullResult): Fetched {
    if (result.missing) this.s.topology.forgetConsumer(source.consumer);
    return { source, result };
  }

  /** Waits for a delivery on any level, the next delayed task to fall due, a new level in one
   *  of the queues, a reconnect (the server forgot our pulls), the deadline, or an abort.
   *  Returns what the wake-up brought. */
  private waitForWork(sources: Source[], req: ClaimArgs, deadline: number): Promise<Fetched[]> {
    const nextDue = this.s.scheduler.nextDueAt();
    const until = Math.min(deadline, nextDue ?? Infinity);
    const waitMs = until - Date.now();
    if (waitMs <= 0) return Promise.resolve([]);
    const pulls = sources.map((src) => new Pull(this.s.nc, this.s.names.stream, src, this.batchFor(src, req.max), waitMs, this.handBack));
    const settled: (Fetched | undefined)[] = sources.map(() => undefined);
    return new Promise<Fetched[]>((resolve) => {
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', finish);
        this.s.lifetime.removeEventListener('abort', finish);
        this.s.levels.off('added', onLevel);
        this.s.scheduler.off('added', onDelayed);
        this.s.events.off('reconnected', finish);
        const got: Fetched[] = [];
        pulls.forEach((p, i) => {
          const f = settled[i];
          if (f) got.push(f);
          else p.abandon();
        });
        resolve(got.filter((f) => f.result.deliveries.length > 0));
      };
      const onLevel = (queue: string) => {
        if (req.queues.includes(queue)) finish();
      };
      const onDelayed = (e: { queue: string; runAt: number }) => {
        if (req.queues.includes(e.queue) && e.runAt < until) finish();
      };
      const timer = setTimeout(finish, waitMs + 50);
      req.signal?.addEventListener('abort', finish, { once: true });
      this.s.lifetime.addEventListener('abort', finish, { once: true });
      this.s.levels.on('added', onLevel);
      this.s.scheduler.on('added', onDelayed);
      this.s.events.on('reconnected', finish);
      // Each pull's outcome is handled when it settles; nothing waits for the chain itself.
      pulls.forEach(
        (p, i) =>
          void p.result.then((result) => {
            if (finished) {
              // Woken by something else after this pull had already brought messages: give them back.
              for (const d of result.deliveries) this.handBack(d);
              return;
            }
            settled[i] = this.checked(sources[i], result);
            // Let pulls answered in the same instant settle too, so priorities are compared.
            if (result.deliveries.length > 0) setImmediate(finish);
            else if (settled.every(Boolean)) finish();
          }),
      );
    });
  }

  /** Keeps the best `max` deliveries (NAKing the rest back in order) and claims them. */
  private async take(fetched: Fetched[], req: ClaimArgs): Promise<{ claimed: ClaimedTask[]; handled: boolean }> {
    const ordered: Delivery[] = [];
    for (const { source, result } of fetched) {
      let ds = result.deliveries;
      if (this.s.levels.isOutOfOrder(source.queue, source.level)) {
        ds = [...ds].sort((a, b) => a.runAt - b.runAt || a.order - b.order || a.seq - b.seq);
        // The whole backlog was in hand and is now in order: the stream order is right again.
        if (result.exhausted) void this.s.levels.markInOrder(source.queue, source.level).catch(() => {});
      }
      ordered.push(...ds);
    }
    const chosen = ordered.slice(0, req.max);
    // Back first in line; confirmed before returning, so the next claim surely sees them.
    const handedBack = Promise.all(ordered.slice(req.max).map((d) => nakConfirmed(this.s.requester, d.ackSubject)));
    const now = Date.now();
    const outcomes = await Promise.all(chosen.map((d) => this.takeOne(d, req, now)));
    await Promise.all([
      handedBack,
      this.adjustLeases(
        fetched.map((f) => f.source),
        req.leaseMs,
      ),
    ]);
    const claimed = outcomes.filter((c): c is ClaimedTask => c !== null);
    return { claimed, handled: claimed.length < chosen.length };
  }

  private async takeOne(d: Delivery, req: ClaimArgs, now: number): Promise<ClaimedTask | null> {
    const fromMessage = d.body && d.rev !== undefined;
    let current: Versioned | null = fromMessage ? { rec: decodeRecord(d.body!), rev: d.rev! } : await this.s.store.get(d.taskId);
    // A replica's copy may trail the leader (a cluster): drop a message only on the leader's word.
    let fresh = !!fromMessage;
    for (let i = 0; i < MAX_CONFLICTS; i++) {
      let verdict = current ? judge(current.rec, d, now) : ({ kind: 'drop' } as const);
      if (verdict.kind === 'drop' && !fresh) {
        current = await this.s.store.get(d.taskId, true);
        fresh = true;
        verdict = current ? judge(current.rec, d, now) : verdict;
      }
      if (!current) {
        answer.term(this.s.nc, d.ackSubject); // its record was purged
        return null;
      }
      if (verdict.kind === 'defer') {
        answer.nak(this.s.nc, d.ackSubject, verdict.delayMs);
        return null;
      }
      if (verdict.kind === 'drop') {
        answer.ack(this.s.nc, d.ackSubject);
        return null;
      }
      const next = verdict.kind === 'claim' ? claimedRecord(current.rec, d, req, now) : expiredRecord(current.rec, now);
      const rev = await this.s.store.write(next, current.rev);
      if (rev !== null) {
        if (verdict.kind === 'expire') {
          answer.term(this.s.nc, d.ackSubject);
          publishEvents(this.s, [['d', next.id, next.queue, now, next.attempts, JSON.stringify(next.error)]]);
          return null;
        }
        this.s.held.remember({ rec: next, rev });
        publishEvents(this.s, [['s', next.id, next.queue, now, next.attempts, null]]);
        return { lease: { taskId: next.id, owner: req.workerId, token: next.token }, record: publicRecord(next, now) };
      }
      current = await this.s.store.get(d.taskId, true);
      fresh = true;
    }
    this.handBack(d);
    return null;
  }

  /** The lease is the consumer's ack wait: follow the length this claim asked for (after the
   *  pull, so a longer wait never postpones the redelivery of an already expired lease). */
  private async adjustLeases(sources: Source[], leaseMs: number): Promise<void> {
    await Promise.all(
      sources
        .filter((src) => this.s.topology.ackWaitOf(src.consumer) !== leaseMs)
        .map((src) => this.s.topology.ensureConsumer(src, leaseMs)),
    );
  }
}

/** What to do with a delivery, given the task's record. */
function judge(rec: StoredTask, d: Delivery, now: number): Verdict {
  switch (rec.state) {
    case 'pending':
    case 'delayed':
      // Never early — also against another process's clock or an early redelivery.
      return rec.runAt > now ? { kind: 'defer', delayMs: rec.runAt - now } : { kind: 'claim' };
    case 'running':
      // Only the delivery the lease was taken through can take it over; others are strays.
      if (rec.leaseSeq !== d.seq) return { kind: 'drop' };
      // The record holds the lease, not the server's timer: a renewal it has not seen yet wins.
      if ((rec.leaseExpiresAt ?? 0) > now) return { kind: 'defer', delayMs: (rec.leaseExpiresAt ?? now) - now + 1 };
      return rec.attempts >= rec.maxAttempts ? { kind: 'expire' } : { kind: 'claim' };
    default:
      return { kind: 'drop' }; // finished or cancelled: nothing to run
  }
}

function claimedRecord(rec: StoredTask, d: Delivery, req: ClaimArgs, now: number): StoredTask {
  const next: StoredTask = {
    ...rec,
    state: 'running',
    attempts: rec.attempts + 1,
    token: rec.token + 1,
    startedAt: now,
    leaseOwner: req.workerId,
    leaseExpiresAt: now + req.leaseMs,
    leaseSeq: d.seq,
    ackSubject: d.ackSubject,
  };
  // A reclaimed lease is recorded: the next worker then knows this task may kill its process.
  if (rec.state === 'running') next.error = leaseExpiredError(rec);
  if (next.finishedAt !== undefined) delete next.finishedAt; // (a requeued task's; rare)
  return next;
}

function leaseExpiredError(rec: StoredTask): NonNullable<StoredTask['error']> {
  return {
    name: LEASE_EXPIRED_ERROR,
    message: `the lease of attempt ${rec.attempts} of ${rec.maxAttempts} expired (its worker stopped renewing it)`,
  };
}

function expiredRecord(rec: StoredTask, now: number): StoredTask {
  const error = leaseExpiredError(rec);
  const next: StoredTask = {
    ...withoutLease(rec),
    state: 'dead',
    finishedAt: now,
    error: { ...error, message: `${error.message}, so the task is not run again` },
  };
  delete next.ackSubject;
  return next;
}
