// How a throwaway server is started: one command line for redis-server and nats-server, and one
// way to find a spare port, for the fault tool's private servers and the tests' (HA, security),
// so they do not drift apart. Loopback only, no persistence for Redis, JetStream on for NATS.
import { createServer } from 'node:net';
import { SitqError } from '../../shared/core/errors.js';

export class NoFreePortError extends SitqError {}

/** The first port of `first`-`last` that 127.0.0.1 can listen on and `reserved` does not hold.
 *  It is added to `reserved`, so a second call does not hand it out again before its server
 *  listens; `what` names the server in the error when every port is taken. */
export async function freePortIn(first: number, last: number, what: string, reserved = new Set<number>()): Promise<number> {
  for (let port = first; port <= last; port++) {
    if (reserved.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) {
      reserved.add(port);
      return port;
    }
  }
  throw new NoFreePortError(`no free port in ${first}-${last} for ${what}`);
}

export interface RedisTlsFiles {
  certFile: string;
  keyFile: string;
  caFile: string;
}

/** redis-server options that serve TLS with these files; clients are not asked for certificates. */
export function redisTlsArgs(tls: RedisTlsFiles): string[] {
  return ['--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile, '--tls-ca-cert-file', tls.caFile, '--tls-auth-clients', 'no'];
}

/** redis-server options: on 127.0.0.1:`port` (TLS only when `tls`), files in `dir`, nothing saved. */
export function redisServerArgs(port: number, dir: string, tls?: RedisTlsFiles): string[] {
  const listen = tls ? ['--port', '0', '--tls-port', String(port), ...redisTlsArgs(tls)] : ['--port', String(port)];
  return [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'no'];
}

/** nats-server options: on 127.0.0.1:`port` with JetStream storing in `storeDir`. */
export function natsServerArgs(port: number, storeDir: string): string[] {
  return ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir];
}
