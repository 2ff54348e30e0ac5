// The META bucket: small shared state under key prefixes — `lv.` priority levels in use,
// `d.` the delayed index, `i.` idempotency keys, `w.` worker heartbeats, `s.` the coordination
// state (state.ts). Writes go through the
// muxed requester; watches use the client's KV watcher (an ordered consumer that survives
// reconnects).
import type { KV, KvEntry, QueuedIterator } from 'nats';
import type { Names } from './names.js';
import { sameBytes } from './records.js';
import { CAS_CONFLICT, headersOf, JsApiError, type Requester } from './requester.js';

export interface MetaEntry {
  key: string;
  value: Uint8Array;
  rev: number;
}

export interface MetaWatch {
  /** Resolves once every existing key has been seen. */
  ready: Promise<void>;
  stop(): void;
}

export class Meta {
  /** Called when a watch ends without stop() (its consumer could not be recreated after a
   *  node loss): the session starts its watches afresh. */
  onWatchLost: (() => void) | undefined;

  constructor(
    private readonly requester: Requester,
    private readonly names: Names,
    private readonly kv: KV,
  ) {}

  /** Writes `key` only if it is absent (or was deleted); null if it already holds a value. */
  async create(key: string, value: Uint8Array): Promise<number | null> {
    const rev = await this.cas(key, value, 0);
    if (rev !== null) return rev;
    // A delete marker also fails "absent": take its place, as the KV client does.
    const current = await this.requester.lastBySubject(this.names.metaStream, this.names.metaSubject(key), true);
    if (!current || !isDeleted(current.operation)) return null;
    return this.cas(key, value, current.seq);
  }

  /** An unconditional write. With `msgId`, the server stores one write per id within the bucket's
   *  duplicate window (a copy sent again after a lost reply is answered with the first's revision).
   *  Each caller says why a copy or a reordering cannot break what it keeps. */
  async put(key: string, value: Uint8Array, msgId?: string): Promise<number> {
    const headers = msgId === undefined ? undefined : headersOf({ 'Nats-Msg-Id': msgId });
    return (await this.requester.publish(this.names.metaSubject(key), value, headers)).seq;
  }

  /** Compare-and-set on the key's revision; null when it moved on. */
  async cas(key: string, value: Uint8Array, expectedRev: number): Promise<number | null> {
    try {
      return await this.requester.compareAndSet(this.names.metaSubject(key), value, expectedRev);
    } catch (err) {
      if (!(err instanceof JsApiError && err.errCode === CAS_CONFLICT)) throw err;
      if (!err.ambiguous) return null;
      // Sent twice (a reply was lost): the conflict may be with our own first copy.
      const now = await this.requester.lastBySubject(this.names.metaStream, this.names.metaSubject(key), true);
      return now && !isDeleted(now.operation) && sameBytes(now.data, value) ? now.seq : null;
    }
  }

  async get(key: string): Promise<MetaEntry | null> {
    return (await this.last(key)).entry;
  }

  /** The key's last message: its revision (0 when the key never had one; a delete marker's when
   *  deleted) and the entry (null when absent or deleted). `fresh`: as the stream's leader has it. */
  async last(key: string, fresh = false): Promise<{ seq: number; entry: MetaEntry | null }> {
    const m = await this.requester.lastBySubject(this.names.metaStream, this.names.metaSubject(key), fresh);
    if (!m) return { seq: 0, entry: null };
    return { seq: m.seq, entry: isDeleted(m.operation) ? null : { key, value: m.data, rev: m.seq } };
  }

  /** Removes a key (with its history); with `expectedRev`, only if it is still at that revision. */
  async remove(key: string, expectedRev?: number): Promise<boolean> {
    const purge = { 'KV-Operation': 'PURGE', 'Nats-Rollup': 'sub' };
    try {
      if (expectedRev === undefined) await this.requester.publish(this.names.metaSubject(key), new Uint8Array(0), headersOf(purge));
      else await this.requester.compareAndSet(this.names.metaSubject(key), new Uint8Array(0), expectedRev, purge);
      return true;
    } catch (err) {
      if (!(err instanceof JsApiError && err.errCode === CAS_CONFLICT)) throw err;
      if (!err.ambiguous) return false;
      const now = await this.requester.lastBySubject(this.names.metaStream, this.names.metaSubject(key), true);
      return !now || isDeleted(now.operation);
    }
  }

  /** Removes `key` if it still holds `value`, at the revision read (from the leader): a late copy
   *  of the removal cannot take away a value written after it. */
  async removeIfHolds(key: string, value: Uint8Array): Promise<boolean> {
    const { entry } = await this.last(key, true);
    if (!entry || !sameBytes(entry.value, value)) return false;
    return this.remove(key, entry.rev);
  }

  /** Calls `onPut`/`onDelete` for every current key under `prefix` and every later change. */
  async watch(prefix: string, onPut: (e: MetaEntry) => void, onDelete: (key: string) => void): Promise<MetaWatch> {
    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const iterator: QueuedIterator<KvEntry> = await this.kv.watch({ key: `${prefix}>`, initializedFn: () => markReady() });
    let stopped = false;
    void (async () => {
      try {
        for await (const e of iterator) {
          if (isDeleted(e.operation)) onDelete(e.key);
          else onPut({ key: e.key, value: e.value, rev: e.revision });
        }
      } catch {
        // the client gave up on the watch's consumer (or the connection closed)
      } finally {
        markReady();
        if (!stopped) this.onWatchLost?.();
      }
    })();
    return {
      ready,
      stop: () => {
        stopped = true;
        iterator.stop();
      },
    };
  }

  /** Every current key under `prefix` once (small sets: workers). */
  async snapshot(prefix: string): Promise<MetaEntry[]> {
    const entries = new Map<string, MetaEntry>();
    const w = await this.watch(
      prefix,
      (e) => entries.set(e.key, e),
      (k) => entries.delete(k),
    );
    await w.ready;
    w.stop();
    return [...entries.values()];
  }
}

function isDeleted(op: string | undefined): boolean {
  return op === 'DEL' || op === 'PURGE';
}
