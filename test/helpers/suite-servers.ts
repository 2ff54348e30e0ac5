// `npm test` on a machine where the servers are not running: for each of PostgreSQL, Redis and
// NATS whose port does not answer and whose server binary is installed, the runner
// (scripts/test.mjs) starts a throwaway server on that port with the fault tool's kit
// (bench/faults/servers.ts: the same settings as ../shared/services.sh, in a temp folder) and
// removes it when the run ends. A server that answers is used as it is, never touched.
// Ports: the tests' defaults (5432, 6379, 4222); SITQ_TEST_<POSTGRES|REDIS|NATS>_PORT moves one,
// which only the test of this starter uses (the tests themselves talk to the defaults).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PG_BIN } from '../../bench/faults/pg-server.js';
import { privateServer, MAIN_PORTS, type ServerControl, type ServerKind } from '../../bench/faults/servers.js';
import { tcpReachable } from './servers.js';

const KINDS: readonly ServerKind[] = ['postgres', 'redis', 'nats'];

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Why a throwaway server of this kind cannot be started here, or undefined if it can. */
export function missingBinary(kind: ServerKind): string | undefined {
  if (kind === 'postgres') return PG_BIN ? undefined : 'PostgreSQL (initdb, pg_ctl under /usr/lib/postgresql) is not installed';
  if (kind === 'redis') return onPath('redis-server') ? undefined : 'redis-server is not installed';
  return existsSync('/usr/sbin/nats-server') || onPath('nats-server') ? undefined : 'nats-server is not installed';
}

export function suitePort(kind: ServerKind, env: NodeJS.ProcessEnv = process.env): number {
  const given = env[`SITQ_TEST_${kind.toUpperCase()}_PORT`];
  return given ? Number(given) : MAIN_PORTS[kind];
}

export interface SuiteServers {
  started: ServerControl[];
  /** Stops and deletes the servers this run started. */
  dispose(): Promise<void>;
}

/** Starts what is missing; `say` gets one line per server started or not startable. */
export async function startMissingServers(say: (line: string) => void): Promise<SuiteServers> {
  const started: ServerControl[] = [];
  await Promise.all(
    KINDS.map(async (kind) => {
      const port = suitePort(kind);
      if (await tcpReachable('127.0.0.1', port, 1000)) return;
      const missing = missingBinary(kind);
      if (missing) {
        say(
          `sitq: nothing answers on 127.0.0.1:${port} and ${missing}: its tests skip (or fail under CI=true); docker compose up -d starts all three`,
        );
        return;
      }
      try {
        const server = await privateServer(kind, port);
        started.push(server);
        say(`sitq: started a throwaway ${server.label.replace(/^private /, '')} for this run (removed at the end)`);
      } catch (err) {
        say(`sitq: could not start a throwaway server on 127.0.0.1:${port}: ${(err as Error).message}`);
      }
    }),
  );
  return {
    started,
    dispose: async () => {
      await Promise.all(started.map((s) => s.dispose().catch(() => {})));
    },
  };
}
