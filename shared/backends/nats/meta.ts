// The META bucket: small shared state under key prefixes — `lv.` priority levels in use,
// `d.` the delayed index, `i.` idempotency keys, `w.` worker heartbeats, `s.` the coordination
// state (state.ts). Writes go through the
// muxed requester; watches use the client's KV watcher (an ordered consumer that survives
// reconnects).
import type { KV, KvEntry, QueuedIterator } from 'nats';
import { ConnectionError } from '../../core/errors.js';
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
    private readonly address: string,
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

  /** Calls `onPut`/`onDelete` for every current key under `prefix` and every later change.
   *  `ready` resolves once every key there at the start has been handed over, and fails with
   *  ConnectionError if the watch ends first (close(), its consumer lost): never a partial view. */
  async watch(prefix: string, onPut: (e: MetaEntry) => void, onDelete: (key: string) => void): Promise<MetaWatch> {
    let resolveReady!: () => void;
    let rejectReady!: (err: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    ready.catch(() => {}); // a watch stopped before anyone awaits ready has no one to tell
    let settled = false;
    let handled = 0;
    // The client's "initialized" may come while the entries it covers are still queued for the
    // loop below: when they all arrived while its consumer was being created and writes go on
    // (so no entry said "none pending"), it calls it at once, before the first is handed over.
    // So ready waits until the loop has handled as many entries as had been received by then.
    let initialized = false;
    let target: number | undefined;
    let iterator: QueuedIterator<KvEntry> | undefined;
    const check = () => {
      if (initialized && iterator) target ??= iterator.getReceived();
      if (!settled && target !== undefined && handled >= target) {
        settled = true;
        resolveReady();
      }
    };
    iterator = await this.kv.watch({
      key: `${prefix}>`,
      initializedFn: () => {
        initialized = true;
        check();
      },
    });
    check();
    const entries = iterator;
    let stopped = false;
    void (async () => {
      let failure: unknown;
      try {
        for await (const e of entries) {
          if (isDeleted(e.operation)) onDelete(e.key);
          else onPut({ key: e.key, value: e.value, rev: e.revision });
          handled++;
          check();
        }
      } catch (err) {
        failure = err; // the client gave up on the watch's consumer (or the connection closed)
      } finally {
        if (!settled) {
          settled = true;
          const why = failure instanceof Error ? `: ${failure.message}` : '';
          const reason = `the watch of ${prefix}> ended after ${handled} entries, before every current key was seen${why}`;
          rejectReady(new ConnectionError('NATS JetStream', this.address, reason, { cause: failure }));
        }
        if (!stopped) this.onWatchLost?.();
      }
    })();
    return {
      ready,
      stop: () => {
        stopped = true;
        entries.stop();
      },
    };
  }

  /** Every current key under `prefix` once (small sets: workers, coordination state); fails
   *  rather than answer a partial list (watch()). */
  async snapshot(prefix: string): Promise<MetaEntry[]> {
    const entries = new Map<string, MetaEntry>();
    const w = await this.watch(
      prefix,
      (e) => entries.set(e.key, e),
      (k) => entries.delete(k),
    );
    try {
      await w.ready;
    } finally {
      w.stop();
    }
    return [...entries.values()];
  }
}

function isDeleted(op: string | undefined): boolean {
  return op === 'DEL' || op === 'PURGE';
}
