// The one place that turns options into pg client settings and pg failures into ConnectionError.
// The pool, the LISTEN client and the HA probes all connect through here.
import type pg from 'pg';
import { pgDriver } from './driver.js';
import { ConnectionError } from '../../core/errors.js';
import type { HostAddress, ResolvedPostgresOptions } from './options.js';

/** int8 (bigint, count(*)) as a JS number: every value we store (epoch ms, tokens, sequence
 *  numbers, counts) stays far below 2^53. (pg is loaded by the first connection that asks.) */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    const pgTypes = pgDriver().types;
    return oid === pgTypes.builtins.INT8 ? Number : pgTypes.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

/** Settings for one connection; `role` shows up in pg_stat_activity as the application name.
 *  `server` (one of `hosts`) replaces the configured host and port. */
export function clientConfig(options: ResolvedPostgresOptions, role: 'pool' | 'listen' | 'probe', server?: HostAddress): pg.ClientConfig {
  const { target } = options;
  const config: pg.ClientConfig = {
    connectionTimeoutMillis: options.connectTimeout,
    keepAlive: options.keepAlive > 0,
    keepAliveInitialDelayMillis: options.keepAlive,
    application_name: `sitq ${role} (${options.schema})`.slice(0, 63),
    types: TYPES,
  };
  // pg fails the call after this long; the pool then closes the connection (see pool.ts).
  if (options.queryTimeout > 0) config.query_timeout = options.queryTimeout;
  if (target.connectionString !== undefined) config.connectionString = target.connectionString;
  if (target.host !== undefined) config.host = target.host;
  if (target.port !== undefined) config.port = target.port;
  if (target.database !== undefined) config.database = target.database;
  if (target.user !== undefined) config.user = target.user;
  if (target.password !== undefined) config.password = target.password;
  if (target.ssl !== undefined) config.ssl = target.ssl;
  if (server) {
    config.host = server.host;
    config.port = server.port;
  }
  return config;
}

// SQLSTATEs that mean "cannot talk to this server" rather than "the query is wrong": connection
// exceptions, shutdowns, too many connections, authentication failures, no such database.
const CONNECTION_SQLSTATE = /^(08|57P0[1-3]|53300|28|3D000)/;
const CONNECTION_MESSAGE =
  /Connection terminated|Query read timeout|after calling end on the pool|connection timeout|timeout expired|Client has encountered a connection error|not queryable|does not support SSL|ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|EPIPE/i;

export function isConnectionFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err instanceof ConnectionError) return true;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_SQLSTATE.test(code) || /^E[A-Z]+$/.test(code))) return true;
  return CONNECTION_MESSAGE.test(err.message) || (err instanceof AggregateError && err.errors.some(isConnectionFailure));
}

// read_only_sql_transaction: the server we write to is a replica now (demoted in a switchover).
const READ_ONLY = '25006';

/** The server answered, but it is not (or no longer) the primary. */
export function isNotPrimary(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === READ_ONLY;
}

/** Wraps a connection failure as ConnectionError (with the redacted address); anything else is
 *  returned unchanged. */
export function asConnectionError(err: unknown, address: string, doing: string): unknown {
  if (err instanceof ConnectionError || !(isConnectionFailure(err) || isNotPrimary(err))) return err;
  return new ConnectionError('postgres', address, `${doing}: ${describeFailure(err as Error)}`, { cause: err });
}

export function describeFailure(err: Error): string {
  if (err instanceof AggregateError && err.errors.length > 0) return describeFailure(err.errors[0] as Error);
  const code = (err as { code?: unknown }).code;
  const text = err.message || String(code ?? 'unknown error');
  return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
}
