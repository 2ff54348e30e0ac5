// Which priority levels each queue uses (one work subject and one durable consumer per level),
// and which levels are "out of order": they hold a task whose runAt is earlier than a task
// published before it, so a claim must look ahead and sort instead of taking the stream's order.
// Shared through META keys `lv.<queue>.<level>` (value "1" = out of order) and followed by a
// watch, so every process knows every level without asking the server on each claim.
import { EventEmitter } from 'node:events';
import { metaKeys } from './names.js';
import type { Meta, MetaWatch } from './meta.js';

interface LevelState {
  outOfOrder: boolean;
  rev: number;
}

const FLAG = new TextEncoder().encode('1');
const CLEAR = new Uint8Array(0);

export class LevelRegistry extends EventEmitter<{ added: [queue: string] }> {
  private readonly queues = new Map<string, Map<number, LevelState>>();
  private watch: MetaWatch | undefined;

  constructor(private readonly meta: Meta) {
    super();
    this.setMaxListeners(0);
  }

  /** After a reconnect: a fresh watch (the old one may have stalled with the server). */
  async restart(): Promise<void> {
    this.stop();
    await this.start();
  }

  async start(): Promise<void> {
    this.watch = await this.meta.watch(
      'lv.',
      (e) => {
        const parsed = parseKey(e.key);
        if (parsed) this.apply(parsed.queue, parsed.level, e.value.length > 0, e.rev);
      },
      () => {},
    );
    await this.watch.ready;
  }

  stop(): void {
    this.watch?.stop();
  }

  /** The queue's levels, highest priority first. */
  levelsOf(queue: string): number[] {
    return [...(this.queues.get(queue)?.keys() ?? [])].sort((a, b) => b - a);
  }

  knownQueues(): string[] {
    return [...this.queues.keys()].sort();
  }

  isOutOfOrder(queue: string, level: number): boolean {
    return this.queues.get(queue)?.get(level)?.outOfOrder ?? false;
  }

  /** Whether every task's level is registered already (then ensure() has nothing to do). */
  knowsAll(tasks: readonly { queue: string; priority: number }[]): boolean {
    for (const t of tasks) if (!this.queues.get(t.queue)?.has(t.priority)) return false;
    return true;
  }

  /** Registers levels first used by this enqueue (one write per new level, once per process). */
  async ensure(pairs: Iterable<readonly [string, number]>): Promise<void> {
    const missing = new Map<string, readonly [string, number]>();
    for (const [queue, level] of pairs) if (!this.queues.get(queue)?.has(level)) missing.set(`${queue}.${level}`, [queue, level]);
    await Promise.all(
      [...missing.values()].map(async ([queue, level]) => {
        const key = metaKeys.level(queue, level);
        const rev = await this.meta.create(key, CLEAR);
        if (rev !== null) return this.apply(queue, level, false, rev);
        // Someone registered it first, and may have marked it out of order: take what it holds
        // (an "in order" assumed here would undo a mark the watch had already brought).
        const { seq, entry } = await this.meta.last(key, true);
        this.apply(queue, level, (entry?.value.length ?? 0) > 0, entry ? seq : 0);
      }),
    );
  }

  /** Marks a level out of order before an out-of-order task is published to it. */
  async markOutOfOrder(queue: string, level: number): Promise<void> {
    const state = this.queues.get(queue)?.get(level);
    if (state?.outOfOrder) return;
    if (state) state.outOfOrder = true;
    else this.apply(queue, level, true, 0);
    // Unconditional: the mark only ever needs to be set. A copy of it sent again after a lost
    // reply and stored late (even after a clear) leaves the level marked, which costs a sorted
    // look-ahead until a claim clears it again; it can never clear a mark. Clears are
    // compare-and-sets on the mark's revision (below), so one that did not see this mark fails.
    const rev = await this.meta.put(metaKeys.level(queue, level), FLAG);
    this.apply(queue, level, true, rev);
  }

  /** Back to stream order once a claim has sorted the level's whole backlog — unless someone
   *  marked it again meanwhile (the write is a compare-and-set on the revision we saw). */
  async markInOrder(queue: string, level: number): Promise<void> {
    const state = this.queues.get(queue)?.get(level);
    if (!state?.outOfOrder || state.rev === 0) return;
    const rev = await this.meta.cas(metaKeys.level(queue, level), CLEAR, state.rev);
    if (rev !== null) this.apply(queue, level, false, rev);
  }

  private apply(queue: string, level: number, outOfOrder: boolean, rev: number): void {
    let levels = this.queues.get(queue);
    if (!levels) this.queues.set(queue, (levels = new Map()));
    const known = levels.get(level);
    // An older write seen late, or a state without a revision (assumed before the server
    // answered) for a level the watch has reported already: the known state stands.
    if (known && (rev === 0 || known.rev >= rev)) return;
    levels.set(level, { outOfOrder, rev: rev || known?.rev || 0 });
    if (!known) this.emit('added', queue);
  }
}

function parseKey(key: string): { queue: string; level: number } | null {
  const m = /^lv\.([A-Za-z0-9_-]+)\.(\d)$/.exec(key);
  return m ? { queue: m[1], level: Number(m[2]) } : null;
}
