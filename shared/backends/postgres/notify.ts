// LISTEN on a dedicated connection: wakes claimers waiting on a queue. The connection comes back
// by itself after a loss (server restart, pg_terminate_backend, a dead socket found by the
// keep-alive ping); while it is down, and after it returns, every waiter is woken to re-check,
// since notifications may have been missed. With `hosts` it connects to the current primary and
// moves when the primary changes (LISTEN is refused on a replica anyway).
import type pg from 'pg';
import { pgDriver } from './driver.js';
import { asConnectionError, clientConfig } from './connection.js';
import type { HostAddress, ResolvedPostgresOptions } from './options.js';
import { sameHost, type PrimaryLocator } from './primary.js';
import { quoteIdent } from './sql.js';
import { decodeWire, type EventSink, type Unsubscribe } from '../../core/events.js';

/** A one-shot-at-a-time wake-up: `wait` returns when woken (or was woken since the last wait),
 *  after `ms`, or when `signal` aborts. */
export class Watch {
  private woken = false;
  private resolve: (() => void) | undefined;

  constructor(private readonly onStop: (watch: Watch) => void) {}

  wake(): void {
    this.woken = true;
    this.resolve?.();
  }

  wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.woken || ms <= 0 || signal?.aborted) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.resolve = undefined;
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.resolve = done;
    });
  }

  stop(): void {
    this.onStop(this);
    this.resolve?.();
  }
}

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5000;
/** A silent socket (peer gone without a FIN) is found by a ping every `keepAlive` ms that must
 *  be answered within this long. */
const PING_TIMEOUT_MS = 5000;

export class Notifier {
  /** True while the LISTEN connection is up. */
  listening = false;
  closed = false;

  private client: pg.Client | undefined;
  /** Where `client` is connected (with `hosts`). */
  private server: HostAddress | undefined;
  private stopFollowing: (() => void) | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private reconnectDelay = RECONNECT_MIN_MS;
  private readonly queueWatches = new Map<Watch, readonly string[]>();
  /** Backend.subscribe: task events arrive as 'e:' notifications on the same channel. */
  private readonly sinks = new Set<EventSink>();

  constructor(
    private readonly options: ResolvedPostgresOptions,
    private readonly address: string,
    private readonly channel: string,
    private readonly locator?: PrimaryLocator,
  ) {}

  /** Opens the LISTEN connection; rejects with ConnectionError when it cannot. */
  async start(): Promise<void> {
    await this.open();
    // The pool found another primary: this connection is on the old one.
    this.stopFollowing = this.locator?.onChange((primary) => {
      if (this.client && this.server && !sameHost(this.server, primary)) this.lost(this.client);
    });
    if (this.options.keepAlive > 0) {
      this.pingTimer = setInterval(() => void this.ping(), this.options.keepAlive);
      this.pingTimer.unref();
    }
  }

  /** Woken when work may have arrived on one of `queues`. */
  watchQueues(queues: readonly string[]): Watch {
    const watch = new Watch((w) => this.queueWatches.delete(w));
    this.queueWatches.set(watch, queues);
    return watch;
  }

  /** Delivers task events to `sink` from now on; a lost LISTEN connection is a gap. */
  addSink(sink: EventSink): Unsubscribe {
    this.sinks.add(sink);
    return async () => {
      this.sinks.delete(sink);
    };
  }

  /** Tells every sink that events may have been missed. */
  gap(reason: string): void {
    for (const sink of this.sinks) sink.gap(reason);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.sinks.clear();
    this.closed = true;
    this.listening = false;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    this.stopFollowing?.();
    this.wakeAll();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private async open(): Promise<void> {
    const server = this.locator ? await this.locator.primary() : undefined;
    const client = new (pgDriver().Client)(clientConfig(this.options, 'listen', server));
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => this.dispatch(message.payload ?? ''));
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(this.channel)}`);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      if (server) this.locator?.markSuspect(server);
      throw asConnectionError(err, this.address, 'cannot open the LISTEN connection');
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.server = server;
    this.listening = true;
    this.reconnectDelay = RECONNECT_MIN_MS;
  }

  private lost(client: pg.Client): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    this.listening = false;
    if (this.server) this.locator?.markSuspect(this.server);
    client.end().catch(() => {});
    // Waiters fall back to short polling until the connection is back.
    this.wakeAll();
    this.gap('the PostgreSQL LISTEN connection was lost; events notified until it is back are lost');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(RECONNECT_MAX_MS, delay * 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.open().then(
        // Anything notified while we were away is lost: everyone re-checks.
        () => this.wakeAll(),
        () => this.scheduleReconnect(),
      );
    }, delay);
    this.reconnectTimer.unref();
  }

  private async ping(): Promise<void> {
    const client = this.client;
    if (!client) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('ping timed out')), PING_TIMEOUT_MS);
    });
    try {
      await Promise.race([client.query('SELECT 1'), timeout]);
    } catch {
      this.lost(client);
    } finally {
      clearTimeout(timer);
    }
  }

  private dispatch(payload: string): void {
    if (payload.startsWith('e:')) {
      if (this.sinks.size === 0) return;
      const events = decodeWire(payload.slice(2));
      for (const sink of this.sinks) sink.events(events);
      return;
    }
    if (!payload.startsWith('q:')) return;
    const queue = payload.slice(2);
    for (const [watch, queues] of this.queueWatches) if (queues.includes(queue)) watch.wake();
  }

  private wakeAll(): void {
    for (const watch of this.queueWatches.keys()) watch.wake();
  }
}
