// The connection pool: poolSize core connections that stay open, up to maxOverflow more for bursts
// (closed again after overflowIdleTimeout idle), a bounded wait for a free connection
// (poolTimeout), and a maximum connection age (poolRecycle). Every query goes through `query` or
// `transaction`, which turn connection failures into ConnectionError.
import pg from 'pg';
import { ConnectionError } from '../../core/errors.js';
import { asConnectionError, clientConfig, isConnectionFailure } from './connection.js';
import type { ResolvedPostgresOptions } from './options.js';

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
}

export type Row = Record<string, unknown>;

export class Pool {
  private readonly pool: pg.Pool;
  private readonly max: number;

  constructor(
    private readonly options: ResolvedPostgresOptions,
    private readonly address: string,
  ) {
    this.max = options.poolSize + options.maxOverflow;
    this.pool = new pg.Pool({
      ...clientConfig(options, 'pool'),
      max: this.max,
      // pg-pool reaps idle connections only while more than `min` are open: the overflow ones.
      min: options.poolSize,
      idleTimeoutMillis: options.overflowIdleTimeout,
      maxLifetimeSeconds: options.poolRecycle / 1000,
    });
    // An idle connection dropped by the server (restart, pg_terminate_backend) is removed by the
    // pool itself; without a listener the 'error' event would crash the process.
    this.pool.on('error', () => {});
  }

  /** Connections open right now (busy + idle), for tests and diagnostics. */
  get size(): number {
    return this.pool.totalCount;
  }

  async query<R extends Row = Row>(statement: Statement): Promise<pg.QueryResult<R>> {
    try {
      return await this.queryOnce<R>(statement);
    } catch (err) {
      // A statement chosen as a deadlock victim was rolled back whole: running it again is safe.
      if ((err as { code?: unknown }).code !== DEADLOCK_DETECTED) throw err;
      return this.queryOnce<R>(statement);
    }
  }

  private async queryOnce<R extends Row>(statement: Statement): Promise<pg.QueryResult<R>> {
    const client = await this.acquire();
    let failure: unknown;
    try {
      return await client.query<R>(statement);
    } catch (err) {
      failure = err;
      throw asConnectionError(err, this.address, 'query failed');
    } finally {
      // A connection that failed at the socket level is not put back.
      client.release(failure !== undefined && isConnectionFailure(failure) ? (failure as Error) : undefined);
    }
  }

  /** Runs `fn` inside BEGIN/COMMIT on one connection (ROLLBACK when it throws). */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.acquire();
    let failure: unknown;
    try {
      await client.query('BEGIN');
      const value = await fn(client);
      await client.query('COMMIT');
      return value;
    } catch (err) {
      failure = err;
      await client.query('ROLLBACK').catch(() => {});
      throw asConnectionError(err, this.address, 'transaction failed');
    } finally {
      client.release(failure !== undefined && isConnectionFailure(failure) ? (failure as Error) : undefined);
    }
  }

  async end(): Promise<void> {
    await this.pool.end();
  }

  /** A free connection: an idle one, a new one (bounded by connectTimeout), or — when all are
   *  busy — the next one released, waited for at most poolTimeout. */
  private async acquire(): Promise<pg.PoolClient> {
    const saturated = this.pool.waitingCount > 0 || (this.pool.idleCount === 0 && this.pool.totalCount >= this.max);
    const pending = this.pool.connect();
    if (!saturated) return pending.catch((err: unknown) => Promise.reject(asConnectionError(err, this.address, 'cannot connect')));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // The queued request stays in pg's queue; hand its connection straight back when it comes.
        pending.then((client) => client.release(), () => {});
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
