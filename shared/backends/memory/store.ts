// One store of tasks in this process's memory, shared by every MemoryBackend opened with its name.
// Every operation runs synchronously on the JS thread, so each is atomic by construction: a claim
// picks and marks its tasks before any other code runs.
import { LEASE_EXPIRED_ERROR, type CancelledFrom, type PruneOptions, type StateEntry } from '../../core/backend.js';
import { completionWire, decodeWire, reportWire, type EventSink, type WireEvent } from '../../core/events.js';
import type { TaskReport } from '../../core/progress.js';
import type { ClaimedTask, ClaimRequest, Completion, EnqueueOutcome, Lease, NewTask, TaskRecord, WorkerInfo } from '../../core/types.js';

/** A stored task: its record plus what only the store needs. */
interface Entry {
  record: TaskRecord;
  /** Enqueue order (newest first in listings, ties in claim order). */
  seq: number;
  /** The last claim's fencing token. */
  token: number;
}

type Waiter = () => void;

export class MemoryStore {
  readonly tasks = new Map<string, Entry>();
  /** `${queue}\u0000${key}` → task id. */
  private readonly keys = new Map<string, string>();
  private readonly workers = new Map<string, { info: WorkerInfo; expiresAt: number }>();
  /** Claimers waiting for work, woken by enqueue, a retry, a release and a requeue. */
  private readonly readyWaiters = new Set<Waiter>();
  /** waitForFinish callers by task id. */
  private readonly finishWaiters = new Map<string, Set<Waiter>>();
  private seq = 0;
  /** Event subscribers (Backend.subscribe); events go out on a microtask, in order. */
  readonly sinks = new Set<EventSink>();
  private outbox: WireEvent[] = [];

  private publish(events: WireEvent[]): void {
    if (this.sinks.size === 0 || events.length === 0) return;
    if (this.outbox.length === 0) {
      queueMicrotask(() => {
        const decoded = decodeWire(this.outbox);
        this.outbox = [];
        for (const sink of this.sinks) sink.events(decoded);
      });
    }
    this.outbox.push(...events);
  }
  /** Coordination state: key → entry (see Backend.getState). */
  readonly state = new Map<string, StateEntry>();

  enqueue(tasks: readonly NewTask[], now: number): EnqueueOutcome[] {
    const outcomes = tasks.map((task) => {
      const keyOf = task.idempotencyKey === undefined ? undefined : `${task.queue}\u0000${task.idempotencyKey}`;
      const existing = keyOf === undefined ? undefined : this.keys.get(keyOf);
      if (existing !== undefined && this.tasks.has(existing)) return { id: existing, created: false };
      const record: TaskRecord = { ...copyTask(task), state: task.runAt > now ? 'delayed' : 'pending', attempts: 0 };
      this.tasks.set(task.id, { record, seq: this.seq++, token: 0 });
      if (keyOf !== undefined) this.keys.set(keyOf, task.id);
      this.publish([['e', task.id, task.queue, now, null, null]]);
      return { id: task.id, created: true };
    });
    this.wakeClaimers();
    return outcomes;
  }

  /** Settles time: delayed tasks whose runAt has come become pending; expired leases are taken back. */
  settle(now: number): void {
    for (const entry of this.tasks.values()) {
      const r = entry.record;
      if (r.state === 'delayed' && r.runAt <= now) r.state = 'pending';
      else if (r.state === 'running' && (r.leaseExpiresAt ?? Infinity) <= now) this.expireLease(entry, now);
    }
  }

  private expireLease(entry: Entry, now: number): void {
    const r = entry.record;
    // Recorded on a reclaim too: the next worker then knows this task may kill its process.
    r.error = {
      name: LEASE_EXPIRED_ERROR,
      message: `the lease of worker ${r.leaseOwner ?? '?'} expired on attempt ${r.attempts} of ${r.maxAttempts}; the worker is presumed dead`,
    };
    delete r.leaseOwner;
    delete r.leaseExpiresAt;
    if (r.attempts >= r.maxAttempts) {
      r.state = 'dead';
      r.finishedAt = now;
      this.finished(r.id);
      this.publish([['d', r.id, r.queue, now, r.attempts, JSON.stringify(r.error)]]);
    } else {
      r.state = 'pending';
    }
  }

  claim(request: ClaimRequest, now: number): ClaimedTask[] {
    this.settle(now);
    const ready = [...this.tasks.values()]
      .filter((e) => e.record.state === 'pending' && request.queues.includes(e.record.queue))
      .sort((a, b) => b.record.priority - a.record.priority || a.record.runAt - b.record.runAt || a.seq - b.seq)
      .slice(0, request.max);
    return ready.map((entry) => {
      const r = entry.record;
      r.state = 'running';
      r.attempts += 1;
      r.startedAt = now;
      r.leaseOwner = request.workerId;
      r.leaseExpiresAt = now + request.leaseMs;
      entry.token += 1;
      this.publish([['s', r.id, r.queue, now, r.attempts, null]]);
      return { lease: { taskId: r.id, owner: request.workerId, token: entry.token }, record: copyRecord(r) };
    });
  }

  /** The task if `lease` still holds it. */
  private held(lease: Lease, now: number): Entry | undefined {
    const entry = this.tasks.get(lease.taskId);
    const r = entry?.record;
    if (!entry || !r || r.state !== 'running' || entry.token !== lease.token || r.leaseOwner !== lease.owner) return undefined;
    if ((r.leaseExpiresAt ?? Infinity) <= now) {
      this.expireLease(entry, now);
      return undefined;
    }
    return entry;
  }

  renew(leases: readonly Lease[], leaseMs: number, now: number): boolean[] {
    return leases.map((lease) => {
      const entry = this.held(lease, now);
      if (entry) entry.record.leaseExpiresAt = now + leaseMs;
      return entry !== undefined;
    });
  }

  complete(completions: readonly Completion[], now: number): boolean[] {
    let retried = false;
    const accepted = completions.map((c) => {
      const entry = this.held(c.lease, now);
      if (!entry) return false;
      const r = entry.record;
      delete r.leaseOwner;
      delete r.leaseExpiresAt;
      if (c.outcome === 'succeeded') {
        r.state = 'succeeded';
        r.result = Buffer.from(c.result);
        r.finishedAt = c.finishedAt;
      } else if (c.outcome === 'dead') {
        r.state = 'dead';
        r.error = { ...c.error };
        r.finishedAt = c.finishedAt;
      } else {
        r.state = c.runAt > now ? 'delayed' : 'pending';
        r.runAt = c.runAt;
        r.error = { ...c.error };
        retried = true;
      }
      if (r.state !== 'pending' && r.state !== 'delayed') this.finished(r.id);
      this.publish([completionWire(c, r.queue, now, r.attempts)]);
      return true;
    });
    if (retried) this.wakeClaimers();
    return accepted;
  }

  report(reports: readonly TaskReport[], now: number): boolean[] {
    return reports.map((rep) => {
      const entry = this.held(rep.lease, now);
      if (!entry) return false;
      const r = entry.record;
      if (rep.progress === undefined) delete r.progress;
      else r.progress = structuredClone(rep.progress);
      if (rep.log.lines.length > 0) r.log = [...rep.log.lines];
      else delete r.log;
      if (rep.log.dropped > 0) r.logDropped = rep.log.dropped;
      else delete r.logDropped;
      this.publish(reportWire(rep, r.queue, now, r.attempts));
      return true;
    });
  }

  release(leases: readonly Lease[], now: number): void {
    for (const lease of leases) {
      const entry = this.held(lease, now);
      if (!entry) continue;
      const r = entry.record;
      // Never started: the claim does not count, and the task keeps its place (runAt, seq).
      r.state = 'pending';
      r.attempts = Math.max(0, r.attempts - 1);
      delete r.startedAt;
      delete r.leaseOwner;
      delete r.leaseExpiresAt;
    }
    this.wakeClaimers();
  }

  cancel(taskId: string, now: number): CancelledFrom | null {
    const r = this.tasks.get(taskId)?.record;
    if (!r || (r.state !== 'pending' && r.state !== 'delayed' && r.state !== 'running')) return null;
    const from = r.state;
    r.state = 'cancelled';
    r.finishedAt = now;
    // A running task's lease goes with it: its holder's reports no longer match (fenced).
    delete r.leaseOwner;
    delete r.leaseExpiresAt;
    this.finished(taskId);
    this.publish([['c', taskId, r.queue, now, null, null]]);
    return from;
  }

  requeue(taskId: string, now: number): boolean {
    const r = this.tasks.get(taskId)?.record;
    if (!r || (r.state !== 'dead' && r.state !== 'cancelled')) return false;
    r.state = 'pending';
    r.attempts = 0;
    r.runAt = now;
    for (const key of ['startedAt', 'finishedAt', 'result', 'leaseOwner', 'leaseExpiresAt'] as const) delete r[key];
    this.publish([['e', taskId, r.queue, now, null, null]]);
    this.wakeClaimers();
    return true;
  }

  purge(olderThanMs: number, queue: string | undefined, now: number): number {
    let removed = 0;
    for (const [id, { record: r }] of this.tasks) {
      const finished = r.state === 'succeeded' || r.state === 'dead' || r.state === 'cancelled';
      if (!finished || (r.finishedAt ?? now) > now - olderThanMs || (queue !== undefined && r.queue !== queue)) continue;
      this.remove(r);
      removed++;
    }
    return removed;
  }

  /** Backend.prune: a scan of the store (memory is not meant for large backlogs). */
  prune(options: PruneOptions): number {
    const matching = [...this.tasks.values()]
      .map((e) => e.record)
      .filter((r) => r.queue === options.queue && r.state === options.state)
      .sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const byCount = options.keepNewest === undefined ? 0 : matching.length - options.keepNewest;
    const cutoff = options.finishedBefore;
    const byAge = cutoff === undefined ? 0 : matching.findIndex((r) => (r.finishedAt ?? 0) >= cutoff);
    const doomed = matching.slice(0, Math.min(options.limit, Math.max(byCount, byAge === -1 ? matching.length : byAge)));
    for (const r of doomed) this.remove(r);
    return doomed.length;
  }

  private remove(r: TaskRecord): void {
    this.tasks.delete(r.id);
    if (r.idempotencyKey !== undefined) this.keys.delete(`${r.queue}\u0000${r.idempotencyKey}`);
  }

  heartbeat(info: WorkerInfo, ttlMs: number, now: number): void {
    this.workers.set(info.id, { info: structuredClone(info), expiresAt: info.seenAt + ttlMs });
    for (const [id, w] of this.workers) if (w.expiresAt <= now) this.workers.delete(id);
  }

  listWorkers(now: number): WorkerInfo[] {
    return [...this.workers.values()].filter((w) => w.expiresAt > now).map((w) => structuredClone(w.info));
  }

  removeWorker(workerId: string): void {
    this.workers.delete(workerId);
  }

  /** Resolves on the next change that may make a task claimable. */
  nextReady(): { promise: Promise<void>; cancel(): void } {
    let waiter!: Waiter;
    const promise = new Promise<void>((resolve) => {
      waiter = resolve;
      this.readyWaiters.add(waiter);
    });
    return { promise, cancel: () => this.readyWaiters.delete(waiter) };
  }

  /** Resolves when `taskId` finishes. */
  nextFinish(taskId: string): { promise: Promise<void>; cancel(): void } {
    let waiter!: Waiter;
    const promise = new Promise<void>((resolve) => {
      waiter = resolve;
      const set = this.finishWaiters.get(taskId) ?? new Set<Waiter>();
      set.add(waiter);
      this.finishWaiters.set(taskId, set);
    });
    return {
      promise,
      cancel: () => {
        const set = this.finishWaiters.get(taskId);
        set?.delete(waiter);
        if (set?.size === 0) this.finishWaiters.delete(taskId);
      },
    };
  }

  /** Wakes every waiter (close and destroy: waiting claims return empty). */
  wakeAll(): void {
    this.wakeClaimers();
    for (const id of [...this.finishWaiters.keys()]) this.finished(id);
  }

  clear(): void {
    this.tasks.clear();
    this.keys.clear();
    this.workers.clear();
    this.wakeAll();
  }

  private wakeClaimers(): void {
    const waiters = [...this.readyWaiters];
    this.readyWaiters.clear();
    for (const wake of waiters) wake();
  }

  private finished(taskId: string): void {
    const waiters = this.finishWaiters.get(taskId);
    this.finishWaiters.delete(taskId);
    for (const wake of waiters ?? []) wake();
  }
}

/** Stored bytes are copies: a caller that reuses its buffer cannot change a stored task. */
function copyTask(task: NewTask): NewTask {
  const copy: NewTask = { ...task, payload: Buffer.from(task.payload), backoff: { ...task.backoff } };
  if (task.headers) copy.headers = { ...task.headers };
  return copy;
}

export function copyRecord(r: TaskRecord): TaskRecord {
  const copy: TaskRecord = { ...r, payload: Buffer.from(r.payload), backoff: { ...r.backoff } };
  if (r.result) copy.result = Buffer.from(r.result);
  if (r.error) copy.error = { ...r.error };
  if (r.headers) copy.headers = { ...r.headers };
  if (r.progress !== undefined) copy.progress = structuredClone(r.progress);
  if (r.log) copy.log = [...r.log];
  return copy;
}

const stores = new Map<string, MemoryStore>();

/** The process's store of that name (created on first use). */
export function storeNamed(name: string): MemoryStore {
  let store = stores.get(name);
  if (!store) {
    store = new MemoryStore();
    stores.set(name, store);
  }
  return store;
}

/** Forgets the store of that name (destroy()). */
export function dropStore(name: string): void {
  stores.get(name)?.clear();
  stores.delete(name);
}
