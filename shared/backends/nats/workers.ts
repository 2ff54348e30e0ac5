// Worker registry: one META key `w.<id>` per worker holding its info and when it stops
// counting as live; listing drops (and deletes) the expired ones.
//
// A heartbeat is a compare-and-set on the revision of this worker's previous one (fenced on a
// cluster like every CAS, requester.ts), not a plain put: the requester sends a write again
// when its reply is lost (a failover), and a plain put's extra copy could be stored after the
// worker's removal, listing a stopped worker again until its beat expired. A copy of a CAS beat
// carries its predecessor's revision, which the removal (or the first copy) has replaced, so it
// is refused. The worker removes itself only after its last beat was answered (worker.ts).
import type { WorkerInfo } from '../../core/types.js';
import type { Meta } from './meta.js';
import { metaKeys } from './names.js';

interface Heartbeat extends WorkerInfo {
  expiresAt: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Tries of one beat against other writers of its key (a lister removing it as expired, an
 *  admin's removeWorker, a second worker given the same id). */
const BEAT_TRIES = 3;

export class WorkerRegistry {
  /** The revision of the last beat this instance wrote, per key. */
  private readonly revs = new Map<string, number>();

  constructor(private readonly meta: Meta) {}

  async heartbeat(info: WorkerInfo, ttlMs: number): Promise<void> {
    const key = metaKeys.worker(info.id);
    const beat: Heartbeat = { ...info, expiresAt: Date.now() + ttlMs };
    const value = encoder.encode(JSON.stringify(beat));
    let expected = this.revs.get(key);
    for (let i = 0; i < BEAT_TRIES; i++) {
      // First beat, or the key moved on (removed, or written by another): after what is there
      // now, read from the leader (0: never written; a delete marker's revision: removed).
      expected ??= (await this.meta.last(key, true)).seq;
      const rev = await this.meta.cas(key, value, expected);
      if (rev !== null) {
        this.revs.set(key, rev);
        return;
      }
      expected = undefined;
    }
    this.revs.delete(key); // the next beat reads the key again
  }

  async list(): Promise<WorkerInfo[]> {
    const now = Date.now();
    const live: WorkerInfo[] = [];
    const expired: Promise<boolean>[] = [];
    for (const e of await this.meta.snapshot('w.')) {
      const { expiresAt, ...info } = JSON.parse(decoder.decode(e.value)) as Heartbeat;
      if (expiresAt > now) live.push(info);
      else expired.push(this.meta.remove(e.key, e.rev).catch(() => false)); // unless it beat again
    }
    await Promise.all(expired);
    return live.sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Unconditional, and safe so: a late copy of it can only remove a beat written after it under
   *  the same id (a worker id is new per Worker unless the user reuses one), which comes back at
   *  its next beat; copies of earlier beats cannot follow it (above). */
  async remove(workerId: string): Promise<void> {
    const key = metaKeys.worker(workerId);
    this.revs.delete(key);
    await this.meta.remove(key);
  }
}
