// Read-your-writes after a failover, for task records (records.ts) and coordination state
// (state.ts): the newest revision of each key this client wrote or read. A node (a new leader still
// applying its log, or a replica) may answer with an older copy; such an answer is never returned:
// the read is asked again from the leader until it catches up, and fails after CATCH_UP_MS.
import { ConnectionError } from '../../core/errors.js';

/** How long a read waits for the node answering it to reach a revision this client already knows. */
const CATCH_UP_MS = 5000;
const CATCH_UP_PAUSE_MS = 50;

export class KnownRevisions {
  private readonly byKey = new Map<string, number>();

  constructor(
    /** Keys remembered at most (the oldest go first). */
    private readonly limit: number,
    private readonly address: string,
  ) {}

  /** `first`, or a later answer of `again()` (which reads from the leader), whose revision is at
   *  least the newest this client knows for `key`. An answer without a message (none, or seq 0)
   *  after the wait is returned as it is: the key was removed with its history. */
  async atLeast<M extends { seq: number }>(key: string, what: string, first: M | null, again: () => Promise<M | null>): Promise<M | null> {
    const floor = this.byKey.get(key) ?? 0;
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
    const had = this.byKey.get(key);
    if (had !== undefined && had >= rev) return;
    this.byKey.delete(key); // re-inserted last: the map's order is its age
    this.byKey.set(key, rev);
    if (this.byKey.size > this.limit) this.byKey.delete(this.byKey.keys().next().value!);
  }

  /** Gone on purpose: a later "no such key" is not a stale answer. */
  forget(key: string): void {
    this.byKey.delete(key);
  }
}
