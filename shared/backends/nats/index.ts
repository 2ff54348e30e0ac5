// The NATS JetStream backend. Tasks travel through a work-queue stream (one subject and one
// durable pull consumer per queue and priority level; the consumer's ack wait is the lease);
// their records live in a KV bucket, the source of truth, changed only by compare-and-set on
// the key's revision. See DESIGN.md for how each rule of the contract is met.
import { EventOutbox, eventSubject, subscribeEvents } from './events.js';
import { loadNats } from './driver.js';
import { EventEmitter, setMaxListeners } from 'node:events';
import type { EventSink, Unsubscribe } from '../../core/events.js';
import type { TaskReport } from '../../core/progress.js';
import type { JetStreamManager, KV, NatsConnection } from 'nats';
import type { StateEntry, Backend, CancelledFrom, NodeStatus, PruneOptions, ServerInfo } from '../../core/backend.js';
import { checkPruneOptions, checkStateArgs } from '../../core/rules.js';
import { checkPayloadSizes, TASK_RECORD_RESERVE_BYTES, type TaskSizeLimit } from '../../core/task-size.js';
import { BackendClosedError, ConfigurationError, ConnectionError, LayoutTooNewError } from '../../core/errors.js';
import type {
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
import { withinMs } from '../../core/timers.js';
import { Claimer, type ClaimArgs } from './claim.js';
import { hostPort, openConnection, probeServer, toNatsError } from './connection.js';
import { HeldLeases, type Session } from './context.js';
import { enqueue } from './enqueue.js';
import { FinishWatcher } from './finish-watch.js';
import { TaskView } from './inspect.js';
import { complete, release, renew, report } from './leases.js';
import { LevelRegistry } from './levels.js';
import { cancelTask, pruneFinished, purgeFinished, requeueTask, waitForFinish } from './maintain.js';
import { Meta } from './meta.js';
import { isKeySafe, Names } from './names.js';
import { describeTarget, redactServer, resolveOptions, type NatsOptions, type ResolvedNatsOptions } from './options.js';
import { WorkPublisher } from './publish.js';
import { publicRecord, RecordStore } from './records.js';
import { Requester } from './requester.js';
import { Scheduler } from './scheduler.js';
import { Topology } from './setup.js';
import { StateStore } from './state.js';
import { WorkerRegistry } from './workers.js';

export type { NatsOptions, NatsTlsOptions } from './options.js';
export { ViewBehindError, VIEW_STALL_MS } from './inspect.js';

/** Everything one open connection needs; rebuilt by the next connect() after a close(). */
interface Live {
  session: Session;
  nc: NatsConnection;
  jsm: JetStreamManager;
  finishes: FinishWatcher;
  requester: Requester;
  claimer: Claimer;
  view: TaskView;
  workers: WorkerRegistry;
  state: StateStore;
  controller: AbortController;
  connected: boolean;
  /** Counts resyncs started, so an older one stops once a newer one runs. */
  resyncs: number;
}

/** How long nodes() waits for the work stream's info (its leader and replicas). */
const STREAM_INFO_LIMIT_MS = 500;

/** nats-server's default max_payload. */
const NATS_DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/** The layout of sitq's stream and buckets; a stream written by a newer layout is refused. */
export const NATS_LAYOUT_VERSION = 1;
const LAYOUT_KEY = 'layout';

/** Records the layout version in the meta bucket on the first connect; refuses a newer one. */
async function checkLayout(metaKv: KV, address: string): Promise<void> {
  // create() fails when the key exists: then the stored version is read.
  await metaKv.create(LAYOUT_KEY, new TextEncoder().encode(String(NATS_LAYOUT_VERSION))).catch(() => undefined);
  const found = Number(new TextDecoder().decode((await metaKv.get(LAYOUT_KEY))?.value ?? new Uint8Array()));
  if (found > NATS_LAYOUT_VERSION) throw new LayoutTooNewError('nats', address, found, NATS_LAYOUT_VERSION);
}

export class NatsBackend implements Backend {
  readonly kind = 'nats' as const;
  readonly address: string;
  private readonly options: ResolvedNatsOptions;
  private opening: Promise<Live> | undefined;
  private current: Live | undefined;
  /** Set by close(), cleared by connect(): a call in between fails instead of opening a new
   *  connection that nothing would close (a producer's or worker's timer firing after close()). */
  private closed = false;
  /** taskSizeLimit()'s last answer and the max_payload it was made for. */
  private sizeLimit: { maxPayload: number; limit: TaskSizeLimit } | undefined;

  constructor(options: NatsOptions = {}) {
    this.options = resolveOptions(options);
    this.address = describeTarget(this.options);
  }

  async connect(): Promise<void> {
    await loadNats();
    this.closed = false;
    await this.open();
  }

  async close(): Promise<void> {
    this.closed = true;
    const opening = this.opening;
    this.opening = undefined;
    this.current = undefined;
    const live = await opening?.catch(() => undefined);
    if (live) await shutdown(live);
  }

  /** A task record is one KV message (payload, result and the rest): it must fit the server's
   *  max_payload (1 MiB unless the server is configured otherwise), known once connected. */
  taskSizeLimit(): TaskSizeLimit {
    const maxPayload = this.current?.nc.info?.max_payload ?? NATS_DEFAULT_MAX_PAYLOAD;
    // One frozen answer per max_payload: each enqueue asks twice (the TaskQueue and enqueue()).
    if (this.sizeLimit?.maxPayload !== maxPayload) {
      this.sizeLimit = {
        maxPayload,
        limit: Object.freeze({
          bytes: Math.max(0, maxPayload - TASK_RECORD_RESERVE_BYTES),
          source: `the server's max_payload of ${maxPayload} bytes per message, less ${TASK_RECORD_RESERVE_BYTES} for the task's other fields`,
        }),
      };
    }
    return this.sizeLimit.limit;
  }

  async ping(): Promise<ServerInfo> {
    await loadNats();
    return this.run('ping', async (live) => {
      await live.jsm.getAccountInfo();
      return { serverVersion: `NATS ${live.nc.info?.version ?? 'unknown'}` };
    });
  }

  /** Each configured server: reachable, the one this client is connected to (serving), and its
   *  part in the work stream: `leader` (takes its writes), `member` (holds a replica), else `node`.
   *  Quick even on a stalled link (the health monitor calls it to notice one): the serving server
   *  is not probed again, and the stream's leader is asked with a short limit. */
  async nodes(): Promise<NodeStatus[]> {
    await loadNats();
    const live = await this.opening?.catch(() => undefined);
    // Read afresh each time: the link may be found dead while the stream info is awaited.
    const isServing = (url: string) => {
      const { host, port } = hostPort(url);
      return !!live && live.connected && live.nc.getServer() === `${host.includes(':') ? `[${host}]` : host}:${port}`;
    };
    const probeMs = Math.min(2000, this.options.connectTimeout);
    const [cluster, probes] = await Promise.all([
      live?.connected
        ? withinMs(live.jsm.streams.info(live.session.names.stream), STREAM_INFO_LIMIT_MS).then(
            (si) => si?.cluster,
            () => undefined,
          )
        : undefined,
      Promise.all(
        // eslint-disable-next-line @typescript-eslint/await-thenable -- the list mixes answers known at once (plain values) with probes; Promise.all takes both
        this.options.servers.map((url) =>
          isServing(url) ? { reachable: true, name: live?.nc.info?.server_name } : probeServer(url, probeMs),
        ),
      ),
    ]);
    const members = new Set(cluster?.replicas?.map((r) => r.name) ?? []);
    return this.options.servers.map((url, i): NodeStatus => {
      const { reachable, name } = probes[i];
      const role = name !== undefined && name === cluster?.leader ? 'leader' : name !== undefined && members.has(name) ? 'member' : 'node';
      const status: NodeStatus = { address: redactServer(url), role, reachable, serving: isServing(url) };
      if (!reachable) status.error = 'no TCP connection';
      return status;
    });
  }

  enqueue(tasks: readonly NewTask[]): Promise<EnqueueOutcome[]> {
    return this.run('enqueue', (live) => {
      // Before the first write: a record over max_payload could be stored by none of the steps,
      // and a batch must not be stored in part.
      checkPayloadSizes(tasks, this.taskSizeLimit(), this.kind);
      return enqueue(live.session, tasks);
    });
  }

  cancel(taskId: string): Promise<CancelledFrom | null> {
    if (!isKeySafe(taskId)) return Promise.resolve(null);
    return this.run('cancel', (live) => cancelTask(live.session, taskId));
  }

  claim(request: ClaimArgs): Promise<ClaimedTask[]> {
    return this.run('claim', (live) => live.claimer.claim(request));
  }

  report(reports: readonly TaskReport[]): Promise<boolean[]> {
    return this.run('report', (live) => report(live.session, reports));
  }

  renew(leases: readonly Lease[], leaseMs: number): Promise<boolean[]> {
    if (leases.length === 0) return Promise.resolve([]);
    return this.run('renew', (live) => renew(live.session, leases, leaseMs));
  }

  complete(completions: readonly Completion[]): Promise<boolean[]> {
    if (completions.length === 0) return Promise.resolve([]);
    return this.run('complete', (live) => complete(live.session, completions));
  }

  async release(leases: readonly Lease[]): Promise<void> {
    if (leases.length === 0) return;
    await this.run('release', (live) => release(live.session, leases));
  }

  getTask(taskId: string): Promise<TaskRecord | null> {
    if (!isKeySafe(taskId)) return Promise.resolve(null);
    return this.run('getTask', async (live) => {
      const found = await live.session.store.get(taskId);
      return found ? publicRecord(found.rec) : null;
    });
  }

  waitForFinish(taskId: string, timeoutMs: number): Promise<TaskRecord | null> {
    if (!isKeySafe(taskId)) return Promise.resolve(null);
    return this.run('waitForFinish', (live) => waitForFinish(live.session, live.finishes, taskId, timeoutMs));
  }

  listQueues(): Promise<string[]> {
    return this.run('listQueues', async (live) => live.session.levels.knownQueues());
  }

  counts(): Promise<QueueCounts[]> {
    return this.run('counts', (live) => live.view.counts(live.session.levels.knownQueues()));
  }

  listTasks(query: ListTasksQuery): Promise<TaskPage> {
    return this.run('listTasks', (live) => live.view.list(query ?? {}));
  }

  /** Events travel on core subjects (events.ts). */
  subscribe(sink: EventSink): Promise<Unsubscribe> {
    return this.run('subscribe', (live) => subscribeEvents(live.session, sink));
  }

  requeue(taskId: string): Promise<boolean> {
    if (!isKeySafe(taskId)) return Promise.resolve(false);
    return this.run('requeue', (live) => requeueTask(live.session, taskId));
  }

  purge(options: { olderThanMs: number; queue?: string }): Promise<number> {
    if (!Number.isFinite(options?.olderThanMs) || options.olderThanMs < 0) {
      return Promise.reject(
        new ConfigurationError({ option: 'purge olderThanMs', expected: 'a number of ms >= 0', given: options?.olderThanMs }),
      );
    }
    return this.run('purge', (live) => purgeFinished(live.session, live.view, options.olderThanMs, options.queue));
  }

  prune(options: PruneOptions): Promise<number> {
    try {
      checkPruneOptions(options);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.run('prune', (live) => pruneFinished(live.session, live.view, options));
  }

  // --- coordination state (state.ts) ------------------------------------------------------------

  async getState(key: string): Promise<StateEntry | null> {
    checkStateArgs({ key });
    return this.run('getState', (live) => live.state.get(key));
  }

  async setState(key: string, value: string, expectedVersion: number): Promise<StateEntry | null> {
    checkStateArgs({ key, value, version: expectedVersion });
    return this.run('setState', (live) => live.state.set(key, value, expectedVersion));
  }

  async deleteState(key: string, expectedVersion?: number): Promise<boolean> {
    checkStateArgs({ key, version: expectedVersion });
    return this.run('deleteState', (live) => live.state.delete(key, expectedVersion));
  }

  async listState(prefix: string): Promise<StateEntry[]> {
    checkStateArgs({ prefix });
    return this.run('listState', (live) => live.state.list(prefix));
  }

  heartbeat(info: WorkerInfo, ttlMs: number): Promise<void> {
    return this.run('heartbeat', (live) => live.workers.heartbeat(info, ttlMs));
  }

  listWorkers(): Promise<WorkerInfo[]> {
    return this.run('listWorkers', (live) => live.workers.list());
  }

  removeWorker(workerId: string): Promise<void> {
    return this.run('removeWorker', (live) => live.workers.remove(workerId));
  }

  /** Deletes the stream and both buckets, then closes; the next call starts afresh. */
  async destroy(): Promise<void> {
    await this.run('destroy', async (live) => {
      live.session.levels.stop();
      live.session.scheduler.stop();
      live.view.stop();
      live.finishes.stop();
      await live.session.topology.destroy();
    });
    await this.close();
    this.closed = false; // as documented: the next call starts afresh
  }

  private async run<T>(doing: string, fn: (live: Live) => Promise<T>): Promise<T> {
    // The open connection when there is one (set only while `opening` holds it, cleared with it
    // by close() and when it closes for good): no await, one turn of the microtask queue less per call.
    const live = this.current ?? (await this.open());
    try {
      return await fn(live);
    } catch (err) {
      const failure = toNatsError(err, this.address, doing);
      // A request cut off by close() fails as BackendClosedError, not as a lost connection.
      throw failure instanceof ConnectionError && this.closed ? new BackendClosedError('NATS JetStream', this.address) : failure;
    }
  }

  private open(): Promise<Live> {
    if (this.closed) return Promise.reject(new BackendClosedError('NATS JetStream', this.address));
    this.opening ??= withTimeout(this.start(), this.options.connectTimeout, this.address).then(
      (live) => (this.current = live),
      (err: unknown) => {
        this.opening = undefined;
        throw toNatsError(err, this.address, 'connecting');
      },
    );
    return this.opening;
  }

  private async start(): Promise<Live> {
    await loadNats(); // a call made before connect() opens the connection too, maybe before anything loaded nats
    const nc = await openConnection(this.options, this.address);
    try {
      const jsm = await nc.jetstreamManager();
      const js = nc.jetstream();
      const names = new Names(this.options.streamName);
      const topology = new Topology(jsm, js, names, this.options.replicas);
      const { meta: metaKv, replicated, duplicateWindowMs } = await topology.ensure();
      const floor = { replicated, duplicateWindowMs };
      const requester = new Requester(nc, Math.max(5000, this.options.connectTimeout), this.address, replicated);
      await checkLayout(metaKv, this.address);
      const meta = new Meta(requester, names, metaKv, this.address);
      const store = new RecordStore(requester, names, this.address, floor);
      const levels = new LevelRegistry(meta);
      const publisher = new WorkPublisher(requester, names, levels);
      const scheduler = new Scheduler(meta, publisher);
      await Promise.all([levels.start(), scheduler.start()]);
      const controller = new AbortController();
      setMaxListeners(0, controller.signal); // every waiting claim and waitForFinish listens
      const events = new EventEmitter<{ reconnected: [] }>();
      events.setMaxListeners(0);
      const outbox = new EventOutbox(nc, (queue) => eventSubject(names.stream, queue));
      requester.beforeSend = () => outbox.flush();
      const session: Session = {
        nc,
        requester,
        names,
        store,
        meta,
        levels,
        scheduler,
        publisher,
        topology,
        held: new HeldLeases(),
        outbox,
        lifetime: controller.signal,
        events,
      };
      const live: Live = {
        session,
        nc,
        jsm,
        finishes: new FinishWatcher(js, names),
        requester,
        claimer: new Claimer(session),
        view: new TaskView(js, jsm, names, store, this.address),
        workers: new WorkerRegistry(meta),
        state: new StateStore(meta, this.address, floor),
        controller,
        connected: true,
        resyncs: 0,
      };
      // A watch whose consumer was lost with a node (and not recreated by the client) restarts.
      meta.onWatchLost = live.finishes.onLost = () => {
        if (!controller.signal.aborted) void resync(live);
      };
      void followStatus(live);
      // Closed for good (reconnect attempts used up): the next call opens a new connection.
      void nc.closed().then(() => {
        controller.abort();
        if (this.current === live) {
          this.current = undefined;
          this.opening = undefined;
        }
      });
      return live;
    } catch (err) {
      await nc.close().catch(() => {});
      throw err;
    }
  }
}

async function followStatus(live: Live): Promise<void> {
  for await (const s of live.nc.status()) {
    if (s.type === 'disconnect' || s.type === 'staleConnection') {
      live.connected = false;
      live.requester.disconnected();
    } else if (s.type === 'reconnect') {
      live.connected = true;
      live.requester.reconnected();
      live.session.events.emit('reconnected');
      void resync(live);
    }
  }
}

/** Watches ride on consumers the server may have lost (a restart, the node that held them
 *  killed): start them again rather than wait for the client to notice missing heartbeats.
 *  Right after a node loss the cluster may still be electing leaders and refuse new consumers,
 *  so this tries until it works (or the session ends); a newer call takes over from an older. */
async function resync(live: Live): Promise<void> {
  const generation = ++live.resyncs;
  live.view.stop(); // the next read replays
  const { levels, scheduler } = live.session;
  for (let pause = 250; generation === live.resyncs && !live.controller.signal.aborted; pause = Math.min(pause * 2, 4000)) {
    try {
      await Promise.all([levels.restart(), scheduler.restart(), live.finishes.restart()]);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, pause));
    }
  }
}

async function shutdown(live: Live): Promise<void> {
  live.controller.abort();
  live.session.levels.stop();
  live.session.scheduler.stop();
  live.view.stop();
  live.finishes.stop();
  live.session.outbox.close();
  live.requester.close();
  await live.nc.close().catch(() => {});
}

function withTimeout(work: Promise<Live>, ms: number, address: string): Promise<Live> {
  let gaveUp = false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      gaveUp = true;
      reject(new ConnectionError('NATS JetStream', address, `not ready within ${ms} ms (connectTimeout)`));
    }, ms);
  });
  // Setup that finishes after we gave up must not leave a connection open.
  work.then(
    (live) => (gaveUp ? shutdown(live) : undefined),
    () => {},
  );
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
