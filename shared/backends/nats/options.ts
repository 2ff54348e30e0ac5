// NATS JetStream backend options: validated with zod so a bad value names the option, then
// resolved into the exact settings the connection and the stream names use.
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../../core/backend.js';
import { ConfigurationError } from '../../core/errors.js';
import { parseOptions } from '../../core/validate.js';

/** TLS settings passed to the nats client as they are (files are read by the client). */
export interface NatsTlsOptions {
  caFile?: string;
  ca?: string;
  certFile?: string;
  cert?: string;
  keyFile?: string;
  key?: string;
  /** TLS before the NATS INFO exchange; the server must be configured for it. */
  handshakeFirst?: boolean;
}

export interface NatsOptions {
  /** Server URLs (`nats://host:port`); several for a cluster. Default `nats://127.0.0.1:4222`. */
  servers?: string | string[];
  /** The work-queue stream; its KV buckets are `<streamName>_TASKS` and `<streamName>_META`.
   *  Default `SITQ_TASKS`. */
  streamName?: string;
  /** Copies of the stream and both KV buckets kept by a JetStream cluster (1-5; 3 on a 3-node
   *  cluster survives the loss of one node). Used when they are created; existing ones keep
   *  theirs. Default 1. */
  replicas?: number;
  /** Reconnect attempts per server after a connection loss; -1 = keep trying. Default -1. */
  maxReconnectAttempts?: number;
  /** ms between reconnect attempts to one server. Default 2000. */
  reconnectWait?: number;
  /** ms between client PINGs that check the connection is alive. Default 20000. */
  pingInterval?: number;
  /** Unanswered PINGs after which the connection is considered stale and re-opened. Default 3. */
  maxPingsOutstanding?: number;
  /** Username/password authentication (`pass` needs `user`). */
  user?: string;
  pass?: string;
  /** Token authentication. */
  token?: string;
  /** A `.creds` file (user JWT + NKey seed) for decentralized (operator) authentication. */
  credsFile?: string;
  /** An NKey user seed (`SU...`) for NKey authentication. */
  nkey?: string;
  /** `true` for TLS with the system's CAs, or the client's TLS options. */
  tls?: boolean | NatsTlsOptions;
  /** ms `connect()` may take in all before it fails with ConnectionError. Default 5000. */
  connectTimeout?: number;
}

const ms = (min: number, max: number) => z.number().int().min(min).max(max);

const tlsSchema = z.strictObject({
  caFile: z.string().min(1).optional(),
  ca: z.string().min(1).optional(),
  certFile: z.string().min(1).optional(),
  cert: z.string().min(1).optional(),
  keyFile: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  handshakeFirst: z.boolean().optional(),
});

const SERVER_URL = /^((nats|tls|ws|wss):\/\/)?[^\s/]+(:\d{1,5})?\/?$/;

/** The shape above, and a URL Node can parse (so a port above 65535 is refused here, not at connect). */
function isServerUrl(value: string): boolean {
  if (!SERVER_URL.test(value)) return false;
  try {
    new URL(/^[a-z]+:\/\//.test(value) ? value : `nats://${value}`);
    return true;
  } catch {
    return false;
  }
}
const serverUrl = z.string().refine(isServerUrl, 'a server URL like nats://host:4222 (port 1-65535)');

const schema = z.strictObject({
  servers: z.union([serverUrl, z.array(serverUrl).min(1)]).optional(),
  // Stream names become subject tokens and KV bucket names: no dots, wildcards or spaces.
  streamName: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,48}$/, 'a stream name of 1-48 letters, digits, "_" or "-"')
    .optional(),
  replicas: z.number().int().min(1).max(5).optional(),
  maxReconnectAttempts: z.number().int().min(-1).max(1_000_000).optional(),
  reconnectWait: ms(0, 600_000).optional(),
  pingInterval: ms(10, 3_600_000).optional(),
  maxPingsOutstanding: z.number().int().min(1).max(1000).optional(),
  user: z.string().min(1).optional(),
  pass: z.string().optional(),
  token: z.string().min(1).optional(),
  credsFile: z.string().min(1).optional(),
  nkey: z
    .string()
    .regex(/^SU[A-Z2-7]{56}$/, 'an NKey user seed (58 characters starting with SU)')
    .optional(),
  tls: z.union([z.boolean(), tlsSchema]).optional(),
  connectTimeout: ms(1, 600_000).optional(),
});

export type NatsCredentials =
  | { kind: 'none' }
  | { kind: 'userPass'; user: string; pass: string }
  | { kind: 'token'; token: string }
  | { kind: 'creds'; file: string }
  | { kind: 'nkey'; seed: string };

export interface ResolvedNatsOptions {
  servers: string[];
  streamName: string;
  replicas: number;
  maxReconnectAttempts: number;
  reconnectWait: number;
  pingInterval: number;
  maxPingsOutstanding: number;
  credentials: NatsCredentials;
  tls?: NatsTlsOptions;
  connectTimeout: number;
}

export const DEFAULT_STREAM = 'SITQ_TASKS';

export function resolveOptions(input: NatsOptions | undefined): ResolvedNatsOptions {
  const o = parseOptions(schema, input ?? {}, 'nats');
  const servers = o.servers === undefined ? ['nats://127.0.0.1:4222'] : Array.isArray(o.servers) ? o.servers : [o.servers];
  const resolved: ResolvedNatsOptions = {
    servers,
    streamName: o.streamName ?? DEFAULT_STREAM,
    replicas: o.replicas ?? 1,
    maxReconnectAttempts: o.maxReconnectAttempts ?? -1,
    reconnectWait: o.reconnectWait ?? 2000,
    pingInterval: o.pingInterval ?? 20_000,
    maxPingsOutstanding: o.maxPingsOutstanding ?? 3,
    credentials: resolveCredentials(o),
    connectTimeout: o.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS,
  };
  if (o.tls === true) resolved.tls = {};
  else if (o.tls && typeof o.tls === 'object') resolved.tls = o.tls;
  return resolved;
}

function resolveCredentials(o: z.output<typeof schema>): NatsCredentials {
  const given = (['user', 'token', 'credsFile', 'nkey'] as const).filter((k) => o[k] !== undefined);
  if (o.pass !== undefined && o.user === undefined) {
    throw new ConfigurationError({ option: 'nats.user', expected: 'a user name when `pass` is set' });
  }
  if (given.length > 1) {
    throw new ConfigurationError({ option: `nats.${given[1]}`, expected: `only one way to authenticate (also given: ${given[0]})` });
  }
  if (o.credsFile !== undefined && !existsSync(o.credsFile)) {
    throw new ConfigurationError({ option: 'nats.credsFile', expected: 'a readable .creds file', given: o.credsFile });
  }
  if (o.user !== undefined) return { kind: 'userPass', user: o.user, pass: o.pass ?? '' };
  if (o.token !== undefined) return { kind: 'token', token: o.token };
  if (o.credsFile !== undefined) return { kind: 'creds', file: o.credsFile };
  if (o.nkey !== undefined) return { kind: 'nkey', seed: o.nkey };
  return { kind: 'none' };
}

/** A server URL with any `user:pass@` removed. */
export function redactServer(url: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(url) ? url : `nats://${url}`;
  return withScheme.replace(/^([a-z]+:\/\/)[^@/]*@/i, '$1');
}

/** `nats://host:port (stream X)`, with no credentials. */
export function describeTarget(o: ResolvedNatsOptions): string {
  return `${o.servers.map(redactServer).join(', ')} (stream ${o.streamName})`;
}

/** The option schema the registration publishes (JSON schema, settings, docs are generated from it). */
export { schema as optionSchema };
