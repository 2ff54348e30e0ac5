// Task records in the KV bucket: the source of truth for state, attempts, fencing token and
// result. Each write is a compare-and-set on the key's revision, and carries a small summary
// header so the inspection view can follow every task without reading payloads.
import type { TaskRecord, TaskState } from '../../core/types.js';
import type { Names } from './names.js';
import { KnownRevisions } from './known-revisions.js';
import { CAS_CONFLICT, JsApiError, type Requester, type StoredMsg } from './requester.js';

/** What the bucket stores: the public record plus the lease bookkeeping. */
export interface StoredTask extends TaskRecord {
  /** Fencing token of the latest claim; bumped by every claim, never reset. */
  token: number;
  /** Work-stream sequence of the message the current lease was taken through. */
  leaseSeq?: number;
  /** Ack subject of the delivery the consumer holds for this task (running, or a retry's
   *  delayed redelivery): complete/renew/cancel answer the server through it. */
  ackSubject?: string;
  /** META key of the idempotency key, so purge can free it. */
  idemKey?: string;
}

export interface Versioned {
  rec: StoredTask;
  rev: number;
}

/** What the inspection view keeps per task (from the `Sitq-Sum` header). */
export interface Summary {
  queue: string;
  state: TaskState;
  priority: number;
  runAt: number;
  enqueuedAt: number;
  finishedAt?: number;
  idemKey?: string;
}

export const SUMMARY_HEADER = 'Sitq-Sum';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** [u32 length of JSON][JSON][payload][result]: bytes stay bytes, no base64. */
export function encodeRecord(rec: StoredTask): Uint8Array {
  const { payload, result } = rec;
  // One copy of the record (undefined fields are left out of the JSON): this runs for every write.
  const meta = encoder.encode(
    JSON.stringify({ ...rec, payload: undefined, result: undefined, payloadLength: payload.length, resultLength: result?.length }),
  );
  const out = new Uint8Array(4 + meta.length + payload.length + (result?.length ?? 0));
  new DataView(out.buffer).setUint32(0, meta.length);
  out.set(meta, 4);
  out.set(payload, 4 + meta.length);
  if (result) out.set(result, 4 + meta.length + payload.length);
  return out;
}

export function decodeRecord(bytes: Uint8Array): StoredTask {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const metaLength = view.getUint32(0);
  const meta = JSON.parse(decoder.decode(bytes.subarray(4, 4 + metaLength))) as StoredTask & {
    payloadLength: number;
    resultLength?: number;
  };
  const { payloadLength, resultLength, ...rec } = meta;
  const start = 4 + metaLength;
  // Copies, so a record never pins the whole message buffer.
  rec.payload = bytes.slice(start, start + payloadLength);
  if (resultLength !== undefined) rec.result = bytes.slice(start + payloadLength, start + payloadLength + resultLength);
  return rec;
}

export function summaryOf(rec: StoredTask): string {
  const s: Record<string, string | number> = { q: rec.queue, s: rec.state, p: rec.priority, r: rec.runAt, e: rec.enqueuedAt };
  if (rec.finishedAt !== undefined) s.f = rec.finishedAt;
  if (rec.idemKey !== undefined) s.i = rec.idemKey;
  return JSON.stringify(s);
}

export function parseSummary(text: string): Summary {
  const s = JSON.parse(text) as { q: string; s: TaskState; p: number; r: number; e: number; f?: number; i?: string };
  return { queue: s.q, state: s.s, priority: s.p, runAt: s.r, enqueuedAt: s.e, finishedAt: s.f, idemKey: s.i };
}

/** A `delayed` task whose runAt has passed is ready: it reads as `pending` everywhere. */
export function visibleState(state: TaskState, runAt: number, now: number): TaskState {
  return state === 'delayed' && runAt <= now ? 'pending' : state;
}

/** The record as the contract shows it: no lease bookkeeping, state as of `now`. */
export function publicRecord(rec: StoredTask, now = Date.now()): TaskRecord {
  const { token: _t, leaseSeq: _s, ackSubject: _a, idemKey: _i, ...pub } = rec;
  pub.state = visibleState(rec.state, rec.runAt, now);
  return pub;
}

/** Drops what only a held lease needs. */
export function withoutLease(rec: StoredTask): StoredTask {
  // Destructured rather than copied and `delete`d: a deleted property turns the object into a
  // slow dictionary, and this is on every completion's path.
  const { leaseOwner: _o, leaseExpiresAt: _e, leaseSeq: _s, ...next } = rec;
  return next;
}

/** Tasks whose newest known revision is remembered for read-your-writes on a replicated bucket
 *  (the oldest go first; each for at most twice the duplicate window: known-revisions.ts). */
const KNOWN_REVISIONS = 50_000;

/** What a session's stores remember for read-your-writes: nothing on a single-copy bucket, each
 *  revision for the buckets' duplicate window on a replicated one (known-revisions.ts). */
export interface ReadFloor {
  replicated: boolean;
  duplicateWindowMs: number;
}

export class RecordStore {
  /** The newest revision of each task this client wrote or read (known-revisions.ts), so a getTask
   *  after a completion this client made sees that completion, whichever node answers. */
  private readonly known: KnownRevisions;

  constructor(
    private readonly requester: Requester,
    private readonly names: Names,
    address: string,
    floor: ReadFloor,
  ) {
    this.known = new KnownRevisions({ limit: floor.replicated ? KNOWN_REVISIONS : 0, retainMs: floor.duplicateWindowMs, address });
  }

  /** The record. `fresh`: surely as the stream's leader has it, even where reads otherwise go
   *  to any copy (after a conflict, or to settle a lost reply). Never older than a revision this
   *  client has written or read (it asks again, then fails with ConnectionError). */
  async get(id: string, fresh = false): Promise<Versioned | null> {
    const m = await this.last(id, fresh);
    if (!m || m.operation === 'DEL' || m.operation === 'PURGE' || m.data.length === 0) return null;
    return { rec: decodeRecord(m.data), rev: m.seq };
  }

  /** The key's last message, never older than a revision this client knows. */
  private async last(id: string, fresh: boolean): Promise<StoredMsg | null> {
    const stream = this.names.taskStream;
    const subject = this.names.taskSubject(id);
    const first = await this.requester.lastBySubject(stream, subject, fresh);
    const m = await this.known.atLeast(id, `task ${id}`, first, () => this.requester.lastBySubject(stream, subject, true));
    if (m) this.known.note(id, m.seq);
    return m;
  }

  /** Compare-and-set: writes only if the key is still at `expectedRev` (0 = does not exist).
   *  Resolves to the new revision, or null when someone else wrote first. `encoded` saves a
   *  second encoding when the caller also publishes the record. */
  async write(rec: StoredTask, expectedRev: number, encoded = encodeRecord(rec)): Promise<number | null> {
    try {
      const seq = await this.requester.compareAndSet(this.names.taskSubject(rec.id), encoded, expectedRev, {
        [SUMMARY_HEADER]: summaryOf(rec),
      });
      this.known.note(rec.id, seq);
      return seq;
    } catch (err) {
      if (!(err instanceof JsApiError && err.errCode === CAS_CONFLICT)) throw err;
      // The write that won exists: reads from now on (the caller's re-read) must not show less.
      if (err.winner !== undefined) this.known.note(rec.id, err.winner);
      if (!err.ambiguous) return null;
      // Sent twice (a reply was lost): the conflict may be with our own first copy.
      const now = await this.last(rec.id, true);
      return now && sameBytes(now.data, encoded) ? now.seq : null;
    }
  }

  /** Removes a record (and its history) if it is still at `expectedRev`. */
  async purge(id: string, expectedRev: number): Promise<boolean> {
    try {
      await this.requester.compareAndSet(this.names.taskSubject(id), new Uint8Array(0), expectedRev, {
        'KV-Operation': 'PURGE',
        'Nats-Rollup': 'sub',
      });
      this.known.forget(id);
      return true;
    } catch (err) {
      if (!(err instanceof JsApiError && err.errCode === CAS_CONFLICT)) throw err;
      return err.ambiguous && (await this.get(id, true)) === null;
    }
  }
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
