// The task view's indexes (inspect.ts): every task's summary, and the same entries kept in order
// per listing filter — all tasks, per queue, per state, per queue and state — plus, per queue, its
// pending tasks by due time (for the oldest pending age) and all delayed tasks by due time. Each
// change of a task moves its entry between the lists it leaves and enters, so counts cost one
// lookup per queue and state and a page one walk of the list's block sizes (core/sorted-list.ts),
// however many tasks the bucket holds.
//
// An entry is listed under the state it reads as (records.ts visibleState): a delayed task whose
// due time has passed reads as pending, so `settle(now)` moves those from delayed to pending
// before every read (time only moves forward, so an entry never moves back).
import { SortedList } from '../../core/sorted-list.js';
import { emptyCounts, type QueueCounts, type TaskState } from '../../core/types.js';
import { visibleState, type Summary } from './records.js';

export interface Entry extends Summary {
  id: string;
  rev: number;
}

export interface Listed {
  entry: Entry;
  /** The state it is listed under: its visible state when it was last placed. */
  state: TaskState;
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** The listings' order: newest first (enqueuedAt, then id, both descending). */
const newestFirst = (a: Listed, b: Listed) => b.entry.enqueuedAt - a.entry.enqueuedAt || byId(b.entry.id, a.entry.id);
const dueFirst = (a: Listed, b: Listed) => a.entry.runAt - b.entry.runAt || byId(a.entry.id, b.entry.id);

export class TaskIndex {
  private readonly listed = new Map<string, Listed>();
  private readonly all = new SortedList<Listed>(newestFirst);
  private readonly byQueue = new Map<string, SortedList<Listed>>();
  private readonly byState = new Map<TaskState, SortedList<Listed>>();
  private readonly byQueueState = new Map<string, SortedList<Listed>>();
  private readonly pendingByDue = new Map<string, SortedList<Listed>>();
  private readonly delayedByDue = new SortedList<Listed>(dueFirst);

  get(id: string): Entry | undefined {
    return this.listed.get(id)?.entry;
  }

  *entries(): IterableIterator<Entry> {
    for (const l of this.listed.values()) yield l.entry;
  }

  /** Adds or replaces a task's entry. */
  put(entry: Entry, now: number): void {
    const old = this.listed.get(entry.id);
    const state = visibleState(entry.state, entry.runAt, now);
    if (old && old.entry.queue === entry.queue && old.entry.enqueuedAt === entry.enqueuedAt) {
      // The common change: a new state (and due time) under the same listing order.
      this.leaveState(old);
      old.entry = entry;
      old.state = state;
      this.enterState(old);
      return;
    }
    if (old) this.delete(entry.id);
    const l: Listed = { entry, state };
    this.listed.set(entry.id, l);
    this.all.insert(l);
    list(this.byQueue, entry.queue, newestFirst).insert(l);
    this.enterState(l);
  }

  delete(id: string): boolean {
    const l = this.listed.get(id);
    if (!l) return false;
    this.listed.delete(id);
    this.all.delete(l);
    this.leave(this.byQueue, l.entry.queue, l);
    this.leaveState(l);
    return true;
  }

  /** Lists the delayed tasks due by `now` as pending. */
  settle(now: number): void {
    for (let l = this.delayedByDue.first(); l !== undefined && l.entry.runAt <= now; l = this.delayedByDue.first()) {
      this.leaveState(l);
      l.state = 'pending';
      this.enterState(l);
    }
  }

  /** The tasks of a listing filter, newest first (call settle first). */
  listing(queue: string | undefined, state: TaskState | undefined): SortedList<Listed> | undefined {
    if (queue !== undefined && state !== undefined) return this.byQueueState.get(`${queue}\u0000${state}`);
    if (queue !== undefined) return this.byQueue.get(queue);
    if (state !== undefined) return this.byState.get(state);
    return this.all;
  }

  /** Per queue that holds a task (and each of `extraQueues`), sorted by name (call settle first). */
  counts(extraQueues: readonly string[], now: number): QueueCounts[] {
    const queues = new Set(extraQueues);
    for (const queue of this.byQueue.keys()) queues.add(queue);
    const states = Object.keys(emptyCounts()) as TaskState[];
    return [...queues]
      .map((queue) => {
        const counts = emptyCounts();
        for (const state of states) counts[state] = this.byQueueState.get(`${queue}\u0000${state}`)?.size ?? 0;
        const oldest = this.pendingByDue.get(queue)?.first();
        return { queue, counts, oldestPendingAgeMs: oldest ? Math.max(0, now - oldest.entry.runAt) : 0 };
      })
      .sort((a, b) => a.queue.localeCompare(b.queue));
  }

  private enterState(l: Listed): void {
    list(this.byState, l.state, newestFirst).insert(l);
    list(this.byQueueState, `${l.entry.queue}\u0000${l.state}`, newestFirst).insert(l);
    if (l.state === 'pending') list(this.pendingByDue, l.entry.queue, dueFirst).insert(l);
    else if (l.state === 'delayed') this.delayedByDue.insert(l);
  }

  private leaveState(l: Listed): void {
    this.leave(this.byState, l.state, l);
    this.leave(this.byQueueState, `${l.entry.queue}\u0000${l.state}`, l);
    if (l.state === 'pending') this.leave(this.pendingByDue, l.entry.queue, l);
    else if (l.state === 'delayed') this.delayedByDue.delete(l);
  }

  /** Takes `l` out of the list under `key`, dropping the list when it empties (an empty queue
   *  leaves the counts, as it did when they were counted from the entries). */
  private leave<K>(lists: Map<K, SortedList<Listed>>, key: K, l: Listed): void {
    const sorted = lists.get(key);
    if (!sorted) return;
    sorted.delete(l);
    if (sorted.size === 0) lists.delete(key);
  }
}

function list<K>(lists: Map<K, SortedList<Listed>>, key: K, order: (a: Listed, b: Listed) => number): SortedList<Listed> {
  let sorted = lists.get(key);
  if (!sorted) lists.set(key, (sorted = new SortedList(order)));
  return sorted;
}
