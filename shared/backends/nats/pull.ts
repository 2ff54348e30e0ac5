// Pull requests on the level consumers, and the acknowledgements that answer a delivery.
// Pulls are raw `CONSUMER.MSG.NEXT` requests so the claim decides what happens to every
// message, including one that arrives after the claim stopped waiting (it is handed back at
// once with a NAK, never left to time out). Immediate pulls go through one long-lived inbox per
// consumer, one at a time (no subscribe/unsubscribe per claim); waiting pulls, which a claim
// may walk away from, each get their own inbox.
import type { Msg, MsgHdrs, NatsConnection, Subscription } from 'nats';
import { natsDriver } from './driver.js';
import type { Requester } from './requester.js';

/** One level of one queue: a work subject and its durable consumer. */
export interface Source {
  queue: string;
  level: number;
  consumer: string;
}

export interface Delivery {
  source: Source;
  taskId: string;
  /** Stream sequence: the message's identity while it lives. */
  seq: number;
  /** How many times the server has delivered it. */
  delivered: number;
  ackSubject: string;
  /** Record revision the message was published with (fast-path compare-and-set). */
  rev?: number;
  runAt: number;
  /** Enqueue order (the record's first revision): ties on runAt go by this. */
  order: number;
  /** The record (with payload) as published; absent for tasks moved from the delayed index. */
  body?: Uint8Array;
}

export interface PullResult {
  deliveries: Delivery[];
  /** The server said there was nothing more: the batch holds the level's whole backlog. */
  exhausted: boolean;
  /** The consumer is missing (deleted, or not created yet). */
  missing: boolean;
}

export const HEADER = { id: 'Sitq-Id', rev: 'Sitq-Rev', runAt: 'Sitq-Run-At', order: 'Sitq-Order' } as const;

/** Margin past a pull's expiry after which it is given up locally (lost on a reconnect). */
const LOCAL_MARGIN_MS = 2000;

export class Pull {
  readonly result: Promise<PullResult>;
  private readonly sub: Subscription;
  private readonly deliveries: Delivery[] = [];
  private readonly timer: NodeJS.Timeout;
  private settle!: (r: PullResult) => void;
  private done = false;
  private abandoned = false;

  constructor(
    nc: NatsConnection,
    stream: string,
    private readonly source: Source,
    private readonly batch: number,
    /** 0: answer at once; otherwise wait up to this long for the first message. */
    expiresMs: number,
    private readonly late: (d: Delivery) => void,
  ) {
    this.result = new Promise((resolve) => (this.settle = resolve));
    const inbox = natsDriver().createInbox();
    this.sub = nc.subscribe(inbox, { callback: (err, m) => (err ? this.finish(false, false) : this.onMessage(m)) });
    // no_wait with expires is a one-shot request: it waits for the first message, then returns
    // whatever is there (server 2.9+). Without expires it answers at once.
    const request = expiresMs > 0 ? { batch, no_wait: true, expires: Math.round(expiresMs * 1e6) } : { batch, no_wait: true };
    this.timer = setTimeout(() => this.finish(false, false), expiresMs + LOCAL_MARGIN_MS);
    nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${source.consumer}`, JSON.stringify(request), { reply: inbox });
  }

  /** The claim no longer wants what this pull brings: anything still to come is handed back. */
  abandon(): void {
    if (this.abandoned) return;
    this.abandoned = true;
    if (this.done) return; // settled: the caller has the result
    for (const d of this.deliveries.splice(0)) this.late(d);
  }

  private onMessage(m: Msg): void {
    if (!isDelivery(m)) {
      const end = statusEnd(m);
      if (end) this.finish(end.exhausted, end.missing);
      return;
    }
    const d = toDelivery(m, this.source);
    if (this.abandoned || this.done) this.late(d);
    else this.deliveries.push(d);
    if (this.deliveries.length >= this.batch) this.finish(false, false);
  }

  private finish(exhausted: boolean, missing: boolean): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.sub.unsubscribe();
    this.settle({ deliveries: this.deliveries, exhausted, missing });
  }
}

/** Immediate pulls (`no_wait`, no expiry) on one consumer through one inbox, one at a time: a
 *  request ends after `batch` deliveries or with a status, so the next can reuse the inbox. */
export class PullChannel {
  private readonly inbox = natsDriver().createInbox();
  private readonly sub: Subscription;
  private current: { batch: number; deliveries: Delivery[]; settle: (r: PullResult) => void; timer: NodeJS.Timeout } | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly nc: NatsConnection,
    private readonly stream: string,
    readonly source: Source,
    /** Deliveries nobody asked for (a request given up locally, then answered). */
    private readonly stray: (d: Delivery) => void,
  ) {
    this.sub = nc.subscribe(this.inbox, { callback: (err, m) => (err ? this.finish(false, false) : this.onMessage(m)) });
  }

  pull(batch: number): Promise<PullResult> {
    const run = this.queue.then(() => this.request(batch));
    this.queue = run.catch(() => {});
    return run;
  }

  close(): void {
    this.sub.unsubscribe();
    this.finish(false, false);
  }

  private request(batch: number): Promise<PullResult> {
    return new Promise<PullResult>((settle) => {
      const timer = setTimeout(() => this.finish(false, false), LOCAL_MARGIN_MS);
      this.current = { batch, deliveries: [], settle, timer };
      this.nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${this.stream}.${this.source.consumer}`, JSON.stringify({ batch, no_wait: true }), {
        reply: this.inbox,
      });
    });
  }

  private onMessage(m: Msg): void {
    if (!isDelivery(m)) {
      const end = statusEnd(m);
      if (end) this.finish(end.exhausted, end.missing);
      return;
    }
    const d = toDelivery(m, this.source);
    const current = this.current;
    if (!current) return this.stray(d);
    current.deliveries.push(d);
    if (current.deliveries.length >= current.batch) this.finish(false, false);
  }

  private finish(exhausted: boolean, missing: boolean): void {
    const current = this.current;
    if (!current) return;
    this.current = undefined;
    clearTimeout(current.timer);
    current.settle({ deliveries: current.deliveries, exhausted, missing });
  }
}

function isDelivery(m: Msg): boolean {
  return m.reply?.startsWith('$JS.ACK.') === true;
}

/** How a status message ends a pull (nats-server 2.9, consumer.go). Only the server's word that
 *  nothing more is waiting makes the pull _exhausted_ (its batch held the level's whole backlog):
 *  `404 No Messages` (nothing pending when the request came) or `408 Request Timeout` (a one-shot
 *  pull that got messages reached the end of the stream, or a waiting pull expired with nothing).
 *  Not `408 Requests Pending`: messages are waiting, but the pulls already waiting on the consumer
 *  (another worker's claim) asked for more than there are, so this request was refused unserved.
 *  Nor `408 Interest Expired` or a 409 (refused, leadership change, consumer deleted). 503: the
 *  consumer is missing. 100 (heartbeat) does not end it. */
function statusEnd(m: Msg): { exhausted: boolean; missing: boolean } | null {
  const code = m.headers?.code ?? 0;
  if (code === 100) return null;
  const exhausted = code === 404 || (code === 408 && m.headers?.description === 'Request Timeout');
  return { exhausted, missing: code === 503 };
}

function toDelivery(m: Msg, source: Source): Delivery {
  const ackSubject = m.reply ?? '';
  const info = parseAckSubject(ackSubject);
  const h = m.headers;
  const rev = numberHeader(h, HEADER.rev);
  const d: Delivery = {
    source,
    taskId: h?.get(HEADER.id) ?? '',
    seq: info.seq,
    delivered: info.delivered,
    ackSubject,
    runAt: numberHeader(h, HEADER.runAt) ?? 0,
    order: numberHeader(h, HEADER.order) ?? info.seq,
  };
  if (rev !== undefined) d.rev = rev;
  if (m.data.length > 0) d.body = m.data;
  return d;
}

function numberHeader(h: MsgHdrs | undefined, key: string): number | undefined {
  const v = h?.get(key);
  return v ? Number(v) : undefined;
}

/** `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>`, or the v2 form with
 *  domain and account hash in front (and a token after). */
export function parseAckSubject(subject: string): { delivered: number; seq: number } {
  const t = subject.split('.');
  const base = t.length === 9 ? 2 : 4;
  return { delivered: Number(t[base + 2]), seq: Number(t[base + 3]) };
}

// --- answers to a delivery (fire-and-forget publishes to its ack subject) ---------------------

const encoder = new TextEncoder();
const ACK = encoder.encode('+ACK');
const NAK = new TextEncoder().encode('-NAK');
const WORKING = new TextEncoder().encode('+WPI');
const TERM = new TextEncoder().encode('+TERM');

export const answer = {
  /** Done: the work-queue stream drops the message. */
  ack: (nc: NatsConnection, subject: string) => nc.publish(subject, ACK),
  /** Deliver again now, or after `delayMs` (a retry's backoff, a lease not yet expired). */
  nak: (nc: NatsConnection, subject: string, delayMs = 0) =>
    nc.publish(subject, delayMs > 0 ? encoder.encode(`-NAK ${JSON.stringify({ delay: Math.ceil(delayMs) * 1_000_000 })}`) : NAK),
  /** Still working: restarts the ack-wait (the lease) on the server. */
  working: (nc: NatsConnection, subject: string) => nc.publish(subject, WORKING),
  /** Never deliver again (dead, cancelled). */
  term: (nc: NatsConnection, subject: string) => nc.publish(subject, TERM),
};

/** A NAK the server confirms once processed (any ack with a reply subject is answered): for
 *  tasks that must be claimable the moment the call returns (release, a retry due now). Asked
 *  again while the consumer has no leader (a repeat is harmless: the record decides). If it
 *  still fails the record is already written and the delivery comes back after its ack wait,
 *  so the caller is not failed for it. */
export async function nakConfirmed(requester: Requester, subject: string): Promise<void> {
  await requester.request(subject, NAK, undefined, { retry: true }).catch(() => {});
}
