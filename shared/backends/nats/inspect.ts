// Counting, listing and purging read a local view of every task's summary: a headers-only
// ordered consumer on the records bucket (last value per key, then every change), started on
// the first read and kept up to date afterwards. Each read first waits until the view has
// caught up with the bucket's last write, so it sees everything written before it was called.
// The first read replays one small header per task; later reads cost one round trip. The view
// keeps its entries indexed per queue and state as they change (task-index.ts), so a count costs
// a lookup per queue and state and a page the page, not a walk of every task.
import type { PruneOptions } from '../../core/backend.js';
import { checkListQuery } from '../../core/rules.js';
import type { JetStreamClient, JetStreamManager, JetStreamSubscription, JsMsg } from 'nats';
import { natsDriver } from './driver.js';
import { isFinished, type ListTasksQuery, type QueueCounts, type TaskRecord } from '../../core/types.js';
import type { Names } from './names.js';
import { withoutLog } from '../../core/progress.js';
import { searchCandidates, searchNeedle } from '../../core/task-search.js';
import { parseSummary, publicRecord, SUMMARY_HEADER, type RecordStore } from './records.js';
import { TaskIndex, type Entry } from './task-index.js';

/** Longest a read waits for the view to catch up before answering with what it has. */
const CATCH_UP_MS = 5000;

export class TaskView {
  private readonly index = new TaskIndex();
  private sub: JetStreamSubscription | undefined;
  private starting: Promise<void> | undefined;
  private seenSeq = 0;
  private waiters: { seq: number; resolve: () => void }[] = [];

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly names: Names,
    private readonly store: RecordStore,
  ) {}

  stop(): void {
    this.sub?.unsubscribe();
    this.sub = undefined;
    this.starting = undefined;
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
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

  private async catchUp(): Promise<void> {
    await this.start();
    const info = await this.jsm.streams.info(this.names.taskStream);
    const target = info.state.last_seq;
    if (this.seenSeq >= target || info.state.messages === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, CATCH_UP_MS);
      const waiter = { seq: target, resolve: done };
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(waiter);
    });
  }

  private start(): Promise<void> {
    this.starting ??= (async () => {
      const opts = natsDriver().consumerOpts();
      opts.orderedConsumer();
      opts.deliverLastPerSubject();
      opts.headersOnly();
      opts.bindStream(this.names.taskStream);
      opts.callback((err, m) => {
        if (!err && m) this.apply(m);
      });
      this.sub = await this.js.subscribe(`${this.names.taskSubjectPrefix}>`, opts);
    })().catch((err: unknown) => {
      this.starting = undefined;
      throw err;
    });
    return this.starting;
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
    if (this.waiters.length) {
      const still = [];
      for (const w of this.waiters) w.seq <= this.seenSeq ? w.resolve() : still.push(w);
      this.waiters = still;
    }
  }
}
