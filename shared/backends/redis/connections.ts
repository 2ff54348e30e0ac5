// The backend's connections, within `maxConnections`: one for commands and scripts, one
// subscriber for finish notifications (only when at least 3 are allowed), and a pool of blocking
// connections for claimers waiting in BLPOP (one per concurrent waiting claim, the rest).
//
// Opening fails fast: while a connection has never been up, ioredis is told not to retry, so a
// closed port or a bad password rejects at once and `connectTimeout` bounds the whole attempt.
// Once up, a lost connection is re-opened by ioredis by itself (backing off up to 2 s), and
// commands issued meanwhile wait for it.
import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions as IoRedisOptions } from 'ioredis';
import { ConnectionError } from '../../core/errors.js';
import type { ResolvedRedisOptions } from './options.js';

const BACKEND = 'redis';
/** How long close() lets QUIT take before it drops the connection. */
const QUIT_GRACE_MS = 1000;

/** Errors that mean "the server could not be reached or answered too late", not a bad command. */
const CONNECTION_FAILURE = /Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|Socket timeout|Command timed out|Stream isn't writeable|NOAUTH|WRONGPASS|ERR AUTH|ERR invalid password|NOPERM|LOADING|certificate|SSL|TLS|self.signed|handshake/i;

export function isConnectionFailure(err: unknown): boolean {
  return err instanceof Error && (err.name === 'MaxRetriesPerRequestError' || CONNECTION_FAILURE.test(err.message));
}

/** Maps a failure to ConnectionError when it is about reaching the server; other errors pass. */
export function toConnectionError(err: unknown, address: string, doing: string): unknown {
  if (err instanceof ConnectionError || !isConnectionFailure(err)) return err;
  return new ConnectionError(BACKEND, address, `${doing}: ${(err as Error).message}`, { cause: err });
}

type Role = 'command' | 'subscriber' | 'blocking';

export class RedisConnections {
  /** How many blocking connections may be open at once (0: waiting claims poll instead). */
  readonly blockingCap: number;
  /** Whether a subscriber connection is allowed (else waitForFinish polls). */
  readonly subscriberAllowed: boolean;
  private commandConn: Redis | undefined;
  private subscriberConn: Promise<Redis> | undefined;
  private readonly blockingAll = new Set<Redis>();
  private readonly blockingIdle: Redis[] = [];
  private readonly blockingWaiters: ((conn: Redis | null) => void)[] = [];
  private blockingOpening = 0;
  private readonly nudgeIds = new WeakMap<Redis, string>();
  private closed = false;

  /** Prefix of this backend's connection names in CLIENT LIST (`<clientName>-command`, ...). */
  readonly clientName = `sitq-${process.pid}-${randomBytes(3).toString('hex')}`;

  constructor(
    private readonly options: ResolvedRedisOptions,
    readonly address: string,
  ) {
    this.subscriberAllowed = options.maxConnections >= 3;
    this.blockingCap = options.maxConnections - 1 - (this.subscriberAllowed ? 1 : 0);
  }

  /** Opens the command connection; `prepare` runs on it (script definitions) before first use. */
  async connect(prepare: (redis: Redis) => void): Promise<void> {
    if (this.commandConn) return;
    this.closed = false;
    const conn = await this.open('command');
    prepare(conn);
    this.commandConn = conn;
  }

  get command(): Redis {
    if (!this.commandConn || this.closed) {
      throw new ConnectionError(BACKEND, this.address, 'not connected (call connect() first, or it was closed)');
    }
    return this.commandConn;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Every connection open now, for tests and health views. */
  get openCount(): number {
    return (this.commandConn ? 1 : 0) + (this.subscriberConn ? 1 : 0) + this.blockingAll.size + this.blockingOpening;
  }

  /** The subscriber connection (opened on first use), or null when maxConnections < 3. */
  subscriber(): Promise<Redis> | null {
    if (!this.subscriberAllowed || this.closed) return null;
    if (!this.subscriberConn) {
      this.subscriberConn = this.open('subscriber');
      this.subscriberConn.catch(() => (this.subscriberConn = undefined));
    }
    return this.subscriberConn;
  }

  /** A blocking connection for one wait, or null if none frees up within `waitMs` / on abort. */
  async acquireBlocking(waitMs: number, signal?: AbortSignal): Promise<Redis | null> {
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
    return new Promise<Redis | null>((resolve) => {
      const done = (conn: Redis | null) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(conn);
      };
      const give = (conn: Redis | null) => done(conn);
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

  releaseBlocking(conn: Redis): void {
    if (this.closed || conn.status === 'end') {
      this.blockingAll.delete(conn);
      conn.disconnect();
      return;
    }
    const next = this.blockingWaiters.shift();
    if (next) next(conn);
    else this.blockingIdle.push(conn);
  }

  /** The id naming this blocking connection's private nudge list. */
  nudgeId(conn: Redis): string {
    return this.nudgeIds.get(conn) ?? 'none';
  }

  /** Closes everything; claims blocked in BLPOP fail at once (and their callers return empty). */
  async close(): Promise<void> {
    this.closed = true;
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

  private ioredisOptions(role: Role, established: () => boolean): IoRedisOptions {
    const o = this.options;
    const options: IoRedisOptions = {
      host: o.host,
      port: o.port,
      db: o.db,
      connectTimeout: o.socketConnectTimeout,
      connectionName: `${this.clientName}-${role}`,
      lazyConnect: true,
      // Before the first successful connect: no retries (connect() fails fast). After: back off
      // from 100 ms to 2 s and keep trying for as long as the backend is open.
      retryStrategy: (times) => (established() && !this.closed ? Math.min(100 * times, 2000) : null),
    };
    if (o.username !== undefined) options.username = o.username;
    if (o.password !== undefined) options.password = o.password;
    if (o.tls) options.tls = o.tls;
    if (o.socketTimeout > 0) {
      if (role === 'command') {
        options.commandTimeout = o.socketTimeout;
        options.socketTimeout = o.socketTimeout;
      } else if (role === 'blocking') {
        // A BLPOP legitimately waits longer than any socket timeout; guard it client-side
        // instead: its own timeout plus socketTimeout of grace.
        options.blockingTimeout = o.socketTimeout;
        options.blockingTimeoutGrace = o.socketTimeout;
      }
      // The subscriber idles by design; keepalive (below) finds a dead peer.
    }
    options.keepAlive = 10_000;
    return options;
  }

  private async open(role: Role): Promise<Redis> {
    let up = false;
    let lastError: Error | undefined;
    const conn = new Redis(this.ioredisOptions(role, () => up));
    // ioredis reports each failed (re)connect as an 'error' event; remember the last one for
    // the message, and keep it from being printed as unhandled.
    conn.on('error', (err: Error) => (lastError = err));
    let timer: NodeJS.Timeout | undefined;
    const overall = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within the connect timeout of ${this.options.connectTimeout} ms`)), this.options.connectTimeout);
    });
    try {
      await Promise.race([conn.connect(), overall]);
      up = true;
      return conn;
    } catch (err) {
      conn.disconnect();
      const reason = lastError && (err as Error).message === 'Connection is closed.' ? lastError.message : (err as Error).message;
      throw new ConnectionError(BACKEND, this.address, `could not connect (${role} connection): ${reason}`, { cause: lastError ?? err });
    } finally {
      clearTimeout(timer);
    }
  }
}
