// The backend's connections, within `maxConnections`: one for commands and scripts, one
// subscriber for finish notifications (only when at least 3 are allowed), and a pool of blocking
// connections for claimers waiting in BLPOP (one per concurrent waiting claim, the rest).
//
// Each "connection" is one ioredis client: a Redis to one server or to the master the sentinels
// name (it asks them again on every reconnect, so it follows a failover), or a Cluster holding at
// most one socket per node (so with a cluster `maxConnections` is a budget per node).
//
// Opening fails fast: while a connection has never been up, ioredis is told not to retry, so a
// closed port or a bad password rejects at once and `connectTimeout` bounds the whole attempt.
// Once up, a lost connection is re-opened by ioredis by itself (backing off up to 2 s), and
// commands issued meanwhile wait for it.
import { randomBytes } from 'node:crypto';
import type { Cluster, ClusterOptions, Redis, RedisOptions as IoRedisOptions } from 'ioredis';
import { BackendClosedError, ConnectionError } from '../../core/errors.js';
import { driver, isClusterClient, isServerClient, loadDriver } from './driver.js';
import { hostPort, type ResolvedRedisOptions } from './options.js';
import { SentinelWatch } from './sentinel-watch.js';

const BACKEND = 'redis';
/** How long close() lets QUIT take before it drops the connection. */
const QUIT_GRACE_MS = 1000;

/** Errors that mean "the server could not be reached or answered too late", not a bad command. */
const CONNECTION_FAILURE =
  /Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|Socket timeout|Command timed out|Stream isn't writeable|NOAUTH|WRONGPASS|ERR AUTH|ERR invalid password|NOPERM|LOADING|certificate|SSL|TLS|self.signed|handshake/i;

export function isConnectionFailure(err: unknown): boolean {
  return err instanceof Error && (err.name === 'MaxRetriesPerRequestError' || CONNECTION_FAILURE.test(err.message));
}

/** Maps a failure to ConnectionError when it is about reaching the server; other errors pass. */
export function toConnectionError(err: unknown, address: string, doing: string): unknown {
  if (err instanceof ConnectionError || !isConnectionFailure(err)) return err;
  return new ConnectionError(BACKEND, address, `${doing}: ${(err as Error).message}`, { cause: err });
}

type Role = 'command' | 'subscriber' | 'blocking';

/** One backend connection: a single server's (or the sentinels' master's) client, or a cluster's. */
export type RedisClient = Redis | Cluster;

/** Replies that mean "this node is no longer (or cannot act as) the master": reconnect, asking
 *  the sentinels anew, and resend. NOREPLICAS comes from a master configured with
 *  min-replicas-to-write that lost its replicas, as an old master does once one was promoted. */
const DEMOTED = /^(READONLY|MASTERDOWN|NOREPLICAS)/;

export class RedisConnections {
  /** How many blocking connections may be open at once (0: waiting claims poll instead). */
  readonly blockingCap: number;
  /** Whether a subscriber connection is allowed (else waitForFinish polls). */
  readonly subscriberAllowed: boolean;
  /** Whether the connections are Cluster clients (scripts and BLPOPs then stay within one slot). */
  readonly isCluster: boolean;
  private commandConn: RedisClient | undefined;
  private subscriberConn: Promise<RedisClient> | undefined;
  private subscriberPing: NodeJS.Timeout | undefined;
  private readonly blockingAll = new Set<RedisClient>();
  private readonly blockingIdle: RedisClient[] = [];
  private readonly blockingWaiters: ((conn: RedisClient | null) => void)[] = [];
  private blockingOpening = 0;
  private readonly nudgeIds = new WeakMap<RedisClient, string>();
  private readonly sentinelWatch: SentinelWatch | undefined;
  private closed = false;

  /** Prefix of this backend's connection names in CLIENT LIST (`<clientName>-command`, ...). */
  readonly clientName = `sitq-${process.pid}-${randomBytes(3).toString('hex')}`;

  constructor(
    private readonly options: ResolvedRedisOptions,
    readonly address: string,
  ) {
    this.isCluster = options.topology.kind === 'cluster';
    // A Cluster's pub/sub runs on a socket of its own beside the one it refreshes slots with.
    const subscriberCost = this.isCluster ? 2 : 1;
    this.subscriberAllowed = options.maxConnections >= 2 + subscriberCost;
    this.blockingCap = options.maxConnections - 1 - (this.subscriberAllowed ? subscriberCost : 0);
    const t = options.topology;
    if (t.kind === 'sentinel') this.sentinelWatch = new SentinelWatch(options, t, (master) => this.reconnectAll(master));
  }

  /** Every connection that is up re-connects (asking the sentinels which node is the master now);
   *  commands in flight are sent again on the new connection. One that is reconnecting must not
   *  be interrupted (ioredis gives a connection up for good when told to disconnect while it asks
   *  the sentinels): it is checked once it is up, in case it was told the old master. */
  private reconnectAll(master: string): void {
    if (this.closed) return;
    const move = (conn: RedisClient | undefined) => {
      if (!isServerClient(conn) || conn.status === 'end') return;
      if (conn.status === 'ready' || conn.status === 'connect') conn.disconnect(true);
      else conn.once('ready', () => !this.closed && !isConnectedTo(conn, master) && conn.disconnect(true));
    };
    for (const conn of [this.commandConn, ...this.blockingAll]) move(conn);
    void this.subscriberConn?.then(move).catch(() => {});
  }

  /** Opens the command connection; `prepare` runs on it (script definitions) before first use. */
  async connect(prepare: (redis: RedisClient) => void): Promise<void> {
    if (this.commandConn) return;
    this.closed = false;
    await loadDriver();
    const conn = await this.open('command');
    prepare(conn);
    this.useCommandConnection(conn, prepare);
    this.sentinelWatch?.start();
  }

  /**
   * Makes `conn` the command connection. ioredis can end a connection for good by itself (seen
   * when a reconnect was interrupted while it asked the sentinels for the master); every later
   * command would then fail with "Connection is closed" for as long as the backend lives. So a
   * command connection that ends while the backend is open is replaced by a fresh one, which
   * keeps trying to connect; commands issued meanwhile wait in its queue.
   */
  private useCommandConnection(conn: RedisClient, prepare: (redis: RedisClient) => void): void {
    this.commandConn = conn;
    conn.once('end', () => {
      if (this.closed || this.commandConn !== conn) return;
      const fresh = this.createClient('command', () => true);
      fresh.on('error', () => {}); // each failed reconnect; commands report their own errors
      prepare(fresh);
      this.useCommandConnection(fresh, prepare);
      fresh.connect().catch(() => {}); // retried by its retry strategy until it is up
    });
  }

  get command(): RedisClient {
    if (!this.commandConn || this.closed) {
      throw new BackendClosedError(BACKEND, this.address);
    }
    return this.commandConn;
  }

  /** The command connection if it is open (nodes() reports instead of throwing). */
  get current(): RedisClient | undefined {
    return this.closed ? undefined : this.commandConn;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Every connection open now, for tests and health views. */
  get openCount(): number {
    return (this.commandConn ? 1 : 0) + (this.subscriberConn ? 1 : 0) + this.blockingAll.size + this.blockingOpening;
  }

  /** The subscriber connection (opened on first use), or null when maxConnections < 3.
   *  `onLost` runs if ioredis ends it for good while the backend is open (see
   *  useCommandConnection): the next call opens a new one, to subscribe again. */
  subscriber(onLost: () => void): Promise<RedisClient> | null {
    if (!this.subscriberAllowed || this.closed) return null;
    if (!this.subscriberConn) {
      const opening = this.open('subscriber');
      this.subscriberConn = opening;
      opening.then(
        (conn) => {
          this.keepSubscriberAlive(conn);
          conn.once('end', () => {
            if (this.closed || this.subscriberConn !== opening) return;
            clearInterval(this.subscriberPing);
            this.subscriberConn = undefined;
            onLost();
          });
        },
        () => (this.subscriberConn = undefined),
      );
    }
    return this.subscriberConn;
  }

  /**
   * A subscriber only receives, so a peer that silently stopped answering would go unnoticed:
   * PING it every `keepAlive` ms; its socketTimeout then cuts a connection that does not answer,
   * and ioredis reconnects and subscribes again. (A Cluster's pub/sub socket is its own, picked
   * and replaced by ioredis when it closes; its waiters also re-read every second.)
   */
  private keepSubscriberAlive(conn: RedisClient): void {
    if (this.options.keepAlive === 0 || isClusterClient(conn)) return;
    this.subscriberPing = setInterval(() => {
      if (conn.status === 'ready') conn.ping().catch(() => {});
    }, this.options.keepAlive);
    this.subscriberPing.unref();
  }

  /** A blocking connection for one wait, or null if none frees up within `waitMs` / on abort. */
  async acquireBlocking(waitMs: number, signal?: AbortSignal): Promise<RedisClient | null> {
    if (this.closed || this.blockingCap === 0) return null;
    const idle = this.blockingIdle.pop();
    if (idle) return idle;
    if (this.blockingAll.size + this.blockingOpening < this.blockingCap) {
      this.blockingOpening++;
      try {
        const conn = await this.open('blocking');
        if (this.closed) {
          conn.disconnect();
          return null;
        }
        this.blockingAll.add(conn);
        this.nudgeIds.set(conn, randomBytes(8).toString('hex'));
        return conn;
      } finally {
        this.blockingOpening--;
      }
    }
    // All in use: queue for the next one that is given back.
    return new Promise<RedisClient | null>((resolve) => {
      const done = (conn: RedisClient | null) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(conn);
      };
      const give = (conn: RedisClient | null) => done(conn);
      const onAbort = () => {
        const i = this.blockingWaiters.indexOf(give);
        if (i >= 0) this.blockingWaiters.splice(i, 1);
        done(null);
      };
      const timer = setTimeout(onAbort, waitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.blockingWaiters.push(give);
    });
  }

  /** Gives a blocking connection back; `suspect` (it did not deliver an answer it should have,
   *  as after a silent stall) drops it so the next wait opens a fresh one. */
  releaseBlocking(conn: RedisClient, suspect = false): void {
    if (this.closed || suspect || conn.status === 'end') {
      this.blockingAll.delete(conn);
      conn.disconnect();
      return;
    }
    const next = this.blockingWaiters.shift();
    if (next) next(conn);
    else this.blockingIdle.push(conn);
  }

  /** The id naming this blocking connection's private nudge list. */
  nudgeId(conn: RedisClient): string {
    return this.nudgeIds.get(conn) ?? 'none';
  }

  /** Closes everything; claims blocked in BLPOP fail at once (and their callers return empty). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.subscriberPing);
    this.sentinelWatch?.stop();
    for (const give of this.blockingWaiters.splice(0)) give(null);
    for (const conn of this.blockingAll) conn.disconnect();
    this.blockingAll.clear();
    this.blockingIdle.length = 0;
    const sub = this.subscriberConn;
    this.subscriberConn = undefined;
    if (sub) await sub.then((s) => s.disconnect()).catch(() => {});
    const cmd = this.commandConn;
    this.commandConn = undefined;
    if (cmd) {
      // QUIT lets replies in flight arrive; a server that does not answer gets cut off.
      let timer: NodeJS.Timeout | undefined;
      const cutOff = new Promise<void>((resolve) => (timer = setTimeout(resolve, QUIT_GRACE_MS)));
      await Promise.race([cmd.quit().catch(() => {}), cutOff]);
      clearTimeout(timer);
      cmd.disconnect();
    }
  }

  /** Options of one Redis connection (for a cluster: of each of its node sockets). */
  private ioredisOptions(role: Role, established: () => boolean): IoRedisOptions {
    const o = this.options;
    const options: IoRedisOptions = {
      host: o.host,
      port: o.port,
      db: o.db,
      connectTimeout: o.socketConnectTimeout,
      connectionName: `${this.clientName}-${role}`,
      lazyConnect: true,
      retryStrategy: this.retryStrategy(established),
    };
    if (o.username !== undefined) options.username = o.username;
    if (o.password !== undefined) options.password = o.password;
    if (o.tls) options.tls = o.tls;
    if (o.socketTimeout > 0) {
      if (role === 'blocking') {
        // A BLPOP legitimately waits longer than any socket timeout; guard it client-side
        // instead: its own timeout plus socketTimeout of grace (then it answers null, and the
        // waiter drops the connection as suspect).
        options.blockingTimeout = o.socketTimeout;
        options.blockingTimeoutGrace = o.socketTimeout;
      } else {
        // The subscriber's only commands are (re)subscribes and keepalive PINGs.
        options.commandTimeout = o.socketTimeout;
        options.socketTimeout = o.socketTimeout;
      }
    }
    if (o.keepAlive > 0) options.keepAlive = o.keepAlive;
    const t = o.topology;
    if (t.kind === 'sentinel') {
      options.sentinels = t.sentinels.map((n) => ({ host: n.host, port: n.port }));
      options.name = t.name;
      options.role = 'master';
      options.sentinelRetryStrategy = this.retryStrategy(established);
      if (o.socketTimeout > 0) options.sentinelCommandTimeout = o.socketTimeout;
      if (t.username !== undefined) options.sentinelUsername = t.username;
      if (t.password !== undefined) options.sentinelPassword = t.password;
      if (t.tls) {
        options.enableTLSForSentinelMode = true;
        options.sentinelTLS = t.tls;
      }
      // A demoted master answers writes with READONLY until the sentinels' reconfiguration cuts
      // its clients: reconnect at once (which asks the sentinels for the new master) and resend.
      options.reconnectOnError = (err) => (DEMOTED.test(err.message) ? 2 : false);
      // ioredis's own +switch-master listener (failoverDetector) stays off: it disconnects even a
      // connection that is busy asking the sentinels, which ioredis then ends for good. The
      // SentinelWatch asks the sentinels every second and reconnects only connections that are up.
    }
    return options;
  }

  /** Before the first successful connect: no retries (connect() fails fast). After: back off from
   *  100 ms to 2 s and keep trying for as long as the backend is open. */
  private retryStrategy(established: () => boolean): (times: number) => number | null {
    return (times) => (established() && !this.closed ? Math.min(100 * times, 2000) : null);
  }

  private createClient(role: Role, established: () => boolean): RedisClient {
    const t = this.options.topology;
    const { Cluster, Redis } = driver();
    if (t.kind !== 'cluster') {
      const conn = new Redis(this.ioredisOptions(role, established));
      if (t.kind === 'sentinel') {
        // Each READONLY / NOREPLICAS reply from a demoted master makes ioredis disconnect again,
        // adding a 'close' listener to the socket each time: a switchover with many commands in
        // flight passed Node's limit of 10 and printed a "memory leak" warning. The socket closes
        // right after, so the listeners go with it; the limit here only covers commands in flight.
        conn.on('connect', () => conn.stream?.setMaxListeners(1000));
      }
      return conn;
    }
    const { host: _h, port: _p, db: _d, retryStrategy: _r, ...redisOptions } = this.ioredisOptions(role, established);
    const options: ClusterOptions = {
      lazyConnect: true,
      redisOptions,
      clusterRetryStrategy: this.retryStrategy(established),
      slotsRefreshInterval: t.slotsRefreshInterval,
      slotsRefreshTimeout: this.options.socketConnectTimeout,
      // A node that drops out is retried too (a restarted node keeps its slots).
      clusterNodeRetryStrategy: this.retryStrategy(established),
      scaleReads: 'master',
    };
    return new Cluster(
      t.startupNodes.map((n) => ({ host: n.host, port: n.port })),
      options,
    );
  }

  private async open(role: Role): Promise<RedisClient> {
    let up = false;
    let lastError: Error | undefined;
    const conn = this.createClient(role, () => up);
    // ioredis reports each failed (re)connect as an 'error' event; remember the last one for
    // the message, and keep it from being printed as unhandled.
    // A cluster's "Failed to refresh slots cache" carries the node's own error (a refused
    // certificate, say), which says more.
    conn.on('error', (err: Error & { lastNodeError?: Error }) => (lastError = err.lastNodeError ?? err));
    if (isClusterClient(conn)) conn.on('node error', (err: Error) => (lastError = err));
    let timer: NodeJS.Timeout | undefined;
    const overall = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within the connect timeout of ${this.options.connectTimeout} ms`)),
        this.options.connectTimeout,
      );
    });
    try {
      await Promise.race([conn.connect(), overall]);
      up = true;
      return conn;
    } catch (err) {
      conn.disconnect();
      const generic = /^(Connection is closed\.|None of startup nodes is available|All sentinels are unreachable)/.test(
        (err as Error).message,
      );
      const reason = lastError && generic ? `${(err as Error).message.replace(/\.$/, '')}: ${lastError.message}` : (err as Error).message;
      throw new ConnectionError(BACKEND, this.address, `could not connect (${role} connection): ${reason}`, { cause: lastError ?? err });
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Whether `conn`'s socket goes to `master` (`host:port` as the sentinels name it). A name the
 *  socket cannot match (a hostname) counts as no: one extra reconnect, never a wrong master. */
function isConnectedTo(conn: Redis, master: string): boolean {
  const { remoteAddress, remotePort } = conn.stream ?? {};
  return remoteAddress !== undefined && remotePort !== undefined && hostPort(remoteAddress, remotePort) === master;
}
