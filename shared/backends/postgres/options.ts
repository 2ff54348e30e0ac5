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
});

/** Where to connect. Kept apart from the pool numbers so several hosts (HA) can be added here. */
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
  const target: ServerTarget = {};
  if (options.connectionString !== undefined) target.connectionString = options.connectionString;
  for (const key of FIELD_KEYS) if (options[key] !== undefined) Object.assign(target, { [key]: options[key] });
  if (options.ssl !== undefined) target.ssl = options.ssl as boolean | TlsOptions;
  return {
    target,
    schema: options.schema ?? 'sitq',
    poolSize: options.poolSize ?? 10,
    maxOverflow: options.maxOverflow ?? 10,
    overflowIdleTimeout: options.overflowIdleTimeout ?? 10_000,
    poolTimeout: options.poolTimeout ?? 30_000,
    poolRecycle: options.poolRecycle ?? 3_600_000,
    connectTimeout: options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS,
  };
}

/** `postgres://user@host:port/db`: where the target points, never a password. */
export function describeTarget(target: ServerTarget): string {
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
  return `postgres://${user}@${host}:${port}/${database}`;
}
