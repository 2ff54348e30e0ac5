// Publishing work messages: one per ready task, to `<stream>.q.<queue>.<level>`. The stream's
// order is the claim order within a level, so a task that would jump that order (its runAt is
// earlier than one already published) first marks its level out of order; claims on such a
// level look ahead and sort.
import type { LevelRegistry } from './levels.js';
import type { Names } from './names.js';
import { HEADER } from './pull.js';
import { headersOf, type Requester } from './requester.js';

export interface WorkItem {
  taskId: string;
  queue: string;
  level: number;
  runAt: number;
  order: number;
  /** Server-side de-duplication id (two movers of one delayed task publish it once). */
  msgId: string;
  /** The record revision `body` was read at; with `body`, a claim needs no read. */
  rev?: number;
  body?: Uint8Array;
  /** The task is late or backdated (by more than ORDER_TOLERANCE_MS): tasks published before
   *  it may have a later runAt. */
  backdated?: boolean;
}

/** Inversions of runAt smaller than this are left to the stream order: concurrent producers
 *  (and clocks) differ by a few ms, and marking a level for that would make every claim sort. */
export const ORDER_TOLERANCE_MS = 50;

export class WorkPublisher {
  /** Latest runAt this process published per level. */
  private readonly lastRunAt = new Map<string, number>();

  constructor(
    private readonly requester: Requester,
    private readonly names: Names,
    private readonly levels: LevelRegistry,
  ) {}

  /** Publishes in the given order (pipelined: one round trip for the batch). */
  async publish(items: readonly WorkItem[]): Promise<void> {
    if (items.length === 0) return;
    const marks = new Map<string, [string, number]>();
    for (const item of items) {
      const key = `${item.queue}.${item.level}`;
      const last = this.lastRunAt.get(key) ?? -Infinity;
      if (item.backdated || item.runAt < last - ORDER_TOLERANCE_MS) marks.set(key, [item.queue, item.level]);
      this.lastRunAt.set(key, Math.max(last, item.runAt));
    }
    if (marks.size > 0) await Promise.all([...marks.values()].map(([queue, level]) => this.levels.markOutOfOrder(queue, level)));
    await Promise.all(
      items.map((item) =>
        this.requester.publish(
          this.names.workSubject(item.queue, item.level),
          item.body ?? new Uint8Array(0),
          headersOf({
            'Nats-Msg-Id': item.msgId,
            [HEADER.id]: item.taskId,
            [HEADER.rev]: item.rev,
            [HEADER.runAt]: item.runAt,
            [HEADER.order]: item.order,
          }),
        ),
      ),
    );
  }
}
