// Redis backend options: validated with zod so a bad value names the option, then resolved into
// the exact numbers the connections use.
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { z } from 'zod';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../../core/backend.js';
import { ConfigurationError } from '../../core/errors.js';
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
  /** ms between application-level PINGs on connections that otherwise sit idle (the finish
   *  subscriber), so a peer that stopped answering without closing the socket is noticed within
   *  keepAlive + socketTimeout. Also the TCP keepalive delay of every socket. 0 turns both off.
   *  Default 10000. */
  keepAlive?: number;
  /** Redis Cluster instead of one server (then host/port/db are not allowed). */
  cluster?: RedisClusterOptions;
  /** Redis Sentinel: the sentinels to ask for the current master of `name` (then host/port are
   *  not allowed). Connections follow the master through failovers. */
  sentinels?: RedisNodeAddress[];
  /** The master group name the sentinels watch (required with `sentinels`). */
  name?: string;
  /** Credentials for the sentinels themselves, when they differ from the data nodes'. */
  sentinelUsername?: string;
  sentinelPassword?: string;
  /** TLS towards the sentinels too (`tls` covers the data nodes). Default: same as `tls`. */
  sentinelTls?: boolean | TlsOptions;
  /** An enqueue returns only once this many replicas have the new tasks (Redis `WAIT`), so a
   *  failover cannot drop a task whose enqueue returned; fewer in `waitTimeout` and the enqueue
   *  fails with ConnectionError (the tasks may still exist). Costs one replica round trip per
   *  enqueue. Not with `cluster`. Default 0 (off: replication stays asynchronous). */
  waitReplicas?: number;
  /** ms an enqueue waits for `waitReplicas`. Default 1000. */
  waitTimeout?: number;
}

export interface RedisNodeAddress {
  host: string;
  port: number;
}

export interface RedisClusterOptions {
  /** Some of the cluster's nodes; the rest (and who serves which slot) are discovered from them. */
  startupNodes: RedisNodeAddress[];
  /** Most connections the backend opens to each node (the same budget `maxConnections` sets for
   *  one server: each backend connection is one ioredis Cluster client holding at most one socket
   *  per node). Default 10. */
  maxConnectionsPerNode?: number;
  /** ms between background refreshes of the slot map (it is also refreshed on every MOVED
   *  reply). Default 5000. */
  slotsRefreshInterval?: number;
}

const ms = (max: number) => z.number().int().min(0).max(max);

const nodeAddress = z.strictObject({ host: z.string().min(1), port: z.number().int().min(1).max(65535) });

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
  keepAlive: ms(3_600_000).optional(),
  cluster: z
    .strictObject({
      startupNodes: z.array(nodeAddress).min(1).max(100),
      maxConnectionsPerNode: z.number().int().min(1).max(1000).optional(),
      slotsRefreshInterval: ms(3_600_000).min(100).optional(),
    })
    .optional(),
  sentinels: z.array(nodeAddress).min(1).max(100).optional(),
  name: z.string().min(1).max(200).optional(),
  sentinelUsername: z.string().min(1).optional(),
  sentinelPassword: z.string().optional(),
  sentinelTls: z.union([z.boolean(), z.record(z.string(), z.unknown())]).optional(),
  waitReplicas: z.number().int().min(0).max(100).optional(),
  waitTimeout: ms(600_000).min(1).optional(),
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
  /** 0 = off. */
  keepAlive: number;
  /** Which deployment: one server, a cluster, or a master found through sentinels. */
  topology: RedisTopology;
  /** Replicas that must confirm an enqueue (0 = none) and how long to wait for them. */
  waitReplicas: number;
  waitTimeout: number;
}

export type RedisTopology =
  | { kind: 'single' }
  | { kind: 'cluster'; startupNodes: RedisNodeAddress[]; slotsRefreshInterval: number }
  | { kind: 'sentinel'; sentinels: RedisNodeAddress[]; name: string; username?: string; password?: string; tls?: TlsOptions };

type ParsedOptions = z.infer<typeof schema>;

/** The options that cannot be combined, each with the reason given in the error. */
function checkTopology(o: ParsedOptions): void {
  const conflict = (option: string, expected: string, given: unknown) => {
    throw new ConfigurationError({ option: `redis.${option}`, expected, given });
  };
  if (o.cluster && o.sentinels) conflict('sentinels', 'either cluster or sentinels, not both', 'both');
  const deployment = o.cluster ? 'cluster' : o.sentinels ? 'sentinels' : undefined;
  if (deployment) {
    // The nodes come from the cluster / the sentinels; a host here would be silently ignored.
    if (o.host !== undefined) conflict('host', `no host with ${deployment} (the nodes are found through them)`, o.host);
    if (o.port !== undefined) conflict('port', `no port with ${deployment} (the nodes are found through them)`, o.port);
  }
  if (o.cluster) {
    if (o.db !== undefined && o.db !== 0) conflict('db', 'database 0 (Redis Cluster has only one)', o.db);
    if (o.maxConnections !== undefined)
      conflict('maxConnections', 'cluster.maxConnectionsPerNode instead (with cluster the budget is per node)', o.maxConnections);
  }
  if (o.cluster && o.waitReplicas)
    conflict('waitReplicas', '0 with cluster (a batch spans several masters, each with its own replicas)', o.waitReplicas);
  if (o.waitTimeout !== undefined && !o.waitReplicas) conflict('waitTimeout', 'only together with waitReplicas >= 1', o.waitTimeout);
  if (o.sentinels && o.name === undefined) conflict('name', 'the master group name the sentinels watch', undefined);
  if (!o.sentinels) {
    for (const key of ['name', 'sentinelUsername', 'sentinelPassword', 'sentinelTls'] as const) {
      if (o[key] !== undefined) conflict(key, 'only together with sentinels', key === 'sentinelPassword' ? '(set)' : o[key]);
    }
  }
}

const tlsOf = (tls: ParsedOptions['tls']): TlsOptions | undefined => (tls === true ? {} : tls ? (tls as TlsOptions) : undefined);

export function resolveOptions(input: RedisOptions | undefined): ResolvedRedisOptions {
  const o = parseOptions(schema, input ?? {}, 'redis');
  checkTopology(o);
  const connectTimeout = o.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS;
  let topology: RedisTopology = { kind: 'single' };
  if (o.cluster) {
    topology = { kind: 'cluster', startupNodes: o.cluster.startupNodes, slotsRefreshInterval: o.cluster.slotsRefreshInterval ?? 5000 };
  } else if (o.sentinels) {
    topology = { kind: 'sentinel', sentinels: o.sentinels, name: o.name as string };
    if (o.sentinelUsername !== undefined) topology.username = o.sentinelUsername;
    if (o.sentinelPassword !== undefined) topology.password = o.sentinelPassword;
    const sentinelTls = o.sentinelTls !== undefined ? tlsOf(o.sentinelTls) : tlsOf(o.tls);
    if (sentinelTls) topology.tls = sentinelTls;
  }
  const resolved: ResolvedRedisOptions = {
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 6379,
    db: o.db ?? 0,
    maxConnections: o.cluster?.maxConnectionsPerNode ?? o.maxConnections ?? 10,
    socketTimeout: o.socketTimeout ?? 10_000,
    socketConnectTimeout: o.socketConnectTimeout ?? connectTimeout,
    keyPrefix: o.keyPrefix ?? 'sitq:',
    connectTimeout,
    keepAlive: o.keepAlive ?? 10_000,
    topology,
    waitReplicas: o.waitReplicas ?? 0,
    waitTimeout: o.waitTimeout ?? 1000,
  };
  if (o.username !== undefined) resolved.username = o.username;
  if (o.password !== undefined) resolved.password = o.password;
  const tls = tlsOf(o.tls);
  if (tls) resolved.tls = tls;
  return resolved;
}

/** `host:port`, IPv6 hosts in brackets. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** `redis://` or `rediss://`, then the user (never the password). */
function schemeAndUser(o: ResolvedRedisOptions): string {
  return `${o.tls ? 'rediss' : 'redis'}://${o.username ? `${encodeURIComponent(o.username)}@` : ''}`;
}

/** One node's address as the tools show it. */
export function describeNode(o: ResolvedRedisOptions, host: string, port: number, db?: number): string {
  return `${schemeAndUser(o)}${hostPort(host, port)}${db === undefined ? '' : `/${db}`}`;
}

/** `redis://host:port/db (prefix X)`; `rediss://` with TLS; the user but never the password.
 *  A cluster: `redis://h1:p1,h2:p2 (cluster, prefix X)` (its startup nodes); sentinels:
 *  `redis://<name>/db (sentinels h1:p1,h2:p2, prefix X)`. */
export function describeTarget(o: ResolvedRedisOptions): string {
  const t = o.topology;
  const list = (nodes: RedisNodeAddress[]) => nodes.map((n) => hostPort(n.host, n.port)).join(',');
  const scheme = schemeAndUser(o);
  if (t.kind === 'cluster') return `${scheme}${list(t.startupNodes)} (cluster, prefix ${o.keyPrefix})`;
  if (t.kind === 'sentinel') return `${scheme}${t.name}/${o.db} (sentinels ${list(t.sentinels)}, prefix ${o.keyPrefix})`;
  return `${describeNode(o, o.host, o.port, o.db)} (prefix ${o.keyPrefix})`;
}

/** The option schema the registration publishes (JSON schema, settings, docs are generated from it). */
export { schema as optionSchema };
