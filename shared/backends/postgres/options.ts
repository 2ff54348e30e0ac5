// PostgreSQL backend options: validated with zod so a bad value names the option, then resolved
// into the exact numbers the pool, the listener and the queries use.
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { z } from 'zod';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../../core/backend.js';
import { ConfigurationError } from '../../core/errors.js';
import { parseOptions } from '../../core/validate.js';

export interface PostgresOptions {
  /** `postgres://user:password@host:port/database?sslmode=...`. Use either this or the separate
   *  connection fields below, not both. */
  connectionString?: string;
  /** Default: libpq's usual environment (`PGHOST`, ...) and then `localhost`. */
  host?: string;
  /** Default 5432. */
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  /** Passed to `pg` as is: `true` for TLS with verification, or Node TLS options. */
  ssl?: boolean | TlsOptions;
  /** Schema that holds every table (created on connect). Default `sitq`. */
  schema?: string;
  /** Connections kept open once opened (core pool). Default 10. */
  poolSize?: number;
  /** Extra connections opened for bursts beyond poolSize, closed again after
   *  `overflowIdleTimeout` ms idle. Default 10. */
  maxOverflow?: number;
  /** How long (ms) an idle overflow connection stays open. Default 10000. */
  overflowIdleTimeout?: number;
  /** How long (ms) an operation waits for a free connection when all poolSize + maxOverflow are
   *  busy, before it fails with PoolTimeoutError. Default 30000. */
  poolTimeout?: number;
  /** Maximum lifetime of a connection in ms (it is closed and replaced once it is idle past
   *  this age); 0 keeps connections forever. Default 3600000 (one hour). */
  poolRecycle?: number;
  /** How long (ms) opening one connection may take before ConnectionError. Default 5000. */
  connectTimeout?: number;
  /** High availability: a primary and its replicas, as `host:port` (`[::1]:5432` for IPv6; the
   *  port defaults to 5432) or `{ host, port }`. The backend writes to whichever one answers
   *  `pg_is_in_recovery() = false`, and moves to a promoted replica when the primary goes away.
   *  Use instead of `host`/`port`/`connectionString`. */
  hosts?: Array<string | { host: string; port?: number }>;
  /** With `hosts`: how long (ms) operations wait for a primary after the current one went away
   *  (a replica being promoted) before they fail with NoPrimaryError. Default 30000. */
  failoverTimeout?: number;
  /** A query with no answer after this many ms fails with ConnectionError and its connection is
   *  closed (a silent network stall is found here, not after minutes of TCP retries); 0 turns it
   *  off. Default 30000. */
  queryTimeout?: number;
  /** How often (ms) the idle LISTEN connection is pinged, and the TCP keep-alive delay of every
   *  connection: a connection whose peer went silent is replaced within about this plus 5 s.
   *  0 turns both off. Default 15000. */
  keepAlive?: number;
}

/** The identifier rule for `schema`: unquoted-safe, so it can be spliced into SQL. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

const ms = (max: number) => z.number().int().min(0).max(max);

const schema = z.strictObject({
  connectionString: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'a URL starting with postgres:// or postgresql://')
    .optional(),
  host: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  database: z.string().min(1).optional(),
  user: z.string().min(1).optional(),
  password: z.string().optional(),
  ssl: z.union([z.boolean(), z.record(z.string(), z.unknown())]).optional(),
  schema: z.string().regex(SCHEMA_NAME, 'a lower-case identifier (letters, digits, _; at most 63)').optional(),
  poolSize: z.number().int().min(1).max(1000).optional(),
  maxOverflow: z.number().int().min(0).max(1000).optional(),
  overflowIdleTimeout: ms(3_600_000).min(1).optional(),
  poolTimeout: ms(3_600_000).min(1).optional(),
  poolRecycle: ms(7 * 24 * 3_600_000).optional(),
  connectTimeout: ms(600_000).min(1).optional(),
  hosts: z
    .array(z.union([z.string().min(1), z.strictObject({ host: z.string().min(1), port: z.number().int().min(1).max(65535).optional() })]))
    .min(1)
    .max(32)
    .optional(),
  failoverTimeout: ms(3_600_000).min(1).optional(),
  queryTimeout: ms(3_600_000).optional(),
  keepAlive: ms(3_600_000).optional(),
});

/** One server of `hosts`. */
export interface HostAddress {
  host: string;
  port: number;
}

const DEFAULT_PORT = 5432;
// host, host:port, [v6], [v6]:port
const HOST_PORT = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:/@[\]]+))(?::(\d{1,5}))?$/;

/** `host:port` as written in `hosts`; undefined when it is not one. */
export function parseHost(entry: string | { host: string; port?: number }): HostAddress | undefined {
  if (typeof entry !== 'string') return { host: entry.host, port: entry.port ?? DEFAULT_PORT };
  const match = HOST_PORT.exec(entry.trim());
  if (!match) return undefined;
  const port = match[3] === undefined ? DEFAULT_PORT : Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1] ?? match[2], port };
}

/** `host:port`, with brackets around an IPv6 address. */
export function formatHost({ host, port }: HostAddress): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Where and as whom to connect; with `hosts`, each host replaces `host`/`port` here. */
export interface ServerTarget {
  connectionString?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  ssl?: boolean | TlsOptions;
}

export interface ResolvedPostgresOptions {
  target: ServerTarget;
  /** Set when `hosts` was given: the servers to find the primary among, in the order given. */
  hosts: HostAddress[] | undefined;
  failoverTimeout: number;
  queryTimeout: number;
  keepAlive: number;
  schema: string;
  poolSize: number;
  maxOverflow: number;
  overflowIdleTimeout: number;
  poolTimeout: number;
  poolRecycle: number;
  connectTimeout: number;
}

const FIELD_KEYS = ['host', 'port', 'database', 'user', 'password'] as const;

export function resolveOptions(input: PostgresOptions | undefined): ResolvedPostgresOptions {
  const options = parseOptions(schema, input ?? {}, 'postgres');
  // pg lets a connection string silently override the fields; say so instead of guessing.
  const mixed = options.connectionString ? FIELD_KEYS.filter((key) => options[key] !== undefined) : [];
  if (mixed.length > 0) {
    throw new ConfigurationError({
      option: `postgres.${mixed[0]}`,
      expected: 'either connectionString or the separate fields (host, port, database, user, password), not both',
    });
  }
  // libpq's multi-host URLs (postgres://u@h1:5432,h2:5432/db) are not understood by pg.
  if (options.connectionString && /^postgres(ql)?:\/\/[^/?#]*,/.test(options.connectionString)) {
    throw new ConfigurationError({
      option: 'postgres.connectionString',
      expected: 'one host; for a primary and its replicas use hosts (with user, password, database as fields)',
    });
  }
  // pg would throw a bare TypeError at connect; the value is not echoed (it may hold a password).
  if (options.connectionString && !pgParsesUrl(options.connectionString)) {
    throw new ConfigurationError({
      option: 'postgres.connectionString',
      expected: 'a URL pg can parse (a port of 1-65535; percent-encode special characters in the user and password)',
    });
  }
  const hosts = options.hosts?.map((entry, i) => {
    const host = parseHost(entry);
    if (!host)
      throw new ConfigurationError({
        option: `postgres.hosts.${i}`,
        expected: 'host:port (e.g. "db1:5432", "[::1]:5432") or { host, port }',
        // user:password@host is not a host: never echo what may hold a password.
        ...(typeof entry === 'string' && entry.includes('@') ? {} : { given: entry }),
      });
    return host;
  });
  const clash = hosts ? (['connectionString', 'host', 'port'] as const).find((key) => options[key] !== undefined) : undefined;
  if (clash) {
    throw new ConfigurationError({
      option: `postgres.${clash}`,
      expected: 'not together with hosts (hosts lists every server; user, password, database and ssl apply to each)',
    });
  }
  if (!hosts && options.failoverTimeout !== undefined) {
    throw new ConfigurationError({ option: 'postgres.failoverTimeout', expected: 'only together with hosts (a primary and its replicas)' });
  }
  const target: ServerTarget = {};
  if (options.connectionString !== undefined) target.connectionString = options.connectionString;
  for (const key of FIELD_KEYS) if (options[key] !== undefined) Object.assign(target, { [key]: options[key] });
  if (options.ssl !== undefined) target.ssl = options.ssl as boolean | TlsOptions;
  return {
    target,
    hosts,
    failoverTimeout: options.failoverTimeout ?? 30_000,
    queryTimeout: options.queryTimeout ?? 30_000,
    keepAlive: options.keepAlive ?? 15_000,
    schema: options.schema ?? 'sitq',
    poolSize: options.poolSize ?? 10,
    maxOverflow: options.maxOverflow ?? 10,
    overflowIdleTimeout: options.overflowIdleTimeout ?? 10_000,
    poolTimeout: options.poolTimeout ?? 30_000,
    poolRecycle: options.poolRecycle ?? 3_600_000,
    connectTimeout: options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS,
  };
}

/** Whether pg's connection-string parser will accept `url`: it reads it with WHATWG URL after
 *  encoding spaces and stray `%`, retrying once with a dummy host for `user@/db` (a socket). */
function pgParsesUrl(url: string): boolean {
  const text = / |%[^a-f0-9]|%[a-f0-9][^a-f0-9]/i.test(url) ? encodeURI(url).replace(/%25(\d\d)/g, '%$1') : url;
  for (const candidate of [text, text.replace('@/', '@___DUMMY___/')]) {
    try {
      new URL(candidate, 'postgres://base');
      return true;
    } catch {
      // try the next form
    }
  }
  return false;
}

/** `postgres://user@host:port/db` (`host1:port1,host2:port2` for several hosts, as libpq writes
 *  them): where the target points, never a password. */
export function describeTarget(target: ServerTarget, hosts?: readonly HostAddress[]): string {
  let user = target.user ?? process.env.PGUSER;
  let host = target.host ?? process.env.PGHOST;
  let port = target.port ?? (process.env.PGPORT ? Number(process.env.PGPORT) : undefined);
  let database = target.database ?? process.env.PGDATABASE;
  if (target.connectionString) {
    try {
      const url = new URL(target.connectionString);
      user = decodeURIComponent(url.username) || user;
      host = url.hostname ? decodeURIComponent(url.hostname) : (url.searchParams.get('host') ?? host);
      port = url.port ? Number(url.port) : port;
      database = decodeURIComponent(url.pathname.replace(/^\//, '')) || database;
    } catch {
      // Unparseable strings are pg's to reject at connect; the address just stays generic.
    }
  }
  user ??= process.env.USER ?? 'postgres';
  host ??= 'localhost';
  port ??= 5432;
  database ??= user;
  const where = hosts ? hosts.map(formatHost).join(',') : formatHost({ host, port });
  return `postgres://${user}@${where}/${database}`;
}

/** The option schema the registration publishes (JSON schema, settings, docs are generated from it). */
export { schema as optionSchema };
