// The connection pool: poolSize core connections that stay open, up to maxOverflow more for bursts
// (closed again after overflowIdleTimeout idle), a bounded wait for a free connection
// (poolTimeout), and a maximum connection age (poolRecycle). Every query goes through `query` or
// `transaction`, which turn connection failures into ConnectionError. With `hosts` the pool
// connects to the primary the locator names, and moves to a new pg pool when that changes.
import type pg from 'pg';
import { pgDriver } from './driver.js';
import { BackendClosedError, ConnectionError } from '../../core/errors.js';
import { asConnectionError, clientConfig, isConnectionFailure, isNotPrimary } from './connection.js';
import type { HostAddress, ResolvedPostgresOptions } from './options.js';
import { sameHost, type PrimaryLocator } from './primary.js';

/** Every connection of the pool was busy for longer than poolTimeout. */
export class PoolTimeoutError extends ConnectionError {
  constructor(
    address: string,
    readonly poolSize: number,
    readonly maxOverflow: number,
    readonly poolTimeout: number,
  ) {
    super(
      'postgres',
      address,
      `no free connection in the pool within poolTimeout ${poolTimeout} ms ` +
        `(poolSize ${poolSize} + maxOverflow ${maxOverflow}, all busy); ` +
        'raise poolSize, maxOverflow or poolTimeout, or look for slow queries',
    );
  }
}

const DEADLOCK_DETECTED = '40P01';

export interface Statement {
  /** Set for hot-path statements: pg prepares them once per connection. */
  name?: string;
  text: string;
  values?: unknown[];
  /** 'array': rows come back as arrays (see queryArrays). */
  rowMode?: 'array';
}

export type Row = Record<string, unknown>;

/** A plain SELECT changes nothing (none of ours calls a function with side effects). */
function isReadOnly(statement: Statement): boolean {
  return /^\s*SELECT\b/i.test(statement.text);
}

/** The pg pool of one server (the configured one, or the primary of `hosts`). */
interface ServerPool {
  server: HostAddress | undefined;
  pool: pg.Pool;
}

interface Checkout {
  client: pg.PoolClient;
  server: HostAddress | undefined;
}

export class Pool {
  private current: ServerPool | undefined;
  private readonly max: number;
  private ended = false;

  constructor(
    private readonly options: ResolvedPostgresOptions,
    private readonly address: string,
    private readonly locator?: PrimaryLocator,
  ) {
    this.max = options.poolSize + options.maxOverflow;
  }

  /** Connections open right now (busy + idle), for tests and diagnostics. */
  get size(): number {
    return this.current?.pool.totalCount ?? 0;
  }

  async query<R extends Row = Row>(statement: Statement): Promise<pg.QueryResult<R>> {
    return this.queryOnce<R>(statement, 1);
  }

  /** The rows as arrays of column values, in select order: pg then builds no keyed object per
   *  row (a spread of a dictionary-mode object per row, costly for wide rows on the hot path). */
  async queryArrays(statement: Statement): Promise<unknown[][]> {
    const { rows } = await this.queryOnce({ ...statement, rowMode: 'array' }, 1);
    return rows as unknown as unknown[][];
  }

  private async queryOnce<R extends Row>(statement: Statement, retries: number): Promise<pg.QueryResult<R>> {
    const { client, server } = await this.acquire();
    let result: pg.QueryResult<R>;
    try {
      result = await client.query<R>(statement);
    } catch (err) {
      this.giveBack(client, server, err);
      // A statement chosen as a deadlock victim was rolled back whole: running it again is safe.
      // So is a read whose connection was lost (killed while idle in the pool, a server restart,
      // a failover): the retry takes a fresh connection, to the new primary with `hosts`.
      const again = (err as { code?: unknown }).code === DEADLOCK_DETECTED || (isReadOnly(statement) && isConnectionFailure(err));
      if (again && retries > 0) return this.queryOnce<R>(statement, retries - 1);
      throw this.failure(err, 'query failed');
    }
    this.giveBack(client, server, undefined);
    return result;
  }

  /** Runs `fn` inside BEGIN/COMMIT on one connection (ROLLBACK when it throws). */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const { client, server } = await this.acquire();
    let failure: unknown;
    try {
      await client.query('BEGIN');
      const value = await fn(client);
      await client.query('COMMIT');
      return value;
    } catch (err) {
      failure = err;
      // A lost or stalled connection rolls back on the server by itself; asking would only wait.
      if (!isConnectionFailure(err)) await client.query('ROLLBACK').catch(() => {});
      throw this.failure(err, 'transaction failed');
    } finally {
      this.giveBack(client, server, failure);
    }
  }

  /** A statement cut off by end() (the backend's close()) fails as BackendClosedError, not as a
   *  lost connection a retry could cure. */
  private failure(err: unknown, doing: string): unknown {
    return this.ended ? new BackendClosedError('postgres', this.address) : asConnectionError(err, this.address, doing);
  }

  async end(): Promise<void> {
    this.ended = true;
    const current = this.current;
    this.current = undefined;
    await current?.pool.end();
  }

  /** A connection that failed at the socket level (or timed out) is closed, not put back; with
   *  `hosts`, such a failure or a refused write makes the primary suspect. */
  private giveBack(client: pg.PoolClient, server: HostAddress | undefined, failure: unknown): void {
    const broken = failure !== undefined && isConnectionFailure(failure);
    client.release(broken ? (failure as Error) : undefined);
    if (server && (broken || isNotPrimary(failure))) this.locator?.markSuspect(server);
  }

  /** The pg pool to use now: the one server's, or the current primary's (a new one, and the old
   *  one closed, when the primary changed). */
  private async target(): Promise<ServerPool> {
    if (this.ended) throw new BackendClosedError('postgres', this.address);
    if (!this.locator) return (this.current ??= this.open(undefined));
    const server = await this.locator.primary();
    if (this.ended) throw new BackendClosedError('postgres', this.address);
    if (this.current?.server && sameHost(this.current.server, server)) return this.current;
    const old = this.current;
    this.current = this.open(server);
    // Busy connections of the old pool are closed as they come back.
    void old?.pool.end().catch(() => {});
    return this.current;
  }

  private open(server: HostAddress | undefined): ServerPool {
    const pool = new (pgDriver().Pool)({
      ...clientConfig(this.options, 'pool', server),
      max: this.max,
      // pg-pool reaps idle connections only while more than `min` are open: the overflow ones.
      min: this.options.poolSize,
      idleTimeoutMillis: this.options.overflowIdleTimeout,
      maxLifetimeSeconds: this.options.poolRecycle / 1000,
    });
    // An idle connection dropped by the server (restart, pg_terminate_backend) is removed by the
    // pool itself; without a listener the 'error' event would crash the process.
    pool.on('error', () => {});
    // pg emits 'error' on a checked-out connection too when its socket dies mid-query (the query
    // itself fails as well, and that is what we act on); unheard, it would crash the process.
    pool.on('connect', (client) => client.on('error', () => {}));
    return { server, pool };
  }

  /** A free connection: an idle one, a new one (bounded by connectTimeout), or — when all are
   *  busy — the next one released, waited for at most poolTimeout. */
  private async acquire(retry = true): Promise<Checkout> {
    const { server, pool } = await this.target();
    try {
      return { client: await this.connect(pool), server };
    } catch (err) {
      if (!server || err instanceof PoolTimeoutError) throw err;
      // The primary refused a new connection: look for it again (waiting up to failoverTimeout
      // for a promotion) and connect there. Nothing was sent, so trying again is always safe.
      this.locator?.markSuspect(server);
      if (retry) return this.acquire(false);
      throw err;
    }
  }

  private async connect(pool: pg.Pool): Promise<pg.PoolClient> {
    const saturated = pool.waitingCount > 0 || (pool.idleCount === 0 && pool.totalCount >= this.max);
    const pending = pool.connect();
    if (!saturated) return pending.catch((err: unknown) => Promise.reject(asConnectionError(err, this.address, 'cannot connect')));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // The queued request stays in pg's queue; hand its connection straight back when it comes.
        pending.then(
          (client) => client.release(),
          () => {},
        );
        reject(new PoolTimeoutError(this.address, this.options.poolSize, this.options.maxOverflow, this.options.poolTimeout));
      }, this.options.poolTimeout);
    });
    try {
      return await Promise.race([pending, timeout]);
    } catch (err) {
      throw asConnectionError(err, this.address, 'cannot connect');
    } finally {
      clearTimeout(timer);
    }
  }
}
