// The SQLite backend: the embedded default. One connection per backend instance (driver.ts);
// several processes may share one file (WAL, write transactions taken with BEGIN IMMEDIATE).
// Both drivers are synchronous, so every call here is one short transaction on this thread.
import { randomBytes } from 'node:crypto';
import { existsSync, realpathSync, rmSync } from 'node:fs';
import type { EventSink, Unsubscribe } from '../../core/events.js';
import type { StateEntry, Backend, CancelledFrom, NodeStatus, PruneOptions, ServerInfo } from '../../core/backend.js';
import type { TaskReport } from '../../core/progress.js';
import { TASK_RECORD_RESERVE_BYTES, type TaskSizeLimit } from '../../core/task-size.js';
import { BackendClosedError, ConfigurationError } from '../../core/errors.js';
import { checkPruneOptions, checkStateArgs } from '../../core/rules.js';
import {
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
import { Claimer, type ClaimResult } from './claim.js';
import { acquireCheckpointer, releaseCheckpointer } from './checkpointer.js';
import { ClaimedQueues, Counts } from './counts.js';
import {
  BACKEND_NAME,
  holdsFileAlone,
  openDatabase,
  openForDestroy,
  readPragmas,
  toConnectionError,
  type AppliedPragmas,
} from './connection.js';
import { Producer } from './enqueue.js';
import { Inspector } from './inspect.js';
import { Maintainer } from './maintain.js';
import { resolveOptions, type ResolvedSqliteOptions, type SqliteOptions } from './options.js';
import { Reporter } from './leases.js';
import { dropSchema } from './schema.js';
import { StateStore } from './state.js';
import { EventLog, EventReader } from './events.js';
import { acquireHub, releaseHub, type WakeupHub } from './wakeup.js';
import type { Database } from './driver.js';

export type { SqliteOptions, JournalMode, SynchronousMode } from './options.js';
export type { AppliedPragmas } from './connection.js';

/** Everything that exists while connected; statements are prepared once, here. */
interface Session {
  db: Database;
  hub: WakeupHub;
  /** The file's real path (or a unique name for `:memory:`): keys this process's per-file helpers. */
  hubKey: string;
  /** WAL checkpoints run on the file's background thread. */
  checkpointing: boolean;
  claimer: Claimer;
  producer: Producer;
  reporter: Reporter;
  inspector: Inspector;
  maintainer: Maintainer;
  eventReader: EventReader;
  state: StateStore;
}

/** SQLite's default (and better-sqlite3's) limit on one row or value, in bytes. */
const SQLITE_MAX_LENGTH = 1_000_000_000;
/** One object for every call: every enqueue and every result is checked against it, and its
 *  message text was built anew each time. Frozen, as callers share it. */
const TASK_SIZE_LIMIT: TaskSizeLimit = Object.freeze({
  bytes: SQLITE_MAX_LENGTH - TASK_RECORD_RESERVE_BYTES,
  source: `SQLite's SQLITE_MAX_LENGTH of ${SQLITE_MAX_LENGTH} bytes per row, less ${TASK_RECORD_RESERVE_BYTES} for the task's other fields`,
});

export class SqliteBackend implements Backend {
  readonly kind = 'sqlite' as const;
  readonly address: string;
  private readonly options: ResolvedSqliteOptions;
  private session: Session | undefined;
  /** Aborted by close(): waiting claims and waitForFinish calls return at once. */
  private closing = new AbortController();

  constructor(options: SqliteOptions = {}) {
    this.options = resolveOptions(options);
    this.address = `sqlite:${this.options.path}`;
  }

  async connect(): Promise<void> {
    if (this.session) return;
    const db = openDatabase(this.options, this.address);
    // In-process wake-ups are shared by every instance on the same file; `:memory:` is private.
    const hubKey = this.options.inMemory ? `memory:${randomBytes(8).toString('hex')}` : realpathSync(this.options.path);
    this.closing = new AbortController();
    const counts = new Counts(db);
    const claimedQueues = new ClaimedQueues();
    const checkpointing = !this.options.inMemory && this.options.journalMode === 'WAL';
    if (checkpointing) acquireCheckpointer(db, hubKey);
    const hub = acquireHub(hubKey);
    const events = new EventLog(db, hub);
    this.session = {
      db,
      hub,
      hubKey,
      checkpointing,
      claimer: new Claimer(db, counts, claimedQueues, this.options.pollInterval, events),
      producer: new Producer(db, counts, events),
      reporter: new Reporter(db, counts, claimedQueues, events),
      inspector: new Inspector(db),
      maintainer: new Maintainer(db, counts, events),
      eventReader: new EventReader(db, hub),
      state: new StateStore(db),
    };
  }

  async close(): Promise<void> {
    const session = this.session;
    if (!session) return;
    this.session = undefined;
    this.closing.abort();
    session.eventReader.stop();
    releaseHub(session.hubKey);
    session.db.close();
    if (session.checkpointing) await releaseCheckpointer(session.hubKey);
  }

  /** A row (payload, result and the rest) holds at most SQLITE_MAX_LENGTH bytes. */
  taskSizeLimit(): TaskSizeLimit {
    return TASK_SIZE_LIMIT;
  }

  async ping(): Promise<ServerInfo> {
    return this.use((s) => {
      const row = s.db.prepare<[], { v: string }>(`SELECT sqlite_version() AS v`).get();
      return { serverVersion: `SQLite ${row?.v ?? 'unknown'}` };
    });
  }

  /** The settings in force on this connection, read back from SQLite (for diagnostics and tests). */
  async pragmas(): Promise<AppliedPragmas> {
    return this.use((s) => readPragmas(s.db));
  }

  async nodes(): Promise<NodeStatus[]> {
    const node: NodeStatus = { address: this.address, role: 'node', reachable: false, serving: false };
    try {
      await this.ping();
      node.reachable = node.serving = true;
    } catch (err) {
      node.error = err instanceof Error ? err.message : String(err);
    }
    return [node];
  }

  // --- producing -------------------------------------------------------------------------------

  async enqueue(tasks: readonly NewTask[]): Promise<EnqueueOutcome[]> {
    return this.use((s) => {
      const { outcomes, queues, dueAt } = s.producer.enqueue(tasks, Date.now());
      s.claimer.noteDue(dueAt);
      s.hub.readyIn(queues);
      return outcomes;
    });
  }

  async cancel(taskId: string): Promise<CancelledFrom | null> {
    return this.use((s) => {
      const from = s.producer.cancel(taskId, Date.now());
      if (from) s.hub.finished([taskId]);
      return from;
    });
  }

  // --- consuming -------------------------------------------------------------------------------

  async claim(request: ClaimRequest & { waitMs?: number; signal?: AbortSignal }): Promise<ClaimedTask[]> {
    const queues = [...new Set(request.queues)];
    checkClaim(request, queues);
    const claimRequest: ClaimRequest = { workerId: request.workerId, queues, max: request.max, leaseMs: request.leaseMs };
    const queueSet = new Set(queues);
    // A claim made after close() fails; one waiting when close() comes returns empty (below).
    if (!this.session) throw new BackendClosedError(BACKEND_NAME, this.address);
    const deadline = Date.now() + Math.max(0, request.waitMs ?? 0);
    const signals = request.signal ? [request.signal, this.closing.signal] : [this.closing.signal];
    // The first try and any try after a local wake-up go straight to the write transaction; a try
    // after a timed wait first looks read-only, so idle pollers never contend for the write lock.
    let look = false;
    for (;;) {
      if (signals.some((s) => s.aborted)) return [];
      const { claimed, nextDueAt, hub } = this.use((s) => this.claimOnce(s, claimRequest, look));
      if (claimed.length > 0) return claimed;
      const now = Date.now();
      if (now >= deadline) return [];
      const reason = await hub.waitForReady(queueSet, Math.min(deadline - now, this.options.pollInterval, nextDueAt - now), signals);
      if (!this.session) return [];
      look = reason !== 'woken';
    }
  }

  private claimOnce(s: Session, request: ClaimRequest, look: boolean): { claimed: ClaimedTask[]; nextDueAt: number; hub: WakeupHub } {
    const now = Date.now();
    if (look) {
      const outlook = s.claimer.look(request.queues, now);
      if (!outlook.ready) return { claimed: [], nextDueAt: outlook.nextDueAt, hub: s.hub };
    }
    const result = s.claimer.claim(request, now);
    this.announceSettled(s, result);
    return { claimed: result.claimed, nextDueAt: result.nextDueAt, hub: s.hub };
  }

  /** Tells this process's other waiters what settling time-based changes did. */
  private announceSettled(s: Session, result: ClaimResult): void {
    if (result.promoted) s.hub.readyIn(null);
    else s.hub.readyIn(result.reclaimedIn);
    s.hub.finished(result.died);
  }

  async report(reports: readonly TaskReport[]): Promise<boolean[]> {
    return this.use((s) => s.reporter.report(reports));
  }

  async renew(leases: readonly Lease[], leaseMs: number): Promise<boolean[]> {
    return this.use((s) => s.reporter.renew(leases, Date.now() + leaseMs));
  }

  async complete(completions: readonly Completion[]): Promise<boolean[]> {
    return this.use((s) => {
      const { accepted, finished, queues, dueAt } = s.reporter.complete(completions, Date.now());
      s.claimer.noteDue(dueAt);
      s.hub.readyIn(queues);
      s.hub.finished(finished);
      return accepted;
    });
  }

  async release(leases: readonly Lease[]): Promise<void> {
    this.use((s) => s.hub.readyIn(s.reporter.release(leases)));
  }

  // --- reading ---------------------------------------------------------------------------------

  async getTask(taskId: string): Promise<TaskRecord | null> {
    return this.use((s) => {
      s.claimer.settle(Date.now());
      return s.inspector.getTask(taskId);
    });
  }

  async waitForFinish(taskId: string, timeoutMs: number): Promise<TaskRecord | null> {
    const deadline = Date.now() + Math.max(0, timeoutMs);
    const signal = this.closing.signal;
    for (;;) {
      const record = await this.getTask(taskId);
      if (!record) return null;
      if (isFinished(record.state)) return record;
      const remaining = deadline - Date.now();
      if (remaining <= 0 || signal.aborted) return null;
      // Woken at once by a local report; a report from another process is seen by the next poll.
      await this.use((s) => s.hub).waitForFinish(taskId, Math.min(remaining, this.options.pollInterval), [signal]);
      if (!this.session) return null;
    }
  }

  async listQueues(): Promise<string[]> {
    return this.use((s) => s.inspector.listQueues());
  }

  async counts(): Promise<QueueCounts[]> {
    return this.use((s) => {
      const now = Date.now();
      s.claimer.settle(now);
      return s.inspector.counts(now);
    });
  }

  async listTasks(query: ListTasksQuery): Promise<TaskPage> {
    return this.use((s) => {
      s.claimer.settle(Date.now());
      return s.inspector.listTasks(query);
    });
  }

  // --- maintenance -----------------------------------------------------------------------------

  async subscribe(sink: EventSink): Promise<Unsubscribe> {
    const reader = this.use((s) => s.eventReader);
    return reader.add(sink);
  }

  async requeue(taskId: string): Promise<boolean> {
    return this.use((s) => {
      const queue = s.maintainer.requeue(taskId, Date.now());
      if (queue !== undefined) s.hub.readyIn([queue]);
      return queue !== undefined;
    });
  }

  async purge(options: { olderThanMs: number; queue?: string }): Promise<number> {
    if (!Number.isFinite(options.olderThanMs) || options.olderThanMs < 0) {
      throw new ConfigurationError({ option: 'purge.olderThanMs', expected: 'a number of ms >= 0', given: options.olderThanMs });
    }
    return this.use((s) => s.maintainer.purge(options.olderThanMs, options.queue, Date.now()));
  }

  async prune(options: PruneOptions): Promise<number> {
    checkPruneOptions(options);
    return this.use((s) => s.maintainer.prune(options));
  }

  // --- coordination state (state.ts) ------------------------------------------------------------

  async getState(key: string): Promise<StateEntry | null> {
    checkStateArgs({ key });
    return this.use((s) => s.state.read(key));
  }

  async setState(key: string, value: string, expectedVersion: number): Promise<StateEntry | null> {
    checkStateArgs({ key, value, version: expectedVersion });
    return this.use((s) => s.state.write(key, value, expectedVersion));
  }

  async deleteState(key: string, expectedVersion?: number): Promise<boolean> {
    checkStateArgs({ key, version: expectedVersion });
    return this.use((s) => s.state.delete(key, expectedVersion));
  }

  async listState(prefix: string): Promise<StateEntry[]> {
    checkStateArgs({ prefix });
    return this.use((s) => s.state.listPrefix(prefix));
  }

  // --- workers ---------------------------------------------------------------------------------

  async heartbeat(info: WorkerInfo, ttlMs: number): Promise<void> {
    this.use((s) => s.maintainer.heartbeat(info, ttlMs, Date.now()));
  }

  async listWorkers(): Promise<WorkerInfo[]> {
    return this.use((s) => s.maintainer.listWorkers(Date.now()));
  }

  async removeWorker(workerId: string): Promise<void> {
    this.use((s) => s.maintainer.removeWorker(workerId));
  }

  /**
   * Drops sitq's tables. The file itself (with its -wal/-shm companions) is deleted too when
   * nothing else is left in it and no other connection has it open — so a database shared with an
   * application keeps the application's tables, and a process still using the file keeps a valid
   * (empty) database. Closes this backend; connect() again starts afresh.
   */
  async destroy(): Promise<void> {
    const { inMemory, path } = this.options;
    if (inMemory) {
      if (this.session) this.use((s) => dropSchema(s.db));
      await this.close();
      return;
    }
    // Close first (with the checkpoint thread), so that our own connections do not count as others.
    await this.close();
    if (!existsSync(path)) return;
    const db = openForDestroy(this.options, this.address);
    let remove = false;
    try {
      remove = !dropSchema(db).othersRemain && holdsFileAlone(db);
    } catch (err) {
      throw toConnectionError(err, this.address, this.options);
    } finally {
      db.close();
    }
    if (remove) for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
  }

  /** Runs `fn` on the open session, turning SQLite failures into sitq's typed errors. */
  private use<T>(fn: (s: Session) => T): T {
    const session = this.session;
    if (!session) throw new BackendClosedError(BACKEND_NAME, this.address);
    try {
      return fn(session);
    } catch (err) {
      throw toConnectionError(err, this.address, this.options);
    }
  }
}

function checkClaim(request: ClaimRequest, queues: string[]): void {
  const issues = [];
  if (queues.length === 0) issues.push({ option: 'claim.queues', expected: 'at least one queue', given: request.queues });
  if (!Number.isInteger(request.max) || request.max < 1)
    issues.push({ option: 'claim.max', expected: 'a whole number >= 1', given: request.max });
  if (!Number.isFinite(request.leaseMs) || request.leaseMs <= 0)
    issues.push({ option: 'claim.leaseMs', expected: 'a number of ms > 0', given: request.leaseMs });
  if (issues.length > 0) throw new ConfigurationError(issues);
}
