// `npm test` on a machine where the servers are not running: for each backend with a server
// (PostgreSQL, Redis, NATS) whose port does not answer and whose server binary is installed, the
// runner (scripts/test.mjs) starts a throwaway server on that port with the backend's kit
// (shared/backends/<kind>/kit.ts: the same settings as ../shared/services.sh, in a temp folder)
// and removes it when the run ends. A server that answers is used as it is, never touched.
// Ports: the tests' defaults (each descriptor's local server); SITQ_TEST_<KIND>_PORT moves one,
// which only the test of this starter uses (the tests themselves talk to the defaults).
import type { BackendKind } from '../../shared/backends/descriptors.js';
import { privateServer, serverBackends, type ServerBackend, type ServerControl } from '../../bench/faults/servers.js';
import { portAnswers } from '../../shared/backends/servers.js';

/** Why a throwaway server of this kind cannot be started here, or undefined if it can. */
export async function missingBinary(kind: BackendKind): Promise<string | undefined> {
  const backend = (await serverBackends()).find((b) => b.kind === kind);
  return backend ? backend.server.missing() : `the ${kind} backend has no server`;
}

export function suitePort(backend: ServerBackend, env: NodeJS.ProcessEnv = process.env): number {
  const given = env[`SITQ_TEST_${backend.kind.toUpperCase()}_PORT`];
  return given ? Number(given) : backend.mainPort;
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
    (await serverBackends()).map(async (backend) => {
      const port = suitePort(backend);
      if (await portAnswers('127.0.0.1', port, 1000)) return;
      const missing = backend.server.missing();
      if (missing) {
        say(
          `sitq: nothing answers on 127.0.0.1:${port} and ${missing}: its tests skip (or fail under CI=true); docker compose up -d starts all three`,
        );
        return;
      }
      try {
        const server = await privateServer(backend.kind, port);
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
