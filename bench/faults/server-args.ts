// How a throwaway redis-server or nats-server is started: one command line for the fault tool's
// private servers and the tests' (HA, security), so they do not drift apart. Loopback only, no
// persistence for Redis, JetStream on for NATS.

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
