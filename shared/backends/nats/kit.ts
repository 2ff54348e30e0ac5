// The NATS JetStream backend's kit for the project's tools (see ../kit.ts): nats-server's command
// line (also used by the HA tests' clusters), connection resets at the fault proxy (the server has
// no way to kick a client), and the nats-server process's CPU.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendKit } from '../kit.js';
import { childServer, findPid, HOST, onPath, procCpuUs } from '../servers.js';
import type { NatsOptions } from './options.js';

const LABEL = 'NATS';

/** nats-server options: on 127.0.0.1:`port` with JetStream storing in `storeDir`. The same
 *  settings as ../shared/services.sh. */
export function natsServerArgs(port: number, storeDir: string): string[] {
  return ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir];
}

const serverOptions = (host: string, port: number): NatsOptions => ({ servers: [`nats://${host}:${port}`] });

export const kit: BackendKit<NatsOptions> = {
  server: {
    label: LABEL,
    privatePorts: [4250, 4269],
    options: serverOptions,
    reroute: (options, host, port) => ({ ...options, ...serverOptions(host, port) }),
    stopCommand: (port) => `kill -TERM $(ss -ltnpH "sport = :${port}" | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)`,
    missing: () => (existsSync('/usr/sbin/nats-server') || onPath('nats-server') ? undefined : 'nats-server is not installed'),
    async startPrivate(port) {
      const dir = mkdtempSync(join(tmpdir(), 'sitq-faults-nats-'));
      const server = childServer({
        kind: 'nats',
        label: `private ${LABEL} on ${HOST}:${port}`,
        port,
        dir,
        options: serverOptions(HOST, port),
        command: existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server',
        args: [...natsServerArgs(port, dir), '-l', join(dir, 'log')],
      });
      await server.start();
      return server;
    },
  },
  stallDetection: {
    options: { pingInterval: 3000, maxPingsOutstanding: 2 },
    noticeMs: 9000,
    why: 'pingInterval 3000 ms × (maxPingsOutstanding 2 + 1)',
  },
  connectionKill: {
    viaProxy: true,
    how: 'every worker connection reset (RST) at the proxy',
    // NATS 2.9 has no server-side kick of a client: the proxy resets every worker connection.
    kill: async ({ proxy }) => Array.from({ length: proxy!.dropAll() }, () => 'client'),
  },
  /** The whole nats-server process: other clients' work shows up too (read it as an upper bound). */
  serverCpu() {
    const pid = findPid('nats-server', ':4222');
    let before = 0;
    return {
      async start() {
        before = pid ? procCpuUs(pid) : 0;
      },
      async stop() {
        return pid ? procCpuUs(pid) - before : undefined;
      },
    };
  },
};
