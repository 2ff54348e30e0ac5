// Request/reply for the hot path. One wildcard inbox subscription routes every reply by its
// token and one sweeper enforces timeouts, so a batch of N JetStream publishes (KV CAS writes,
// work messages) costs N small messages each way and no per-request timer or subscription —
// about three times the rate of the client's js.publish on this machine.
import type { Msg, MsgHdrs, NatsConnection, Subscription } from 'nats';
import { natsDriver } from './driver.js';
import { ConnectionError } from '../../core/errors.js';

/** JetStream refused a write: `errCode` 10071 is a failed expected-sequence check (CAS).
 *  `ambiguous`: the request was sent more than once (its first reply was lost), so an earlier
 *  copy may have been applied — a CAS conflict may be our own write. `winner`: the revision that
 *  another write made at the same expected revision was stored at (compareAndSet). */
export class JsApiError extends Error {
  constructor(
    readonly code: number,
    readonly errCode: number,
    description: string,
    readonly ambiguous = false,
    readonly winner?: number,
  ) {
    super(description);
    this.name = 'JsApiError';
  }
}

export const CAS_CONFLICT = 10071;
const EXPECTED_LAST_SUBJECT_SEQUENCE = 'Nats-Expected-Last-Subject-Sequence';

export interface PubAck {
  seq: number;
  duplicate: boolean;
  /** Sent more than once (a reply was lost): an earlier copy may be what was stored. */
  resent: boolean;
}

/** The last message on a subject, as a direct or a leader get returns it. */
export interface StoredMsg {
  data: Uint8Array;
  seq: number;
  /** `KV-Operation` header: DEL / PURGE for a removed key. */
  operation?: string;
}

interface Pending {
  subject: string;
  data: Uint8Array;
  headers: MsgHdrs | undefined;
  resolve: (m: Msg) => void;
  reject: (e: Error) => void;
  /** This attempt's reply is due by then. */
  deadline: number;
  /** Sent again until then when no reply comes (0: never sent again). */
  retryUntil: number;
  /** Sent more than once: an earlier copy may have been applied. */
  resent: boolean;
  /** Sent before the connection dropped: its reply may be lost with it. */
  lost: boolean;
}

export interface RequestOptions {
  /** Send again (same reply token) on a lost reply, a missing responder or a reconnect, for a
   *  while: only for requests that are safe to repeat (CAS writes, de-duplicated publishes,
   *  reads). Default false. */
  retry?: boolean;
}

/** Pause before asking again when nobody answered the subject (a stream or consumer without a
 *  leader during an election). */
const NO_RESPONDER_PAUSE_MS = 250;
/** How many attempt timeouts a retried request may take in all. */
const RETRY_ATTEMPTS = 4;
/** After a reconnect, a missing responder or a lost reply, the cluster may be electing leaders
 *  for this long: re-sent requests wait only TROUBLE_TIMEOUT_MS for their reply, so one sent
 *  into the election is repeated soon after it ends instead of a whole timeout later. */
const TROUBLE_WINDOW_MS = 30_000;
const TROUBLE_TIMEOUT_MS = 1000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class Requester {
  private readonly inbox: string;
  private readonly prefixLength: number;
  private readonly sub: Subscription;
  private readonly pending = new Map<string, Pending>();
  private readonly sweeper: NodeJS.Timeout;
  private counter = 0;
  private closed = false;
  /** Until then, re-sends use the short reply timeout (see TROUBLE_WINDOW_MS). */
  private troubleUntil = 0;
  /** Called right before each request is published: the session's event outbox goes out in the
   *  same socket write (events.ts). */
  beforeSend: (() => void) | undefined;

  constructor(
    private readonly nc: NatsConnection,
    /** One attempt's reply timeout. */
    private readonly timeoutMs: number,
    private readonly address: string,
    /** The streams have replicas: reads go to the leader, compare-and-sets are fenced (compareAndSet). */
    private readonly replicated = false,
  ) {
    this.inbox = natsDriver().createInbox();
    this.prefixLength = this.inbox.length + 1;
    this.sub = nc.subscribe(`${this.inbox}.*`, { callback: (err, m) => this.route(err, m) });
    this.sweeper = setInterval(() => this.sweep(), 100);
    this.sweeper.unref();
  }

  request(subject: string, data: Uint8Array | string = new Uint8Array(0), headers?: MsgHdrs, options: RequestOptions = {}): Promise<Msg> {
    if (this.closed) return Promise.reject(this.closedError());
    const token = (++this.counter).toString(36);
    const now = Date.now();
    return new Promise<Msg>((resolve, reject) => {
      const p: Pending = {
        subject,
        data: typeof data === 'string' ? encoder.encode(data) : data,
        headers,
        resolve,
        reject,
        deadline: now + (options.retry ? this.retryTimeout(now) : this.timeoutMs),
        retryUntil: options.retry ? now + this.timeoutMs * RETRY_ATTEMPTS : 0,
        resent: false,
        lost: false,
      };
      this.pending.set(token, p);
      this.send(token, p);
    });
  }

  /** A JetStream publish (to a stream or a KV key) answered by a PubAck. Repeated while the
   *  stream has no leader (an election after a node loss), for a bounded time. */
  async publish(subject: string, data: Uint8Array, headers?: MsgHdrs): Promise<PubAck> {
    const giveUpAt = Date.now() + this.timeoutMs * RETRY_ATTEMPTS;
    let resent = false;
    for (;;) {
      const reply = await this.request(subject, data, headers, { retry: true });
      resent ||= isResent(reply);
      statusCheck(reply, subject);
      const body = parseJson(reply.data) as {
        seq?: number;
        duplicate?: boolean;
        error?: { code: number; err_code: number; description: string };
      };
      if (body.error?.code === 503 && Date.now() < giveUpAt) {
        // "JetStream system temporarily unavailable": nothing was stored; ask again.
        await sleep(NO_RESPONDER_PAUSE_MS);
        resent = true;
        continue;
      }
      if (body.error) throw new JsApiError(body.error.code, body.error.err_code, body.error.description, resent);
      return { seq: body.seq ?? 0, duplicate: body.duplicate === true, resent };
    }
  }

  /** A compare-and-set write to a KV key: stored only if the key's last revision is `expectedRev`
   *  (0: it has none). Resolves to the new revision; a refusal throws JsApiError CAS_CONFLICT.
   *  With replicas, nats-server 2.9 checks the expected revision only on the stream leader,
   *  against what it has applied, before proposing the write — not when the write is applied — so
   *  two writes made at one revision that reach the leader before the first is applied (a renewal
   *  and a completion, re-sent together to a new leader after a failover) are both stored. Each
   *  such write therefore also carries `Nats-Msg-Id: cas:<expectedRev>` (stream sequences are
   *  unique in a stream): the duplicate check runs when a write is applied, in log order on every
   *  replica, so only the first write made at a revision is stored and the others are answered as
   *  duplicates, refused here, for the bucket's duplicate window (2 min by default; a new leader
   *  applies its log in seconds). A create (`expectedRev` 0) is checked when applied already. */
  async compareAndSet(
    subject: string,
    data: Uint8Array,
    expectedRev: number,
    extra: Record<string, string | number | undefined> = {},
  ): Promise<number> {
    const fence = this.replicated && expectedRev > 0 ? `cas:${expectedRev}` : undefined;
    // Built in place (no merged copy of `extra`): every task write passes here.
    const headers = headersOf(extra);
    headers.set(EXPECTED_LAST_SUBJECT_SEQUENCE, String(expectedRev));
    if (fence !== undefined) headers.set('Nats-Msg-Id', fence);
    const ack = await this.publish(subject, data, headers);
    if (ack.duplicate) {
      const why = `revision ${expectedRev} was already replaced (by revision ${ack.seq})`;
      throw new JsApiError(400, CAS_CONFLICT, why, ack.resent, ack.seq);
    }
    return ack.seq;
  }

  /** The last message on `subject`; null if none. A direct get (allow_direct) where only one
   *  copy exists; with replicas, or `fresh`, the stream leader's answer: any replica may answer
   *  a direct get, and a follower may not have applied the latest acknowledged write yet. */
  async lastBySubject(stream: string, subject: string, fresh = false): Promise<StoredMsg | null> {
    if (fresh || this.replicated) return this.lastFromLeader(stream, subject);
    const reply = await this.request(`$JS.API.DIRECT.GET.${stream}`, JSON.stringify({ last_by_subj: subject }), undefined, { retry: true });
    const code = reply.headers?.code ?? 0;
    if (code === 404) return null;
    statusCheck(reply, stream);
    return {
      data: reply.data,
      seq: Number(reply.headers?.get('Nats-Sequence')),
      operation: reply.headers?.get('KV-Operation') || undefined,
    };
  }

  private async lastFromLeader(stream: string, subject: string): Promise<StoredMsg | null> {
    const reply = await this.request(`$JS.API.STREAM.MSG.GET.${stream}`, JSON.stringify({ last_by_subj: subject }), undefined, {
      retry: true,
    });
    statusCheck(reply, stream);
    const body = parseJson(reply.data) as {
      message?: { seq: number; data?: string; hdrs?: string };
      error?: { code: number; err_code: number; description: string };
    };
    if (body.error?.code === 404) return null;
    if (body.error || !body.message)
      throw new JsApiError(body.error?.code ?? 0, body.error?.err_code ?? 0, body.error?.description ?? 'no message in the reply');
    const { seq, data, hdrs } = body.message;
    const operation = hdrs ? /\r\nKV-Operation:\s*(\S+)/i.exec(Buffer.from(hdrs, 'base64').toString('latin1'))?.[1] : undefined;
    return { data: data ? new Uint8Array(Buffer.from(data, 'base64')) : new Uint8Array(0), seq, operation };
  }

  /** The connection dropped: replies to what was sent so far may never come. */
  disconnected(): void {
    for (const p of this.pending.values()) p.lost = true;
  }

  /** Back on a (maybe other) server: send again at once what the drop may have swallowed,
   *  instead of waiting out its timeout; what may not be repeated fails now. */
  reconnected(): void {
    const now = Date.now();
    this.troubleUntil = now + TROUBLE_WINDOW_MS;
    for (const [token, p] of this.pending) {
      if (!p.lost) continue;
      p.lost = false;
      if (now < p.retryUntil) this.resend(token, p, now);
      else {
        this.pending.delete(token);
        p.reject(new ConnectionError('NATS JetStream', this.address, 'the connection dropped before the server answered'));
      }
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    this.sub.unsubscribe();
    const error = this.closedError();
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  private send(token: string, p: Pending): void {
    this.beforeSend?.();
    try {
      this.nc.publish(p.subject, p.data, { reply: `${this.inbox}.${token}`, headers: p.headers });
    } catch (err) {
      this.pending.delete(token);
      p.reject(err as Error);
    }
  }

  /** Same token: whichever copy is answered first settles the request. */
  private resend(token: string, p: Pending, now: number): void {
    p.resent = true;
    p.deadline = now + this.retryTimeout(now);
    this.send(token, p);
  }

  private retryTimeout(now: number): number {
    return now < this.troubleUntil ? Math.min(TROUBLE_TIMEOUT_MS, this.timeoutMs) : this.timeoutMs;
  }

  private route(err: Error | null, m: Msg): void {
    if (err) return;
    const token = m.subject.slice(this.prefixLength);
    const p = this.pending.get(token);
    if (!p) return;
    // No responder: nobody got it (no stream or consumer leader right now). Ask again shortly.
    if (m.headers?.code === 503 && Date.now() + NO_RESPONDER_PAUSE_MS < p.retryUntil) {
      this.troubleUntil = Date.now() + TROUBLE_WINDOW_MS;
      p.deadline = Date.now() + NO_RESPONDER_PAUSE_MS + this.retryTimeout(Date.now());
      setTimeout(() => {
        if (this.pending.get(token) === p && !this.closed) this.send(token, p);
      }, NO_RESPONDER_PAUSE_MS).unref();
      return;
    }
    this.pending.delete(token);
    if (p.resent) resentReplies.add(m);
    p.resolve(m);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [token, p] of this.pending) {
      if (p.deadline > now) continue;
      if (now < p.retryUntil) {
        this.troubleUntil = now + TROUBLE_WINDOW_MS;
        this.resend(token, p, now);
        continue;
      }
      this.pending.delete(token);
      p.reject(
        new ConnectionError(
          'NATS JetStream',
          this.address,
          `no reply within ${this.timeoutMs} ms${p.resent ? ' (asked again, no reply either)' : ''}`,
        ),
      );
    }
  }

  private closedError(): ConnectionError {
    return new ConnectionError('NATS JetStream', this.address, 'the connection was closed');
  }
}

/** Replies to requests that were sent more than once. */
const resentReplies = new WeakSet<Msg>();

function isResent(m: Msg): boolean {
  return resentReplies.has(m);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Status replies: 503 means nobody serves the subject (JetStream off, or no such stream). */
function statusCheck(reply: Msg, what: string): void {
  const code = reply.headers?.code ?? 0;
  if (code === 0 || code < 300) return;
  if (code === 503) throw new JsApiError(503, 0, `no JetStream responder for ${what} (is JetStream enabled and the stream present?)`);
  throw new JsApiError(code, 0, reply.headers?.description || `status ${code}`);
}

export function parseJson(data: Uint8Array): unknown {
  return JSON.parse(decoder.decode(data));
}

export function headersOf(entries: Record<string, string | number | undefined>): MsgHdrs {
  const h = natsDriver().headers();
  for (const [k, v] of Object.entries(entries)) if (v !== undefined) h.set(k, String(v));
  return h;
}
