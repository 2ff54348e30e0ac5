// Read-your-writes after a failover, for task records (records.ts) and coordination state
// (state.ts): the newest revision of each key this client wrote or read. A node (a new leader still
// applying its log, or a replica) may answer with an older copy; such an answer is never returned:
// the read is asked again from the leader until it catches up, and fails after CATCH_UP_MS.
//
// What is remembered, and for how long (a worker notes every task it claims and completes, so an
// unbounded memory grows with every task: ~140 B each):
// - A single-copy bucket (`replicas` 1, the default) remembers nothing. Its stream has no Raft group
//   (nats-server runs an R1 stream without one): one store, which stores a write before
//   acknowledging it and answers every read, so no node can answer from behind a write it
//   acknowledged.
// - A replicated bucket remembers each revision for at least the buckets' duplicate window (2 min
//   by default) and at most twice that, and at most `limit` keys (the oldest go first). A leader
//   further behind than the duplicate window on a write it acknowledged is already outside what the
//   design can hold: the compare-and-set fence of a replicated bucket (`Nats-Msg-Id: cas:<rev>`,
//   DESIGN.md) only refuses a second write at one revision within that window, so such a leader
//   stores any process's compare-and-set at the old revision over the acknowledged write. A floor
//   kept longer would guard this process's reads in a case where the write itself is not guarded.
import { ConnectionError } from '../../core/errors.js';

/** How long a read waits for the node answering it to reach a revision this client already knows. */
const CATCH_UP_MS = 5000;
const CATCH_UP_PAUSE_MS = 50;

export interface KnownRevisionsOptions {
  /** Keys remembered at most (the oldest go first). 0: nothing is remembered (a single copy). */
  limit: number;
  /** A revision is kept at least this long (and at most twice as long). */
  retainMs: number;
  address: string;
  /** The clock (tests). */
  now?: () => number;
}

export class KnownRevisions {
  // Two generations: notes go to `young`; every `retainMs` the old generation is dropped and the
  // young one becomes old. A revision so lives between one and two periods, without a timestamp or
  // a timer per key. Each map's order is its age (a key noted again is re-inserted last).
  private young = new Map<string, number>();
  private old = new Map<string, number>();
  private since: number;
  private readonly limit: number;
  private readonly retainMs: number;
  private readonly address: string;
  private readonly now: () => number;

  constructor(options: KnownRevisionsOptions) {
    this.limit = options.limit;
    this.retainMs = options.retainMs;
    this.address = options.address;
    this.now = options.now ?? Date.now;
    this.since = this.now();
  }

  /** Keys remembered now. */
  get size(): number {
    return this.young.size + this.old.size;
  }

  /** Whether a revision of `key` is remembered. */
  has(key: string): boolean {
    return this.young.has(key) || this.old.has(key);
  }

  /** `first`, or a later answer of `again()` (which reads from the leader), whose revision is at
   *  least the newest this client knows for `key`. An answer without a message (none, or seq 0)
   *  after the wait is returned as it is: the key was removed with its history. */
  async atLeast<M extends { seq: number }>(key: string, what: string, first: M | null, again: () => Promise<M | null>): Promise<M | null> {
    if (this.limit === 0) return first;
    this.age();
    const floor = this.young.get(key) ?? this.old.get(key) ?? 0;
    const deadline = Date.now() + CATCH_UP_MS;
    let m = first;
    while ((m?.seq ?? 0) < floor) {
      if (Date.now() >= deadline) {
        if (!m || m.seq === 0) return m;
        throw new ConnectionError(
          'NATS JetStream',
          this.address,
          `the server answered revision ${m.seq} of ${what}, older than revision ${floor} this client already saw, and did not catch up within ${CATCH_UP_MS} ms`,
        );
      }
      await new Promise((r) => setTimeout(r, CATCH_UP_PAUSE_MS));
      m = await again();
    }
    return m;
  }

  note(key: string, rev: number): void {
    if (this.limit === 0) return;
    this.age();
    const had = this.young.get(key) ?? this.old.get(key);
    if (had !== undefined && had >= rev) return;
    this.old.delete(key);
    this.young.delete(key); // re-inserted last: the map's order is its age
    this.young.set(key, rev);
    if (this.young.size + this.old.size > this.limit) {
      const from = this.old.size > 0 ? this.old : this.young;
      from.delete(from.keys().next().value!);
    }
  }

  /** Gone on purpose: a later "no such key" is not a stale answer. */
  forget(key: string): void {
    this.young.delete(key);
    this.old.delete(key);
  }

  private age(): void {
    const now = this.now();
    if (now - this.since < this.retainMs) return;
    // Two periods or more without a call: both generations are past their time.
    this.old = now - this.since >= 2 * this.retainMs ? new Map() : this.young;
    this.young = new Map();
    this.since = now;
  }
}
