// Redis backend options: validated with zod so a bad value names the option, then resolved into
// the exact numbers the connections use.
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { z } from 'zod';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../../core/backend.js';
import { parseOptions } from '../../core/validate.js';

export interface RedisOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 6379. */
  port?: number;
  /** Logical database number. Default 0. */
  db?: number;
  /** ACL user (Redis 6+); needs `password`. */
  username?: string;
  password?: string;
  /** `true` for TLS with the system's CAs, or Node TLS options (`ca`, `servername`, ...) passed as is. */
  tls?: boolean | TlsOptions;
  /** Most connections this backend opens at once: one for commands, one for result notifications
   *  (when at least 3 are allowed), the rest for claims that wait for work. Default 10. */
  maxConnections?: number;
  /** ms a command may wait for its reply before the connection is considered dead (it is then
   *  re-opened and the command fails). 0 turns the check off. Default 10000. */
  socketTimeout?: number;
  /** ms the TCP (and TLS) handshake of one connection may take. Default: `connectTimeout`. */
  socketConnectTimeout?: number;
  /** Every key starts with this. Default `sitq:`. */
  keyPrefix?: string;
  /** ms `connect()` may take in all before it fails with ConnectionError. Default 5000. */
  connectTimeout?: number;
}

const ms = (max: number) => z.number().int().min(0).max(max);

const schema = z.strictObject({
  host: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  db: z.number().int().min(0).max(10_000).optional(),
  username: z.string().min(1).optional(),
  password: z.string().optional(),
  tls: z.union([z.boolean(), z.record(z.string(), z.unknown())]).optional(),
  maxConnections: z.number().int().min(1).max(1000).optional(),
  socketTimeout: ms(3_600_000).optional(),
  socketConnectTimeout: ms(600_000).min(1).optional(),
  // Braces would change the hash tags that keep a queue's keys in one cluster slot; glob
  // characters would make destroy()'s SCAN pattern match other prefixes.
  keyPrefix: z
    .string()
    .regex(/^[^{}*?[\]\\\s]{1,100}$/, 'a key prefix of 1-100 characters without spaces, braces or * ? [ ] \\')
    .optional(),
  connectTimeout: ms(600_000).min(1).optional(),
});

export interface ResolvedRedisOptions {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls?: TlsOptions;
  maxConnections: number;
  /** 0 = off. */
  socketTimeout: number;
  socketConnectTimeout: number;
  keyPrefix: string;
  connectTimeout: number;
}

export function resolveOptions(input: RedisOptions | undefined): ResolvedRedisOptions {
  const o = parseOptions(schema, input ?? {}, 'redis');
  const connectTimeout = o.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const resolved: ResolvedRedisOptions = {
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 6379,
    db: o.db ?? 0,
    maxConnections: o.maxConnections ?? 10,
    socketTimeout: o.socketTimeout ?? 10_000,
    socketConnectTimeout: o.socketConnectTimeout ?? connectTimeout,
    keyPrefix: o.keyPrefix ?? 'sitq:',
    connectTimeout,
  };
  if (o.username !== undefined) resolved.username = o.username;
  if (o.password !== undefined) resolved.password = o.password;
  if (o.tls === true) resolved.tls = {};
  else if (o.tls) resolved.tls = o.tls as TlsOptions;
  return resolved;
}

/** `redis://host:port/db (prefix X)`; `rediss://` with TLS; the user but never the password. */
export function describeTarget(o: ResolvedRedisOptions): string {
  const scheme = o.tls ? 'rediss' : 'redis';
  const user = o.username ? `${encodeURIComponent(o.username)}@` : '';
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return `${scheme}://${user}${host}:${o.port}/${o.db} (prefix ${o.keyPrefix})`;
}
