// Opening the NATS connection (credentials, TLS, reconnect and ping settings) and turning the
// client's errors into ConnectionError with a redacted address.
import { readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import type { ConnectionOptions, NatsConnection } from 'nats';
import { natsDriver } from './driver.js';
import { ConnectionError, SitqError } from '../../core/errors.js';
import { redactServer, type ResolvedNatsOptions } from './options.js';

const BACKEND = 'NATS JetStream';

/** Client error codes that mean "the server could not be reached or the link is gone". */
const CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_DRAINING',
  'CONNECTION_REFUSED',
  'CONNECTION_TIMEOUT',
  'DISCONNECT',
  'TIMEOUT',
  'AUTHORIZATION_VIOLATION',
  'AUTHENTICATION_EXPIRED',
  'AUTHENTICATION_TIMEOUT',
  'PERMISSIONS_VIOLATION',
  'SERVER_OPTION_NA',
  'BAD_AUTHENTICATION',
  '503',
]);

export function isConnectionFailure(err: unknown): boolean {
  if (err instanceof ConnectionError) return true;
  if (err instanceof natsDriver().NatsError) return CONNECTION_CODES.has(err.code);
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE)$/.test(code);
}

/** Wraps anything the client threw: connection trouble becomes ConnectionError, the rest a
 *  SitqError that says which backend spoke. Never includes credentials. */
export function toNatsError(err: unknown, address: string, doing: string): Error {
  if (err instanceof SitqError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (isConnectionFailure(err))
    return new ConnectionError(BACKEND, address, `${doing} failed: ${describeFailure(err, message)}`, { cause: err });
  return new SitqError(`${BACKEND} at ${address}: ${doing} failed: ${message}`, { cause: err });
}

function describeFailure(err: unknown, message: string): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === '503') return 'JetStream is not available on this server (start nats-server with -js)';
  if (code === 'AUTHORIZATION_VIOLATION') return 'the server refused the credentials (authorization violation)';
  return message;
}

export function connectionOptions(o: ResolvedNatsOptions): ConnectionOptions {
  const options: ConnectionOptions = {
    servers: o.servers,
    timeout: o.connectTimeout,
    maxReconnectAttempts: o.maxReconnectAttempts,
    reconnectTimeWait: o.reconnectWait,
    pingInterval: o.pingInterval,
    maxPingOut: o.maxPingsOutstanding,
    // natsDriver().connect() must fail within connectTimeout, not keep retrying a server that is down.
    waitOnFirstConnect: false,
    name: 'sitq',
  };
  const c = o.credentials;
  if (c.kind === 'userPass') {
    options.user = c.user;
    options.pass = c.pass;
  } else if (c.kind === 'token') options.token = c.token;
  else if (c.kind === 'creds') options.authenticator = natsDriver().credsAuthenticator(new Uint8Array(readFileSync(c.file)));
  else if (c.kind === 'nkey') options.authenticator = natsDriver().nkeyAuthenticator(new TextEncoder().encode(c.seed));
  if (o.tls) options.tls = { ...o.tls };
  return options;
}

/** Connects, failing with ConnectionError within `connectTimeout` whatever the client does. */
export async function openConnection(o: ResolvedNatsOptions, address: string): Promise<NatsConnection> {
  let timer: NodeJS.Timeout | undefined;
  const attempt = natsDriver().connect(connectionOptions(o));
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ConnectionError(BACKEND, address, `no connection within ${o.connectTimeout} ms (connectTimeout)`)),
      o.connectTimeout,
    );
  });
  try {
    return await Promise.race([attempt, timeout]);
  } catch (err) {
    // A connection that completes after we gave up must not linger.
    attempt.then((nc) => nc.close()).catch(() => {});
    // Whatever stopped it (refused, TLS, credentials), there is no connection.
    if (err instanceof ConnectionError) throw err;
    const reason = describeFailure(err, err instanceof Error ? err.message : String(err));
    throw new ConnectionError(BACKEND, address, `connecting failed: ${reason}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

/** Whether a server accepts a TCP connection within `timeoutMs`, and the name it gives in the
 *  INFO line every NATS server sends first (to match it with a stream's leader and replicas). */
export function probeServer(url: string, timeoutMs: number): Promise<{ reachable: boolean; name?: string }> {
  const { host, port } = hostPort(url);
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    let reachable = false;
    let received = '';
    const done = (name?: string) => {
      socket.destroy();
      resolve(name === undefined ? { reachable } : { reachable, name });
    };
    socket.setTimeout(timeoutMs, () => done());
    socket.once('connect', () => (reachable = true));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\r\n');
      if (end < 0 && received.length < 64 * 1024) return;
      done(serverName(received.slice(0, end < 0 ? undefined : end)));
    });
    socket.once('error', () => done());
  });
}

function serverName(infoLine: string): string | undefined {
  if (!infoLine.startsWith('INFO ')) return undefined;
  try {
    const info = JSON.parse(infoLine.slice(5)) as { server_name?: unknown };
    return typeof info.server_name === 'string' ? info.server_name : undefined;
  } catch {
    return undefined;
  }
}

export function hostPort(url: string): { host: string; port: number } {
  const parsed = new URL(redactServer(url).replace(/^[a-z]+:\/\//i, 'http://'));
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: parsed.port ? Number(parsed.port) : 4222 };
}
