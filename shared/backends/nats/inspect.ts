// Counting, listing and purging read a local view of every task's summary: a headers-only
// ordered pull consumer on the records bucket (last value per key, then every change), started on
// the first read and kept up to date afterwards. Each read first waits until the view has
// caught up with the bucket's last write, so it sees everything written before it was called; a
// view that stops moving fails the read with ViewBehindError instead of answering from part of
// the tasks. The first read replays one small header per task, in pulls of VIEW_BATCH (never more
// in flight, so a slow client is never a slow consumer for the server); later reads cost one
// round trip. The view keeps its entries indexed per queue and state as they change
// (task-index.ts), so a count costs a lookup per queue and state and a page the page, not a walk
// of every task.
import type { PruneOptions } from '../../core/backend.js';
import { checkListQuery } from '../../core/rules.js';
import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from 'nats';
import { SitqError } from '../../core/errors.js';
import { natsDriver } from './driver.js';
import { isFinished, type ListTasksQuery, type QueueCounts, type TaskRecord } from '../../core/types.js';
import type { Names } from './names.js';
import { withoutLog } from '../../core/progress.js';
import { searchCandidates, searchNeedle } from '../../core/task-search.js';
import { parseSummary, publicRecord, SUMMARY_HEADER, type RecordStore } from './records.js';
import { TaskIndex, type Entry } from './task-index.js';

/** A read fails with ViewBehindError once the view has not moved for this long while behind
 *  (the consumer's heartbeats are missed, and it is recreated, well within it). */
export const VIEW_STALL_MS = 30_000;
/** Summaries one pull of the view asks for (headers only: about 250 bytes each). */
const VIEW_BATCH = 1000;
/** A pull expires after this long; its idle heartbeats (half of it) tell a stalled pull. */
const VIEW_PULL_EXPIRES_MS = 10_000;
/** How often a waiting read looks whether the view still moves. */
const STALL_CHECK_MS = 1000;

/** counts/listTasks/purge/prune could not be answered: the local view of the tasks stayed behind
 *  the records bucket (no summary arrived for `stalledMs` ms). Nothing was answered or deleted;
 *  the call can be made again. */
export class ViewBehindError extends SitqError {
  constructor(
    /** The last bucket sequence the view had applied. */
    readonly seenSeq: number,
    /** The bucket's last sequence when the read began. */
    readonly targetSeq: number,
    readonly stalledMs: number,
    address: string,
  ) {
    super(
      `NATS JetStream at ${address}: the task view (read by counts, listTasks, purge and prune) stopped at ` +
        `sequence ${seenSeq} of ${targetSeq} and has not moved for ${stalledMs} ms; nothing was answered, try again`,
    );
  }
}

export class TaskView {
  private index = new TaskIndex();
  private messages: ConsumerMessages | undefined;
  private starting: Promise<void> | undefined;
  private seenSeq = 0;
  /** Bumped by every (re)start, so a read that waited across one counts it as movement. */
  private generation = 0;
  private waiters: { seq: number; resolve: () => void }[] = [];

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly names: Names,
    private readonly store: RecordStore,
    private readonly address = 'NATS JetStream',
  ) {}

  /** Ends the consumer; the next read starts a new one and replays every summary. Waiting reads
   *  wake and wait for the new one (they never answer from the view stopped). */
  stop(): void {
    this.generation++;
    void this.messages?.close().catch(() => {});
    this.messages = undefined;
    this.starting = undefined;
    this.wake(true);
  }

  async counts(extraQueues: readonly string[]): Promise<QueueCounts[]> {
    await this.catchUp();
    const now = Date.now();
    this.index.settle(now);
    return this.index.counts(extraQueues, now);
  }

  async list(query: ListTasksQuery): Promise<{ tasks: TaskRecord[]; total: number }> {
    const { limit, offset } = checkListQuery(query);
    const needle = searchNeedle(query.search);
    await this.catchUp();
    const now = Date.now();
    this.index.settle(now);
    const listed = this.index.listing(query.queue, query.state);
    const read = async (entries: readonly { entry: Entry }[]) =>
      (await Promise.all(entries.map((l) => this.store.get(l.entry.id)))).map((v) => (v === null ? null : publicRecord(v.rec, now)));
    // A search reads each listed task's record (the local view holds summaries only).
    if (needle !== undefined) {
      const found = await searchCandidates(listed?.toArray() ?? [], read, needle, { offset, limit });
      return { tasks: found.tasks.map(withoutLog), total: found.total };
    }
    const tasks = (await read(listed?.slice(offset, limit) ?? [])).filter((r): r is TaskRecord => r !== null).map(withoutLog);
    return { tasks, total: listed?.size ?? 0 };
  }

  /** Finished tasks older than `olderThanMs`: ids with the revision to delete them at. */
  async finishedBefore(olderThanMs: number, queue: string | undefined): Promise<Entry[]> {
    await this.catchUp();
    const cutoff = Date.now() - olderThanMs;
    return [...this.index.entries()].filter(
      (e) => isFinished(e.state) && (e.finishedAt ?? 0) <= cutoff && (queue === undefined || e.queue === queue),
    );
  }

  /** Backend.prune's choice: the oldest (by finishedAt, then id) finished tasks of one queue and
   *  state beyond its keepNewest newest or finished before finishedBefore, at most limit. */
  async oldestFinished({ queue, state, finishedBefore, keepNewest, limit }: PruneOptions): Promise<Entry[]> {
    await this.catchUp();
    const matching = [...this.index.entries()]
      .filter((e) => e.queue === queue && e.state === state)
      .sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    let n = keepNewest === undefined ? 0 : matching.length - keepNewest;
    if (finishedBefore !== undefined) {
      const younger = matching.findIndex((e) => (e.finishedAt ?? 0) >= finishedBefore);
      n = Math.max(n, younger === -1 ? matching.length : younger);
    }
    return matching.slice(0, Math.max(0, Math.min(limit, n)));
  }

  forget(id: string): void {
    this.index.delete(id);
  }

  /** Waits until the view has applied the bucket's last sequence as of now, for as long as it
   *  keeps moving; ViewBehindError once it has not moved for VIEW_STALL_MS. */
  private async catchUp(): Promise<void> {
    await this.start();
    const info = await this.jsm.streams.info(this.names.taskStream);
    const target = info.state.last_seq;
    if (info.state.messages === 0) return;
    let mark = { seq: this.seenSeq, generation: this.generation, at: performance.now() };
    for (;;) {
      await this.start(); // again after a stop (a reconnect): the new consumer replays
      if (this.seenSeq >= target) return;
      const now = performance.now();
      if (this.seenSeq !== mark.seq || this.generation !== mark.generation)
        mark = { seq: this.seenSeq, generation: this.generation, at: now };
      else if (now - mark.at >= VIEW_STALL_MS) throw new ViewBehindError(this.seenSeq, target, Math.round(now - mark.at), this.address);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, STALL_CHECK_MS);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.push({ seq: target, resolve: done });
      });
    }
  }

  private start(): Promise<void> {
    this.starting ??= (async () => {
      const generation = ++this.generation;
      // A new consumer replays every current summary: start from an empty index (a task purged
      // while the last one was gone would otherwise stay).
      this.index = new TaskIndex();
      this.seenSeq = 0;
      const consumer = await this.js.consumers.get(this.names.taskStream, {
        filterSubjects: `${this.names.taskSubjectPrefix}>`,
        deliver_policy: natsDriver().DeliverPolicy.LastPerSubject,
        headers_only: true,
      });
      const messages = await consumer.consume({
        max_messages: VIEW_BATCH,
        expires: VIEW_PULL_EXPIRES_MS,
        callback: (m) => {
          if (this.generation === generation) this.apply(m);
        },
      });
      if (this.generation !== generation) {
        void messages.close().catch(() => {});
        return;
      }
      this.messages = messages;
      // Closed other than by stop() (the stream went, the client gave up): the next read restarts it.
      void messages.closed().then(
        () => this.messages === messages && this.stop(),
        () => this.messages === messages && this.stop(),
      );
    })().catch((err: unknown) => {
      this.starting = undefined;
      throw err;
    });
    return this.starting;
  }

  private wake(all: boolean): void {
    if (!this.waiters.length) return;
    const still = [];
    for (const w of this.waiters) all || w.seq <= this.seenSeq ? w.resolve() : still.push(w);
    this.waiters = still;
  }

  private apply(m: JsMsg): void {
    const id = m.subject.slice(this.names.taskSubjectPrefix.length);
    const op = m.headers?.get('KV-Operation');
    const summary = m.headers?.get(SUMMARY_HEADER);
    if (op === 'DEL' || op === 'PURGE' || !summary) this.forget(id);
    else {
      const known = this.index.get(id);
      if (!known || known.rev < m.seq) this.index.put({ ...parseSummary(summary), id, rev: m.seq }, Date.now());
    }
    this.seenSeq = Math.max(this.seenSeq, m.seq);
    this.wake(false);
  }
}
