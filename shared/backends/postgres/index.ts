// PostgreSQL backend: tasks live in one schema (default `sitq`); claims are a single
// UPDATE ... FOR UPDATE SKIP LOCKED statement; waiting claimers are woken by LISTEN/NOTIFY.
// This class holds the connection lifecycle; each statement lives in the file of its topic.
import { loadPg } from './driver.js';
import type { EventSink, Unsubscribe } from '../../core/events.js';
import type { StateEntry, Backend, CancelledFrom, NodeStatus, PruneOptions, ServerInfo } from '../../core/backend.js';
import type { TaskReport } from '../../core/progress.js';
import { checkPruneOptions } from '../../core/rules.js';
import { TASK_RECORD_RESERVE_BYTES, type TaskSizeLimit } from '../../core/task-size.js';
import { BackendClosedError } from '../../core/errors.js';
import { checkStateArgs } from '../../core/rules.js';
import type {
  ClaimRequest,
  ClaimedTask,
  Completion,
  EnqueueOutcome,
  Lease,
  ListTasksQuery,
  NewTask,
  QueueCounts,
  TaskPage,
  TaskRecord,
  WorkerInfo,
} from '../../core/types.js';
import { claim, type Context } from './claim.js';
import { enqueue } from './enqueue.js';
import { EventsWanted } from './events.js';
import { FinishPoller } from './finish.js';
import { counts, getTask, listQueues, listTasks } from './inspect.js';
import { complete, release, renew, report } from './leases.js';
import { cancel, dropSchema, heartbeat, listWorkers, prune, purge, removeWorker, requeue } from './maintain.js';
import { migrate } from './migrate.js';
import { Notifier } from './notify.js';
import { describeTarget, resolveOptions, type HostAddress, type PostgresOptions, type ResolvedPostgresOptions } from './options.js';
import { Pool } from './pool.js';
import { nodeStatuses, PrimaryLocator, probeHosts } from './primary.js';
import { tablesOf, type Tables } from './sql.js';
import { deleteState, getState, listState, setState } from './state.js';

export type { PostgresOptions } from './options.js';
export { PoolTimeoutError } from './pool.js';
export { NoPrimaryError } from './primary.js';

interface Session extends Context {
  notifier: Notifier;
  /** Whether this process subscribes: statements send events only while some process does. */
  eventsWanted: EventsWanted;
  finish: FinishPoller;
  locator: PrimaryLocator | undefined;
}

/** Payload plus result per task: 128 MiB (as hex text, 256 Mi characters: within V8's longest string). */
const POSTGRES_TASK_BYTES = 128 * 1024 * 1024 - TASK_RECORD_RESERVE_BYTES;

export class PostgresBackend implements Backend {
  readonly kind = 'postgres' as const;
  readonly address: string;
  /** The server(s) alone (no schema). */
  readonly serverAddress: string;

  private readonly options: ResolvedPostgresOptions;
  private readonly tables: Tables;
  private session: Session | undefined;
  private opening: Promise<Session> | undefined;
  /** After close(), operations fail instead of silently reopening connections. */
  private closed = false;

  constructor(options: PostgresOptions = {}) {
    this.options = resolveOptions(options);
    this.tables = tablesOf(this.options.schema);
    this.serverAddress = describeTarget(this.options.target, this.options.hosts);
    this.address = `${this.serverAddress} (schema ${this.options.schema})`;
  }

  async connect(): Promise<void> {
    await loadPg();
    this.closed = false;
    await this.open();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.endSession();
  }

  /** Connections the pool holds right now (core + overflow), for diagnostics and tests. */
  get poolConnections(): number {
    return this.session?.pool.size ?? 0;
  }

  /** bytea values travel to and from pg as hex text: one value must fit in a JavaScript string. */
  taskSizeLimit(): TaskSizeLimit {
    return {
      bytes: POSTGRES_TASK_BYTES,
      source: `a bytea value travels as hex text (two characters a byte) and a JavaScript string holds at most 2^29-24 characters: 128 MiB, less ${TASK_RECORD_RESERVE_BYTES} for the task's other fields`,
    };
  }

  async ping(): Promise<ServerInfo> {
    await loadPg();
    const { pool } = await this.open();
    const { rows } = await pool.query<{ version: string }>({ text: `SELECT current_setting('server_version') AS version` });
    // Debian builds report e.g. "15.20 (Debian 15.20-0+deb12u1)".
    return { serverVersion: `PostgreSQL ${String(rows[0]?.version ?? '').split(' ')[0]}` };
  }

  /** With `hosts`: the host writes go to now (undefined before connect or while none is known). */
  get primary(): HostAddress | undefined {
    return this.session?.locator?.serving;
  }

  async nodes(): Promise<NodeStatus[]> {
    await loadPg();
    const { hosts } = this.options;
    if (hosts) {
      // Connecting first finds the primary (so `serving` is known); each host is then asked itself.
      const serving = await this.open().then(
        (s) => s.locator?.serving,
        () => undefined,
      );
      return nodeStatuses(await probeHosts(this.options, hosts), serving, (server) => describeTarget(this.options.target, [server]));
    }
    const node: NodeStatus = { address: this.serverAddress, role: 'unknown', reachable: false, serving: false };
    try {
      const { pool } = await this.open();
      const { rows } = await pool.query<{ replica: boolean }>({ text: 'SELECT pg_is_in_recovery() AS replica' });
      Object.assign(node, { role: rows[0]?.replica ? 'replica' : 'primary', reachable: true, serving: true });
    } catch (err) {
      node.error = err instanceof Error ? err.message : String(err);
    }
    return [node];
  }

  async enqueue(tasks: readonly NewTask[]): Promise<EnqueueOutcome[]> {
    return enqueue(await this.open(), tasks);
  }

  async cancel(taskId: string): Promise<CancelledFrom | null> {
    return cancel(await this.open(), taskId);
  }

  async claim(request: ClaimRequest & { waitMs?: number; signal?: AbortSignal }): Promise<ClaimedTask[]> {
    // open() refuses a claim made after close(); one waiting when close() comes returns empty.
    const session = await this.open();
    return claim(session, session.notifier, request);
  }

  async report(reports: readonly TaskReport[]): Promise<boolean[]> {
    return report(await this.open(), reports);
  }

  async renew(leases: readonly Lease[], leaseMs: number): Promise<boolean[]> {
    return renew(await this.open(), leases, leaseMs);
  }

  async complete(completions: readonly Completion[]): Promise<boolean[]> {
    return complete(await this.open(), completions);
  }

  async release(leases: readonly Lease[]): Promise<void> {
    return release(await this.open(), leases);
  }

  async getTask(taskId: string): Promise<TaskRecord | null> {
    return getTask(await this.open(), taskId);
  }

  async waitForFinish(taskId: string, timeoutMs: number): Promise<TaskRecord | null> {
    return (await this.open()).finish.wait(taskId, timeoutMs);
  }

  async listQueues(): Promise<string[]> {
    return listQueues(await this.open());
  }

  async counts(): Promise<QueueCounts[]> {
    return counts(await this.open());
  }

  async listTasks(query: ListTasksQuery): Promise<TaskPage> {
    return listTasks(await this.open(), query);
  }

  /** Events come as NOTIFY on the LISTEN connection claims already use (notify.ts), sent while
   *  some process subscribes (events.ts): ready once statements starting now send them. */
  async subscribe(sink: EventSink): Promise<Unsubscribe> {
    const session = await this.open();
    await session.eventsWanted.hold();
    const remove = session.notifier.addSink(sink);
    let removed = false;
    return async () => {
      if (removed) return;
      removed = true;
      await remove();
      session.eventsWanted.release();
    };
  }

  async requeue(taskId: string): Promise<boolean> {
    return requeue(await this.open(), taskId);
  }

  async prune(options: PruneOptions): Promise<number> {
    checkPruneOptions(options);
    return prune(await this.open(), options);
  }

  async purge(options: { olderThanMs: number; queue?: string }): Promise<number> {
    return purge(await this.open(), options);
  }

  // --- coordination state (state.ts) ------------------------------------------------------------

  async getState(key: string): Promise<StateEntry | null> {
    checkStateArgs({ key });
    return getState(await this.open(), key);
  }

  async setState(key: string, value: string, expectedVersion: number): Promise<StateEntry | null> {
    checkStateArgs({ key, value, version: expectedVersion });
    return setState(await this.open(), key, value, expectedVersion);
  }

  async deleteState(key: string, expectedVersion?: number): Promise<boolean> {
    checkStateArgs({ key, version: expectedVersion });
    return deleteState(await this.open(), key, expectedVersion);
  }

  async listState(prefix: string): Promise<StateEntry[]> {
    checkStateArgs({ prefix });
    return listState(await this.open(), prefix);
  }

  async heartbeat(info: WorkerInfo, ttlMs: number): Promise<void> {
    return heartbeat(await this.open(), info, ttlMs);
  }

  async listWorkers(): Promise<WorkerInfo[]> {
    return listWorkers(await this.open());
  }

  async removeWorker(workerId: string): Promise<void> {
    return removeWorker(await this.open(), workerId);
  }

  /** Drops the schema and ends the session; a later call reconnects and starts a new schema. */
  async destroy(): Promise<void> {
    await dropSchema(await this.open());
    await this.endSession();
  }

  /** The connected session, connecting first (once, shared by concurrent callers) if needed. */
  private open(): Promise<Session> {
    if (this.closed) return Promise.reject(new BackendClosedError('postgres', this.address));
    if (this.session) return Promise.resolve(this.session);
    this.opening ??= this.start().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  /** Closes the session's connections; waiting claims and waitForFinish calls return empty. */
  private async endSession(): Promise<void> {
    const session = this.session ?? (await this.opening?.catch(() => undefined));
    this.session = undefined;
    if (!session) return;
    session.finish.close();
    session.eventsWanted.close();
    session.locator?.close();
    await session.notifier.close();
    await session.pool.end();
  }

  private async start(): Promise<Session> {
    await loadPg(); // a call made before connect() opens the session too, maybe before anything loaded pg
    const { hosts } = this.options;
    const locator = hosts ? new PrimaryLocator({ ...this.options, hosts }, this.address) : undefined;
    const pool = new Pool(this.options, this.address, locator);
    const notifier = new Notifier(this.options, this.address, this.tables.channel, locator);
    try {
      await migrate(pool, this.options.schema, this.address);
      await notifier.start();
    } catch (err) {
      locator?.close();
      await notifier.close();
      await pool.end().catch(() => {});
      throw err;
    }
    const context: Context = { pool, tables: this.tables };
    this.session = {
      ...context,
      notifier,
      eventsWanted: new EventsWanted(context, (reason) => notifier.gap(reason)),
      locator,
      finish: new FinishPoller(context, (id) => getTask(context, id)),
    };
    return this.session;
  }
}
