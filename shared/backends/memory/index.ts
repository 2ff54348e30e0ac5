// The memory backend: tasks in this process's memory, no server, no driver. For users' own unit
// tests (enqueue in the code under test, then assert on the queue or run a Worker until empty) and
// the fast part of sitq's own tests. It keeps the whole Backend contract (the conformance suite
// runs against it), except that other processes cannot see its tasks. See DESIGN.md.
import type { Backend, CancelledFrom, NodeStatus, PruneOptions, ServerInfo, StateEntry } from '../../core/backend.js';
import type { EventSink, Unsubscribe } from '../../core/events.js';
import { withoutLog, type TaskReport } from '../../core/progress.js';
import type { TaskSizeLimit } from '../../core/task-size.js';

/** The most bytes of payload plus result one task may hold. */
const MEMORY_TASK_BYTES = 256 * 1024 * 1024;
import { BackendClosedError, ConfigurationError } from '../../core/errors.js';
import { checkListQuery, checkPruneOptions, checkStateArgs } from '../../core/rules.js';
import { matchesSearch, searchNeedle } from '../../core/task-search.js';
import {
  emptyCounts,
  isFinished,
  type ClaimedTask,
  type ClaimRequest,
  type Completion,
  type EnqueueOutcome,
  type Lease,
  type ListTasksQuery,
  type NewTask,
  type QueueCounts,
  type TaskPage,
  type TaskRecord,
  type WorkerInfo,
} from '../../core/types.js';
import { resolveOptions, type MemoryOptions, type ResolvedMemoryOptions } from './options.js';
import { copyRecord, dropStore, storeNamed, type MemoryStore } from './store.js';

export type { MemoryOptions } from './options.js';

export class MemoryBackend implements Backend {
  readonly kind = 'memory' as const;
  readonly address: string;
  private readonly options: ResolvedMemoryOptions;
  private store: MemoryStore | undefined;
  /** Aborted by close(): waiting claims and waitForFinish calls return at once. */
  private closing = new AbortController();

  constructor(options: MemoryOptions = {}) {
    this.options = resolveOptions(options);
    this.address = `memory:${this.options.name}`;
  }

  async connect(): Promise<void> {
    if (this.closing.signal.aborted) this.closing = new AbortController();
    this.store = storeNamed(this.options.name);
  }

  async close(): Promise<void> {
    this.closing.abort();
    this.store?.wakeAll();
    this.store = undefined;
  }

  /** No server limit: a cap of its own so one task cannot take the process's memory. */
  taskSizeLimit(): TaskSizeLimit {
    return { bytes: MEMORY_TASK_BYTES, source: "the memory backend's own cap of 256 MiB per task (it keeps tasks in this process)" };
  }

  async ping(): Promise<ServerInfo> {
    this.use();
    return { serverVersion: `memory 1.0 (Node.js ${process.versions.node})` };
  }

  async nodes(): Promise<NodeStatus[]> {
    return [{ address: this.address, role: 'primary', reachable: this.store !== undefined, serving: true }];
  }

  async enqueue(tasks: readonly NewTask[]): Promise<EnqueueOutcome[]> {
    return this.use().enqueue(tasks, Date.now());
  }

  async cancel(taskId: string): Promise<CancelledFrom | null> {
    return this.use().cancel(taskId, Date.now());
  }

  async claim(request: ClaimRequest & { waitMs?: number; signal?: AbortSignal }): Promise<ClaimedTask[]> {
    if (request.queues.length === 0) throw new ConfigurationError({ option: 'claim.queues', expected: 'at least one queue', given: [] });
    if (!Number.isInteger(request.max) || request.max < 1)
      throw new ConfigurationError({ option: 'claim.max', expected: 'a whole number >= 1', given: request.max });
    const deadline = Date.now() + (request.waitMs ?? 0);
    for (;;) {
      const store = this.use();
      const claimed = store.claim(request, Date.now());
      const remaining = deadline - Date.now();
      if (claimed.length > 0 || remaining <= 0 || request.signal?.aborted || this.closing.signal.aborted) return claimed;
      // Wake on new work, or when a delayed task or an expired lease may have come due.
      await this.waitFor(store.nextReady(), Math.min(remaining, this.nextDueIn(store)), request.signal);
      if (this.closing.signal.aborted) return [];
    }
  }

  async renew(leases: readonly Lease[], leaseMs: number): Promise<boolean[]> {
    return this.use().renew(leases, leaseMs, Date.now());
  }

  async complete(completions: readonly Completion[]): Promise<boolean[]> {
    return this.use().complete(completions, Date.now());
  }

  async report(reports: readonly TaskReport[]): Promise<boolean[]> {
    return this.use().report(reports, Date.now());
  }

  async release(leases: readonly Lease[]): Promise<void> {
    this.use().release(leases, Date.now());
  }

  async getTask(taskId: string): Promise<TaskRecord | null> {
    const store = this.use();
    store.settle(Date.now());
    const entry = store.tasks.get(taskId);
    return entry ? copyRecord(entry.record) : null;
  }

  async waitForFinish(taskId: string, timeoutMs: number): Promise<TaskRecord | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const record = await this.getTask(taskId);
      const remaining = deadline - Date.now();
      if (!record) return null;
      if (isFinished(record.state)) return record;
      if (remaining <= 0 || this.closing.signal.aborted) return null;
      // A lease expiry can finish it (dead) without a report: look again when the lease is due.
      const leaseDue = record.leaseExpiresAt !== undefined ? Math.max(1, record.leaseExpiresAt - Date.now()) : remaining;
      await this.waitFor(this.use().nextFinish(taskId), Math.min(remaining, leaseDue));
    }
  }

  async listQueues(): Promise<string[]> {
    return [...new Set([...this.use().tasks.values()].map((e) => e.record.queue))].sort();
  }

  async counts(): Promise<QueueCounts[]> {
    const store = this.use();
    const now = Date.now();
    store.settle(now);
    const byQueue = new Map<string, QueueCounts>();
    for (const { record: r } of store.tasks.values()) {
      let q = byQueue.get(r.queue);
      if (!q) {
        q = { queue: r.queue, counts: emptyCounts(), oldestPendingAgeMs: 0 };
        byQueue.set(r.queue, q);
      }
      q.counts[r.state] += 1;
      if (r.state === 'pending') q.oldestPendingAgeMs = Math.max(q.oldestPendingAgeMs, now - r.runAt);
    }
    return [...byQueue.values()].sort((a, b) => a.queue.localeCompare(b.queue));
  }

  async listTasks(query: ListTasksQuery): Promise<TaskPage> {
    const { queue, state, limit, offset } = checkListQuery(query);
    const needle = searchNeedle(query.search);
    const store = this.use();
    store.settle(Date.now());
    const matching = [...store.tasks.values()]
      .filter((e) => (queue === undefined || e.record.queue === queue) && (state === undefined || e.record.state === state))
      .filter((e) => needle === undefined || matchesSearch(e.record, needle))
      .sort((a, b) => b.seq - a.seq);
    return { tasks: matching.slice(offset, offset + limit).map((e) => withoutLog(copyRecord(e.record))), total: matching.length };
  }

  async subscribe(sink: EventSink): Promise<Unsubscribe> {
    const store = this.use();
    store.sinks.add(sink);
    return async () => {
      store.sinks.delete(sink);
    };
  }

  async requeue(taskId: string): Promise<boolean> {
    return this.use().requeue(taskId, Date.now());
  }

  async purge(options: { olderThanMs: number; queue?: string }): Promise<number> {
    if (!Number.isFinite(options.olderThanMs) || options.olderThanMs < 0) {
      throw new ConfigurationError({ option: 'purge.olderThanMs', expected: 'a number of ms >= 0', given: options.olderThanMs });
    }
    return this.use().purge(options.olderThanMs, options.queue, Date.now());
  }

  async prune(options: PruneOptions): Promise<number> {
    checkPruneOptions(options);
    return this.use().prune(options);
  }

  async getState(key: string): Promise<StateEntry | null> {
    checkStateArgs({ key });
    const entry = this.use().state.get(key);
    return entry ? { ...entry } : null;
  }

  async setState(key: string, value: string, expectedVersion: number): Promise<StateEntry | null> {
    checkStateArgs({ key, value, version: expectedVersion });
    const state = this.use().state;
    if ((state.get(key)?.version ?? 0) !== expectedVersion) return null;
    const entry = { key, value, version: expectedVersion + 1 };
    state.set(key, entry);
    return { ...entry };
  }

  async deleteState(key: string, expectedVersion?: number): Promise<boolean> {
    checkStateArgs({ key, version: expectedVersion });
    const state = this.use().state;
    const entry = state.get(key);
    if (!entry || (expectedVersion !== undefined && entry.version !== expectedVersion)) return false;
    return state.delete(key);
  }

  async listState(prefix: string): Promise<StateEntry[]> {
    checkStateArgs({ prefix });
    return [...this.use().state.values()]
      .filter((e) => e.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((e) => ({ ...e }));
  }

  async heartbeat(info: WorkerInfo, ttlMs: number): Promise<void> {
    this.use().heartbeat(info, ttlMs, Date.now());
  }

  async listWorkers(): Promise<WorkerInfo[]> {
    return this.use().listWorkers(Date.now());
  }

  async removeWorker(workerId: string): Promise<void> {
    this.use().removeWorker(workerId);
  }

  async destroy(): Promise<void> {
    dropStore(this.options.name);
    if (this.store) this.store = storeNamed(this.options.name);
  }

  private use(): MemoryStore {
    if (!this.store) throw new BackendClosedError('memory', this.address);
    return this.store;
  }

  /** ms until the earliest delayed task or lease of `store` comes due. */
  private nextDueIn(store: MemoryStore): number {
    const now = Date.now();
    let due = Infinity;
    for (const { record: r } of store.tasks.values()) {
      if (r.state === 'delayed') due = Math.min(due, r.runAt);
      else if (r.state === 'running' && r.leaseExpiresAt !== undefined) due = Math.min(due, r.leaseExpiresAt);
    }
    return Math.max(1, due - now);
  }

  /** Waits for `wake`, `ms`, `signal` or close(), whichever comes first. */
  private async waitFor(wake: { promise: Promise<void>; cancel(): void }, ms: number, signal?: AbortSignal): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.min(ms, 2 ** 31 - 1));
      onAbort = () => resolve();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.closing.signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([wake.promise, stopped]);
    } finally {
      clearTimeout(timer);
      wake.cancel();
      if (onAbort) {
        signal?.removeEventListener('abort', onAbort);
        this.closing.signal.removeEventListener('abort', onAbort);
      }
    }
  }
}
