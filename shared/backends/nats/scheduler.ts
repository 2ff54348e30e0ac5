// Delayed tasks. Server 2.9 cannot schedule a message, so a task enqueued with a future runAt is
// kept out of the work stream: its record says `delayed` and a META key `d.<id>` indexes it.
// Every process that enqueues or claims watches that index and, when a task is due, publishes
// its work message (ordered by runAt, then enqueue order) and deletes the key. Movers racing
// over one task publish it once: the message id is fixed by the index entry and the stream
// drops duplicates. Claims and enqueues move due tasks first, so a due task is never behind
// one enqueued after it became due.
import { EventEmitter } from 'node:events';
import { metaKeys } from './names.js';
import type { Meta, MetaWatch } from './meta.js';
import { ORDER_TOLERANCE_MS, type WorkPublisher } from './publish.js';

export interface DelayedEntry {
  id: string;
  queue: string;
  level: number;
  runAt: number;
  order: number;
  /** Revision of the index key. */
  rev: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeEntry(e: Omit<DelayedEntry, 'id' | 'rev'>): Uint8Array {
  return encoder.encode(JSON.stringify({ q: e.queue, l: e.level, r: e.runAt, o: e.order }));
}

export class Scheduler extends EventEmitter<{ added: [entry: DelayedEntry] }> {
  private readonly entries = new Map<string, DelayedEntry>();
  /** Min-heap by (runAt, order); entries no longer in `entries` are skipped when popped. */
  private readonly heap: DelayedEntry[] = [];
  private watch: MetaWatch | undefined;
  private moving: Promise<void> = Promise.resolve();
  /** moveDue() calls not yet settled. */
  private movesUnderway = 0;

  constructor(
    private readonly meta: Meta,
    private readonly publisher: WorkPublisher,
  ) {
    super();
    this.setMaxListeners(0);
  }

  /** After a reconnect: rebuild from a fresh watch (keys removed meanwhile are forgotten). */
  async restart(): Promise<void> {
    this.stop();
    this.entries.clear();
    this.heap.length = 0;
    await this.start();
  }

  async start(): Promise<void> {
    this.watch = await this.meta.watch(
      'd.',
      (e) => {
        const v = JSON.parse(decoder.decode(e.value)) as { q: string; l: number; r: number; o: number };
        this.add({ id: e.key.slice(2), queue: v.q, level: v.l, runAt: v.r, order: v.o, rev: e.rev });
      },
      (key) => this.entries.delete(key.slice(2)),
    );
    await this.watch.ready;
  }

  stop(): void {
    this.watch?.stop();
  }

  add(entry: DelayedEntry): void {
    const known = this.entries.get(entry.id);
    if (known && known.rev >= entry.rev) return;
    this.entries.set(entry.id, entry);
    this.push(entry);
    this.emit('added', entry);
  }

  forget(id: string): void {
    this.entries.delete(id);
  }

  /** When the earliest delayed task is due, if any. */
  nextDueAt(): number | undefined {
    this.dropStale();
    return this.heap[0]?.runAt;
  }

  /** Whether moveDue() has anything to do or wait for: a move is under way, or a task is due.
   *  When not, an enqueue skips it (its promises and turns of the microtask queue). */
  mayMove(): boolean {
    if (this.movesUnderway > 0) return true;
    this.dropStale();
    const top = this.heap[0];
    return top !== undefined && top.runAt <= Date.now();
  }

  /** Publishes every due task; calls run one after another so publishes keep their order. */
  moveDue(): Promise<void> {
    this.movesUnderway++;
    const next = this.moving
      .catch(() => {})
      .then(() => this.moveNow())
      .finally(() => this.movesUnderway--);
    this.moving = next;
    return next;
  }

  private async moveNow(): Promise<void> {
    const now = Date.now();
    const due: DelayedEntry[] = [];
    for (;;) {
      this.dropStale();
      const top = this.heap[0];
      if (!top || top.runAt > now) break;
      this.pop();
      this.entries.delete(top.id);
      due.push(top);
    }
    if (due.length === 0) return;
    try {
      await this.publisher.publish(
        due.map((e) => ({
          taskId: e.id,
          queue: e.queue,
          level: e.level,
          runAt: e.runAt,
          order: e.order,
          msgId: `${e.id}:d${e.rev}`,
          backdated: now - e.runAt > ORDER_TOLERANCE_MS,
        })),
      );
    } catch (err) {
      for (const e of due) this.add(e); // try again on the next claim
      throw err;
    }
    // Only the first remover succeeds; the others see the revision moved on.
    await Promise.all(due.map((e) => this.meta.remove(metaKeys.delayed(e.id), e.rev).catch(() => false)));
  }

  private dropStale(): void {
    while (this.heap.length && this.entries.get(this.heap[0].id) !== this.heap[0]) this.pop();
  }

  private push(e: DelayedEntry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l], h[m])) m = l;
      if (r < h.length && before(h[r], h[m])) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}

function before(a: DelayedEntry, b: DelayedEntry): boolean {
  return a.runAt < b.runAt || (a.runAt === b.runAt && a.order < b.order);
}
