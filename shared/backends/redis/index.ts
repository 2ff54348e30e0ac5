// The Redis backend. Every state change is one Lua script (scripts/*.lua), so it is atomic on
// the server; the hot path costs one round trip per call: claim (up to `max` tasks), and
// complete/renew/release of a whole batch (one pipeline of one script per queue).
import type { StateEntry, Backend, CancelledFrom, NodeStatus, PruneOptions, ServerInfo } from '../../core/backend.js';
import type { EventSink, Unsubscribe } from '../../core/events.js';
import type { TaskReport } from '../../core/progress.js';
import { TASK_RECORD_RESERVE_BYTES, type TaskSizeLimit } from '../../core/task-size.js';
import { assertQueueName, checkPruneOptions, checkStateArgs } from '../../core/rules.js';
import { BackendClosedError, ConfigurationError, ConnectionError, LayoutTooNewError } from '../../core/errors.js';
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
import { ClaimWaiter } from './claim-wait.js';
import { CLAIMED_WIDTH, completionArgs, decodeClaimed, leaseArgs, reportArgs, taskArgs, type ClaimReply } from './codec.js';
import { RedisConnections, toConnectionError, type RedisClient } from './connections.js';
import { isClusterClient } from './driver.js';
import { TaskDirectory } from './directory.js';
import { EventSubscriber } from './events.js';
import { FinishWatcher } from './finish-watch.js';
import { RedisKeys } from './keys.js';
import { listNodes } from './nodes.js';
import { describeTarget, resolveOptions, type RedisOptions, type ResolvedRedisOptions } from './options.js';
import { Batch } from './batch.js';
import { RedisReads } from './reads.js';
import { defineScripts, queueScript, runScript, type ScriptArg, type ScriptName } from './scripts.js';
import { StateStore } from './state.js';
import { WorkerRegistry } from './workers.js';

export type { RedisOptions } from './options.js';

/** Tasks per enqueue.lua call, so one script never blocks the server for long. */
const ENQUEUE_CHUNK = 500;
/** Finished tasks deleted per purge.lua call. */
const PURGE_CHUNK = 1000;
const MIN_REDIS_MAJOR = 6;

/** Redis's default proto-max-bulk-len: the longest string value. */
const REDIS_MAX_BULK_BYTES = 512 * 1024 * 1024;

/** The value of a `CONFIG GET name` reply (`[name, value]`), undefined if there is none. */
function configValue(reply: unknown): string | undefined {
  if (!Array.isArray(reply) || reply.length < 2) return undefined;
  const value: unknown = reply[1];
  return Buffer.isBuffer(value) ? value.toString('utf8') : typeof value === 'string' ? value : undefined;
}

/** The layout of sitq's keys; a prefix written by a newer layout is refused (LayoutTooNewError). */
export const REDIS_LAYOUT_VERSION = 1;

export class RedisBackend implements Backend {
  readonly kind = 'redis' as const;
  readonly address: string;
  private readonly options: ResolvedRedisOptions;
  private readonly keys: RedisKeys;
  private readonly connections: RedisConnections;
  private readonly directory: TaskDirectory;
  private readonly reads: RedisReads;
  private readonly workers: WorkerRegistry;
  private readonly waiter: ClaimWaiter;
  private readonly finishes: FinishWatcher;
  private readonly state: StateStore;
  private readonly eventSubscriber: EventSubscriber;
  private connecting: Promise<void> | undefined;

  constructor(options: RedisOptions = {}) {
    this.options = resolveOptions(options);
    this.address = describeTarget(this.options);
    this.keys = new RedisKeys(this.options.keyPrefix);
    this.connections = new RedisConnections(this.options, this.address);
    this.directory = new TaskDirectory(this.connections, this.keys);
    this.reads = new RedisReads(this.connections, this.keys, this.directory);
    this.workers = new WorkerRegistry(this.connections, this.keys);
    this.waiter = new ClaimWaiter(this.connections, this.keys);
    this.finishes = new FinishWatcher(this.connections, this.keys.finishedChannel);
    this.state = new StateStore(this.connections, this.keys);
    this.eventSubscriber = new EventSubscriber(this.connections, this.keys.eventsChannel);
  }

  /** Connections open right now (command, subscriber, blocking), within maxConnections. */
  get openConnections(): number {
    return this.connections.openCount;
  }

  /** How this backend's connections are named in CLIENT LIST: `<clientName>-<role>`. */
  get clientName(): string {
    return this.connections.clientName;
  }

  connect(): Promise<void> {
    this.connecting ??= this.openAndCheck().catch((err: unknown) => {
      this.connecting = undefined;
      throw err;
    });
    return this.connecting;
  }

  private async openAndCheck(): Promise<void> {
    await this.connections.connect(defineScripts);
    // Fractional BLPOP timeouts and multi-field HSET need Redis 6; say so instead of failing later.
    const { serverVersion } = await this.ping();
    const major = Number(/(\d+)\./.exec(serverVersion)?.[1] ?? '0');
    if (major < MIN_REDIS_MAJOR) {
      await this.connections.close();
      throw new ConnectionError('redis', this.address, `${serverVersion} is too old: sitq needs Redis ${MIN_REDIS_MAJOR}.0 or newer`);
    }
    // The layout version of this key prefix: written by the first connect, refused when newer.
    const client = this.connections.command;
    await client.set(this.keys.layout, String(REDIS_LAYOUT_VERSION), 'NX');
    const found = Number(await client.get(this.keys.layout));
    if (found > REDIS_LAYOUT_VERSION) {
      await this.connections.close();
      throw new LayoutTooNewError('redis', this.address, found, REDIS_LAYOUT_VERSION);
    }
  }

  async close(): Promise<void> {
    this.connecting = undefined;
    this.finishes.reset();
    this.eventSubscriber.reset();
    this.directory.clear();
    await this.connections.close();
  }

  /** One Redis string holds at most proto-max-bulk-len bytes (512 MiB unless the server lowers it). */
  taskSizeLimit(): TaskSizeLimit {
    return {
      bytes: REDIS_MAX_BULK_BYTES - TASK_RECORD_RESERVE_BYTES,
      source: `Redis's default proto-max-bulk-len of ${REDIS_MAX_BULK_BYTES} bytes, less ${TASK_RECORD_RESERVE_BYTES} for the task's other fields`,
    };
  }

  /** A Redis with neither RDB snapshots (`save ""`) nor the append-only file keeps nothing on
   *  disk: a restart silently empties every queue. CONFIG may be disabled (managed services): then
   *  nothing is said, since nothing is known. */
  async configurationWarnings(): Promise<string[]> {
    return this.io('reading the persistence settings', async () => {
      const client = this.connections.command;
      let save: string | undefined;
      let appendonly: string | undefined;
      try {
        save = configValue((await client.call('CONFIG', 'GET', 'save')) as unknown);
        appendonly = configValue((await client.call('CONFIG', 'GET', 'appendonly')) as unknown);
      } catch {
        return [];
      }
      if (save === undefined || appendonly === undefined) return [];
      if (save.trim() !== '' || appendonly === 'yes') return [];
      return [
        'the Redis server keeps nothing on disk (CONFIG GET save is empty and appendonly is no): a restart or crash loses every task it holds; for sitq run Redis with appendonly yes (see docs/high-availability/redis.md)',
      ];
    });
  }

  ping(): Promise<ServerInfo> {
    return this.io('ping', async () => {
      const info = await this.connections.command.info('server');
      const version = /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown';
      return { serverVersion: `Redis ${version}` };
    });
  }

  nodes(): Promise<NodeStatus[]> {
    return listNodes(this.connections.current, this.options, this.address);
  }

  // --- producing -------------------------------------------------------------------------------

  // The producer's hot path: one async function with the error mapping of io() inlined (not a
  // closure inside io's own async frame: one promise and microtask turn less per call).
  async enqueue(tasks: readonly NewTask[]): Promise<EnqueueOutcome[]> {
    try {
      if (tasks.length === 0) return [];
      for (const t of tasks) checkQueueName(t.queue, 'task.queue');
      // One server and one queue (every single enqueue): one script call does it all.
      if (!this.connections.isCluster && tasks.length <= ENQUEUE_CHUNK && tasks.every((t) => t.queue === tasks[0].queue)) {
        const { queues, taskQueue } = this.keys;
        const args: ScriptArg[] = [this.keys.finishedChannel, tasks.length];
        for (const t of tasks) args.push(...taskArgs(t));
        args.push(tasks[0].queue);
        const command = this.connections.command;
        const flat = (await runScript(command, 'enqueue', [this.keys.ready(tasks[0].queue), queues, taskQueue], args)) as (
          string | number
        )[];
        if (this.options.waitReplicas > 0) await this.confirmOnReplicas(command, tasks.length);
        return tasks.map((_, j) => ({ id: String(flat[j * 2]), created: Number(flat[j * 2 + 1]) === 1 }));
      }
      return await this.enqueueSpread(tasks);
    } catch (err) {
      throw toConnectionError(err, this.address, 'enqueue');
    }
  }

  /** Tasks of several queues, or more than one script call takes, or on a cluster: the queue
   *  registrations and id index beside one script call per queue chunk, in one pipeline. */
  private async enqueueSpread(tasks: readonly NewTask[]): Promise<EnqueueOutcome[]> {
    const command = this.connections.command;
    const batch = new Batch();
    const { queues, taskQueue } = this.keys;
    batch.add(queues, (p) => p.sadd(queues, ...new Set(tasks.map((t) => t.queue))));
    // The id -> queue index lives outside the queue's slot, so it is written beside the script
    // (same round trip), never over an existing entry.
    for (const t of tasks) batch.add(taskQueue, (p) => p.hsetnx(taskQueue, t.id, t.queue));
    const chunks = chunkByQueue(
      tasks.map((task, index) => ({ task, index })),
      (x) => x.task.queue,
      ENQUEUE_CHUNK,
    );
    for (const { queue, items } of chunks) {
      const args: ScriptArg[] = [this.keys.finishedChannel, items.length, ...items.flatMap((x) => taskArgs(x.task)), queue];
      batch.add(this.keys.ready(queue), (p) => queueScript(p, 'enqueue', [this.keys.ready(queue)], args));
    }
    const replies = await batch.run(command);
    const indexed = replies.slice(1, 1 + tasks.length) as number[];
    const outcomes: EnqueueOutcome[] = new Array(tasks.length);
    const unused: string[] = [];
    chunks.forEach(({ items }, c) => {
      const flat = replies[1 + tasks.length + c] as (string | number)[];
      items.forEach(({ task, index }, j) => {
        const id = String(flat[j * 2]);
        const created = Number(flat[j * 2 + 1]) === 1;
        outcomes[index] = { id, created };
        // An idempotency hit: the id written to the index above was never stored.
        if (!created && id !== task.id && indexed[index] === 1) unused.push(task.id);
      });
    });
    if (unused.length > 0) await command.hdel(this.keys.taskQueue, ...unused);
    await this.confirmOnReplicas(command, tasks.length);
    return outcomes;
  }

  async cancel(taskId: string): Promise<CancelledFrom | null> {
    const reply = await this.byId('cancel', taskId);
    return reply === 'pending' || reply === 'delayed' || reply === 'running' ? reply : null;
  }

  // --- consuming -------------------------------------------------------------------------------

  async claim(request: ClaimRequest & { waitMs?: number; signal?: AbortSignal }): Promise<ClaimedTask[]> {
    checkClaim(request);
    // A claim made after close() fails; one waiting when close() comes returns empty (below).
    if (this.connections.isClosed) throw new BackendClosedError('redis', this.address);
    const deadline = Date.now() + (request.waitMs ?? 0);
    for (;;) {
      let got: { tasks: ClaimedTask[]; now: number; nextAt: number };
      try {
        got = await this.claimOnce(request);
      } catch (err) {
        if (this.connections.isClosed) return [];
        throw toConnectionError(err, this.address, 'claim');
      }
      const { tasks, now, nextAt } = got;
      if (tasks.length > 0) return tasks;
      const remaining = deadline - Date.now();
      if (remaining <= 0 || request.signal?.aborted || this.connections.isClosed) return [];
      const untilDue = nextAt >= 0 ? Math.max(1, nextAt - now) : Infinity;
      await this.waiter.wait(request.queues, Math.min(remaining, untilDue), request.signal);
    }
  }

  /** One claim round trip: one script over all the queues, or on a cluster (where a script's
   *  keys must share a slot and each queue has its own) one per queue, merged. */
  private async claimOnce(request: ClaimRequest): Promise<{ tasks: ClaimedTask[]; now: number; nextAt: number }> {
    const args = [this.keys.finishedChannel, request.workerId, request.max, request.leaseMs];
    const groups = this.connections.isCluster ? request.queues.map((q) => [q]) : [request.queues];
    const settled = await Promise.allSettled(
      groups.map(async (queues) => {
        const keys = queues.map((q) => this.keys.ready(q));
        const reply = (await runScript(this.connections.command, 'claim', keys, args, true)) as ClaimReply;
        const now = reply[0] as number;
        const lease = { owner: request.workerId, now, expiresAt: now + request.leaseMs };
        const tasks: ClaimedTask[] = [];
        for (let at = 2; at < reply.length; at += CLAIMED_WIDTH) tasks.push(this.claimed(reply, at, lease));
        return { now, nextAt: reply[1] as number, tasks };
      }),
    );
    const replies = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    // Tasks claimed from reachable queues are handed out even if another queue's node failed.
    if (failed && !replies.some((r) => r.tasks.length > 0)) throw failed.reason;
    if (replies.length === 1) return replies[0];
    // Several per-queue claims: keep the first `max` in the claim order (priority, then runAt,
    // then enqueue order) and hand the rest straight back (release keeps their place and does
    // not count the attempt). Which queue's task wins a tie cannot matter more than that.
    const all = replies.flatMap((r) => r.tasks);
    all.sort(
      (a, b) => b.record.priority - a.record.priority || a.record.runAt - b.record.runAt || a.record.enqueuedAt - b.record.enqueuedAt,
    );
    const surplus = all.splice(request.max);
    // If the release fails too, the surplus comes back when its lease runs out.
    if (surplus.length > 0) await this.release(surplus.map((t) => t.lease)).catch(() => {});
    const dues = replies.map((r) => r.nextAt).filter((at) => at >= 0);
    return {
      tasks: all,
      now: Math.min(...replies.map((r) => r.now)),
      nextAt: all.length > 0 || dues.length === 0 ? -1 : Math.min(...dues),
    };
  }

  private claimed(reply: ClaimReply, at: number, lease: { owner: string; now: number; expiresAt: number }): ClaimedTask {
    const { record, token } = decodeClaimed(reply, at, lease);
    this.directory.remember(record.id, record.queue);
    return { lease: { taskId: record.id, owner: lease.owner, token }, record };
  }

  renew(leases: readonly Lease[], leaseMs: number): Promise<boolean[]> {
    if (!Number.isFinite(leaseMs) || leaseMs < 1) {
      return Promise.reject(new ConfigurationError({ option: 'renew.leaseMs', expected: 'a number of ms >= 1', given: leaseMs }));
    }
    return this.io('renew', async () => {
      const replies = await this.perQueue(
        'renew',
        leases.map((l) => l.taskId),
        (i) => leaseArgs(leases[i]),
        (n) => [leaseMs, n],
      );
      return replies.map((r) => r === 1);
    });
  }

  report(reports: readonly TaskReport[]): Promise<boolean[]> {
    return this.io('report', async () => {
      const replies = await this.perQueue(
        'report',
        reports.map((r) => r.lease.taskId),
        (i) => reportArgs(reports[i]),
        (n) => [n],
      );
      return replies.map((r) => r === 1);
    });
  }

  complete(completions: readonly Completion[]): Promise<boolean[]> {
    return this.io('complete', async () => {
      const ids = completions.map((c) => c.lease.taskId);
      const replies = await this.perQueue(
        'complete',
        ids,
        (i) => completionArgs(completions[i]),
        (n) => [n],
      );
      for (const id of ids) this.directory.forget(id);
      return replies.map((r) => r === 1);
    });
  }

  release(leases: readonly Lease[]): Promise<void> {
    return this.io('release', async () => {
      const ids = leases.map((l) => l.taskId);
      await this.perQueue(
        'release',
        ids,
        (i) => leaseArgs(leases[i]),
        (n) => [n],
      );
      for (const id of ids) this.directory.forget(id);
    });
  }

  /**
   * Runs one batch script per queue in one pipeline: `head(n)` are the arguments after the channel,
   * `item(i)` those of item i. Answers per item the script's 1/0 (0 for unknown ids).
   */
  private async perQueue(
    script: ScriptName,
    ids: readonly string[],
    item: (i: number) => ScriptArg[],
    head: (n: number) => ScriptArg[],
  ): Promise<number[]> {
    const answers = new Array<number>(ids.length).fill(0);
    if (ids.length === 0) return answers;
    const queues = await this.directory.queuesOf(ids);
    const known = ids
      .map((id, index) => ({ index, queue: queues.get(id) }))
      .filter((x): x is { index: number; queue: string } => x.queue !== undefined);
    const groups = chunkByQueue(known, (x) => x.queue, Infinity);
    if (groups.length === 0) return answers;
    const calls = groups.map(({ queue, items }) => ({
      keys: [this.keys.ready(queue)],
      args: [this.keys.finishedChannel, ...head(items.length), ...items.flatMap((x) => item(x.index))],
    }));
    let replies: unknown[];
    if (calls.length === 1) {
      replies = [await runScript(this.connections.command, script, calls[0].keys, calls[0].args)];
    } else {
      const batch = new Batch();
      for (const call of calls) batch.add(call.keys[0], (p) => queueScript(p, script, call.keys, call.args));
      replies = await batch.run(this.connections.command);
    }
    groups.forEach(({ items }, g) => {
      const reply = replies[g];
      items.forEach((x, j) => (answers[x.index] = Number((reply as number[])[j])));
    });
    return answers;
  }

  subscribe(sink: EventSink): Promise<Unsubscribe> {
    return this.io('subscribe', () => this.eventSubscriber.add(sink));
  }

  // --- reading ---------------------------------------------------------------------------------

  getTask(taskId: string): Promise<TaskRecord | null> {
    return this.io('getTask', () => this.reads.getTask(taskId));
  }

  waitForFinish(taskId: string, timeoutMs: number): Promise<TaskRecord | null> {
    return this.io('waitForFinish', () => this.finishes.waitFor(taskId, timeoutMs, () => this.reads.getTask(taskId)));
  }

  listQueues(): Promise<string[]> {
    return this.io('listQueues', () => this.reads.listQueues());
  }

  counts(): Promise<QueueCounts[]> {
    return this.io('counts', () => this.reads.counts());
  }

  listTasks(query: ListTasksQuery): Promise<TaskPage> {
    return this.io('listTasks', () => this.reads.listTasks(query));
  }

  // --- maintenance -----------------------------------------------------------------------------

  async requeue(taskId: string): Promise<boolean> {
    return (await this.byId('requeue', taskId)) === 1;
  }

  prune(options: PruneOptions): Promise<number> {
    try {
      checkPruneOptions(options);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.io('prune', async () => {
      const { queue, state, finishedBefore, keepNewest, limit } = options;
      const args = [
        this.keys.finishedChannel,
        state,
        finishedBefore === undefined ? '' : Math.floor(finishedBefore),
        keepNewest ?? '',
        limit,
      ];
      const ids = (await runScript(this.connections.command, 'prune', [this.keys.ready(queue)], args)) as string[];
      if (ids.length > 0) await this.connections.command.hdel(this.keys.taskQueue, ...ids);
      return ids.length;
    });
  }

  purge(options: { olderThanMs: number; queue?: string }): Promise<number> {
    if (!Number.isFinite(options.olderThanMs) || options.olderThanMs < 0) {
      return Promise.reject(
        new ConfigurationError({ option: 'purge.olderThanMs', expected: 'a number of ms >= 0', given: options.olderThanMs }),
      );
    }
    return this.io('purge', async () => {
      const queues = options.queue !== undefined ? [options.queue] : await this.reads.listQueues();
      let purged = 0;
      for (const queue of queues) {
        for (;;) {
          const args = [this.keys.finishedChannel, options.olderThanMs, PURGE_CHUNK];
          const ids = (await runScript(this.connections.command, 'purge', [this.keys.ready(queue)], args)) as string[];
          if (ids.length > 0) await this.connections.command.hdel(this.keys.taskQueue, ...ids);
          purged += ids.length;
          if (ids.length < PURGE_CHUNK) break;
        }
      }
      return purged;
    });
  }

  // --- coordination state (state.ts) ------------------------------------------------------------

  async getState(key: string): Promise<StateEntry | null> {
    checkStateArgs({ key });
    return this.io('getState', () => this.state.get(key));
  }

  async setState(key: string, value: string, expectedVersion: number): Promise<StateEntry | null> {
    checkStateArgs({ key, value, version: expectedVersion });
    return this.io('setState', () => this.state.set(key, value, expectedVersion));
  }

  async deleteState(key: string, expectedVersion?: number): Promise<boolean> {
    checkStateArgs({ key, version: expectedVersion });
    return this.io('deleteState', () => this.state.delete(key, expectedVersion));
  }

  async listState(prefix: string): Promise<StateEntry[]> {
    checkStateArgs({ prefix });
    return this.io('listState', () => this.state.list(prefix));
  }

  // --- workers ---------------------------------------------------------------------------------

  heartbeat(info: WorkerInfo, ttlMs: number): Promise<void> {
    return this.io('heartbeat', () => this.workers.heartbeat(info, ttlMs));
  }

  listWorkers(): Promise<WorkerInfo[]> {
    return this.io('listWorkers', () => this.workers.list());
  }

  removeWorker(workerId: string): Promise<void> {
    return this.io('removeWorker', () => this.workers.remove(workerId));
  }

  destroy(): Promise<void> {
    return this.io('destroy', async () => {
      const command = this.connections.command;
      // A cluster's keys are spread over its masters: scan each; unlink by slot.
      const servers = isClusterClient(command) ? command.nodes('master') : [command];
      for (const server of servers) {
        let cursor = '0';
        do {
          const [next, keys] = await server.scan(cursor, 'MATCH', this.keys.everything, 'COUNT', 1000);
          if (keys.length > 0) {
            if (isClusterClient(command)) {
              const batch = new Batch();
              for (const key of keys) batch.add(key, (p) => p.unlink(key));
              await batch.run(command);
            } else {
              await command.unlink(...keys);
            }
          }
          cursor = next;
        } while (cursor !== '0');
      }
      this.directory.clear();
    });
  }

  // --- helpers ---------------------------------------------------------------------------------

  /** cancel / requeue: a one-task script found through the id -> queue index; its reply (0 when
   *  the task is unknown). */
  private byId(script: 'cancel' | 'requeue', taskId: string): Promise<unknown> {
    return this.io(script, async () => {
      const queue = await this.directory.queueOf(taskId);
      if (!queue) return 0;
      return runScript(this.connections.command, script, [this.keys.ready(queue)], [this.keys.finishedChannel, taskId]);
    });
  }

  /** Runs an operation, turning "could not reach the server" failures into ConnectionError. */
  /** With `waitReplicas`: WAIT on the connection that wrote, so the enqueue returns only once
   *  that many replicas hold its writes (replication is otherwise asynchronous, and a failover
   *  drops what the promoted replica had not received). */
  private async confirmOnReplicas(connection: RedisClient, count: number): Promise<void> {
    const { waitReplicas, waitTimeout } = this.options;
    if (waitReplicas === 0) return;
    const acked = Number(await connection.call('WAIT', waitReplicas, waitTimeout));
    if (acked < waitReplicas) {
      throw new ConnectionError(
        'redis',
        this.address,
        `enqueue of ${count} task(s): ${acked} of redis.waitReplicas=${waitReplicas} replicas confirmed it within redis.waitTimeout=${waitTimeout} ms; ` +
          'the tasks are stored on the master but a failover now could drop them',
      );
    }
  }

  private async io<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const failure = toConnectionError(err, this.address, doing);
      // A command cut off by close() fails as BackendClosedError, not as a lost connection.
      throw failure instanceof ConnectionError && this.connections.isClosed ? new BackendClosedError('redis', this.address) : failure;
    }
  }
}

function checkQueueName(queue: string, option: string): void {
  assertQueueName(queue, option);
}

function checkClaim(request: ClaimRequest & { waitMs?: number }): void {
  if (!Array.isArray(request.queues) || request.queues.length === 0) {
    throw new ConfigurationError({ option: 'claim.queues', expected: 'at least one queue name', given: request.queues });
  }
  request.queues.forEach((q, i) => checkQueueName(q, `claim.queues.${i}`));
  if (!Number.isInteger(request.max) || request.max < 1)
    throw new ConfigurationError({ option: 'claim.max', expected: 'a whole number >= 1', given: request.max });
  if (!Number.isFinite(request.leaseMs) || request.leaseMs < 1)
    throw new ConfigurationError({ option: 'claim.leaseMs', expected: 'a number of ms >= 1', given: request.leaseMs });
  if (request.waitMs !== undefined && !(request.waitMs >= 0))
    throw new ConfigurationError({ option: 'claim.waitMs', expected: 'a number of ms >= 0', given: request.waitMs });
}

/** Groups items by queue (keeping their order), in chunks of at most `size`. */
function chunkByQueue<T>(items: readonly T[], queueOf: (item: T) => string, size: number): { queue: string; items: T[] }[] {
  const byQueue = new Map<string, T[]>();
  for (const item of items) {
    const list = byQueue.get(queueOf(item)) ?? [];
    list.push(item);
    byQueue.set(queueOf(item), list);
  }
  const chunks: { queue: string; items: T[] }[] = [];
  for (const [queue, list] of byQueue) {
    for (let i = 0; i < list.length; i += size) chunks.push({ queue, items: list.slice(i, i + size) });
  }
  return chunks;
}
