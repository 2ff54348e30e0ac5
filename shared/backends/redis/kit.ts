// The Redis backend's kit for the project's tools (see ../kit.ts): redis-server's command line
// (also used by the HA and security tests' servers), the standard service stopped with
// SHUTDOWN SAVE, connection kills with CLIENT KILL, the server CPU from INFO commandstats, and
// BullMQ as the profiler's peer (./peer.ts, loaded on request: bullmq is a dev dependency).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { BackendKit } from '../kit.js';
import { childServer, HOST, onPath, shell } from '../servers.js';
import type { RedisOptions } from './options.js';

const LABEL = 'Redis';

export interface RedisTlsFiles {
  certFile: string;
  keyFile: string;
  caFile: string;
}

/** redis-server options that serve TLS with these files; clients are not asked for certificates. */
export function redisTlsArgs(tls: RedisTlsFiles): string[] {
  return ['--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile, '--tls-ca-cert-file', tls.caFile, '--tls-auth-clients', 'no'];
}

/** redis-server options: on 127.0.0.1:`port` (TLS only when `tls`), files in `dir`, nothing saved.
 *  The same settings as ../shared/services.sh. */
export function redisServerArgs(port: number, dir: string, tls?: RedisTlsFiles): string[] {
  const listen = tls ? ['--port', '0', '--tls-port', String(port), ...redisTlsArgs(tls)] : ['--port', String(port)];
  return [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'no'];
}

// SHUTDOWN SAVE writes the data set to disk first: services.sh starts Redis without persistence
// settings, and a Redis started in the same --dir loads that file again.
const stopCommand = (port: number) => `redis-cli -h ${HOST} -p ${port} shutdown save`;

const serverOptions = (host: string, port: number): RedisOptions => ({ host, port });

export const kit: BackendKit<RedisOptions> = {
  server: {
    label: LABEL,
    privatePorts: [7050, 7099],
    options: serverOptions,
    reroute: (options, host, port) => ({ ...options, host, port }),
    stopCommand,
    missing: () => (onPath('redis-server') ? undefined : 'redis-server is not installed'),
    async startPrivate(port) {
      const dir = mkdtempSync(join(tmpdir(), 'sitq-faults-redis-'));
      const label = `private ${LABEL} on ${HOST}:${port}`;
      const server = childServer({
        kind: 'redis',
        label,
        port,
        dir,
        options: serverOptions(HOST, port),
        command: 'redis-server',
        args: [...redisServerArgs(port, dir), '--logfile', join(dir, 'log')],
        stop: () => shell(stopCommand(port), `stopping the ${label}`),
      });
      await server.start();
      return server;
    },
  },
  stallDetection: { options: { socketTimeout: 5000 }, noticeMs: 5000, why: 'socketTimeout 5000 ms' },
  connectionKill: {
    viaProxy: false,
    how: 'CLIENT KILL ID on every worker connection',
    async kill({ options, workerPids }) {
      const admin = new Redis({
        host: options.host,
        port: options.port,
        username: options.username,
        password: options.password,
        lazyConnect: true,
        maxRetriesPerRequest: 1,
      });
      admin.on('error', () => {});
      await admin.connect();
      try {
        const list = (await admin.client('LIST')) as string;
        // Worker connections are named sitq-<pid>-<random>-<role> (connections.ts).
        const prefixes = workerPids.map((pid) => `sitq-${pid}-`);
        const killed: string[] = [];
        for (const line of list.split('\n')) {
          const id = /\bid=(\d+)/.exec(line)?.[1];
          const name = /\bname=(\S*)/.exec(line)?.[1] ?? '';
          if (id && prefixes.some((p) => name.startsWith(p)) && Number(await admin.client('KILL', 'ID', id)) > 0)
            killed.push(name.split('-').at(-1) ?? name);
        }
        return killed;
      } finally {
        admin.disconnect();
      }
    },
  },
  async peer(options, concurrency) {
    const { BullMqPeer } = await import('./peer.js');
    const { host = HOST, port = 6379, username, password } = options;
    return new BullMqPeer({ host, port, username, password }, concurrency);
  },
  serverCpu() {
    const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
    const total = async () => {
      const info = await redis.info('commandstats');
      let us = 0;
      for (const m of info.matchAll(/cmdstat_[^:]+:calls=\d+,usec=(\d+)/g)) us += Number(m[1]);
      return us;
    };
    let before = 0;
    return {
      async start() {
        if (redis.status !== 'ready') await redis.connect();
        before = await total();
      },
      async stop() {
        const after = await total();
        redis.disconnect();
        return after - before;
      },
    };
  },
};
