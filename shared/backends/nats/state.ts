// The coordination-state store (Backend.getState and the rest) in the META bucket under `s.`.
// A state key's "/" becomes "." in the KV key ("schedules/nightly" -> `s.schedules.nightly`: state
// keys hold no ".", so the mapping is one to one), so a prefix of whole words is a subject filter
// (`s.schedules.>`) that the server applies. KV revisions are stream sequences, not 1, 2, 3 per key,
// so the contract's version travels in the value: `<version>:<value>`. A write is a compare-and-set
// on the revision it read (meta.ts); when another write got in between, the entry is read again
// (from the stream's leader) and the write tried again only if the version is still the expected
// one (a delete and re-create in between), else it is refused. A write whose expected version is
// the one this client last read or wrote for the key goes straight to the compare-and-set on that
// revision, without reading again: a read-modify-write (the rate limiter's bucket, several times a
// second from every worker) costs two round trips instead of three, and the window in which another
// writer makes it fail is one round trip instead of two.
import type { StateEntry } from '../../core/backend.js';
import type { Meta, MetaEntry } from './meta.js';
import { KnownRevisions } from './known-revisions.js';
import type { ReadFloor } from './records.js';
import { metaKeys } from './names.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const COLON = 0x3a;

/** Keys whose newest known revision is remembered for read-your-writes (the oldest go first). */
const KNOWN_REVISIONS = 10_000;

export class StateStore {
  /** The newest revision of each key this client wrote or read (known-revisions.ts; after a
   *  delete, above the revision it removed), so a getState after this client's setState sees that
   *  write whichever node answers, as with task records. */
  private readonly known: KnownRevisions;
  /** The revision and version of each key as this client last read or wrote it (the oldest go
   *  first past KNOWN_REVISIONS): a compare-and-set on it is the write's first try. */
  private readonly seen = new Map<string, { rev: number; version: number }>();

  constructor(
    private readonly meta: Meta,
    address: string,
    floor: ReadFloor,
  ) {
    this.known = new KnownRevisions({ limit: floor.replicated ? KNOWN_REVISIONS : 0, retainMs: floor.duplicateWindowMs, address });
  }

  async get(key: string): Promise<StateEntry | null> {
    const found = await this.read(metaKeys.state(key), false);
    return found ? decode(key, found) : null;
  }

  async set(key: string, value: string, expectedVersion: number): Promise<StateEntry | null> {
    const kvKey = metaKeys.state(key);
    const bytes = encoder.encode(`${expectedVersion + 1}:${value}`);
    const written = (rev: number): StateEntry => {
      this.known.note(kvKey, rev);
      this.remember(kvKey, rev, expectedVersion + 1);
      return { key, value, version: expectedVersion + 1 };
    };
    // The revision that holds the expected version, as last seen here: if the key is still at it,
    // the write needs no read. If it moved on, the read below tells a refusal from a re-create.
    const last = this.seen.get(kvKey);
    let fresh = false;
    if (expectedVersion > 0 && last?.version === expectedVersion) {
      const rev = await this.meta.cas(kvKey, bytes, last.rev);
      if (rev !== null) return written(rev);
      fresh = true;
    }
    for (; ; fresh = true) {
      const found = await this.read(kvKey, fresh);
      if ((found ? decode(key, found).version : 0) !== expectedVersion) return null;
      // create() takes the place of a delete marker; cas() needs the key at the revision read.
      const rev = found ? await this.meta.cas(kvKey, bytes, found.rev) : await this.meta.create(kvKey, bytes);
      if (rev !== null) return written(rev);
    }
  }

  async delete(key: string, expectedVersion: number | undefined): Promise<boolean> {
    const kvKey = metaKeys.state(key);
    for (let fresh = false; ; fresh = true) {
      const found = await this.read(kvKey, fresh);
      if (!found) return false;
      if (expectedVersion !== undefined && decode(key, found).version !== expectedVersion) return false;
      if (await this.meta.remove(kvKey, found.rev)) {
        this.known.note(kvKey, found.rev + 1); // the delete marker came after the revision removed
        this.seen.delete(kvKey);
        return true;
      }
    }
  }

  /** One snapshot of the keys under the prefix (an ordered consumer filtered by the server). */
  async list(prefix: string): Promise<StateEntry[]> {
    const entries = (await this.meta.snapshot(metaKeys.statePrefix(prefix))).map((e) => decode(metaKeys.stateKeyOf(e.key), e));
    return entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** The entry, never older than a revision this client has written or read (it asks the leader
   *  again, then fails with ConnectionError). */
  private async read(kvKey: string, fresh: boolean): Promise<MetaEntry | null> {
    const first = await this.meta.last(kvKey, fresh);
    const last = await this.known.atLeast(kvKey, `state key ${kvKey}`, first, () => this.meta.last(kvKey, true));
    if (!last) return null;
    this.known.note(kvKey, last.seq);
    if (last.entry) this.remember(kvKey, last.entry.rev, decode(kvKey, last.entry).version);
    else this.seen.delete(kvKey);
    return last.entry;
  }

  private remember(kvKey: string, rev: number, version: number): void {
    this.seen.delete(kvKey); // re-inserted last: the map's order is its age
    this.seen.set(kvKey, { rev, version });
    if (this.seen.size > KNOWN_REVISIONS) this.seen.delete(this.seen.keys().next().value!);
  }
}

function decode(key: string, entry: MetaEntry): StateEntry {
  const colon = entry.value.indexOf(COLON);
  return { key, value: decoder.decode(entry.value.subarray(colon + 1)), version: Number(decoder.decode(entry.value.subarray(0, colon))) };
}
