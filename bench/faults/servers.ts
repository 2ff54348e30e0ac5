// The servers a fault run talks to, and how to stop and start them. By default the standard
// loopback services (each at its descriptor's local address), stopped with the command its kit
// gives and started again by ../shared/services.sh (the way they are normally started); with
// --private, throwaway servers on spare ports that the run starts itself and removes afterwards.
// What each backend's server is and how it is run lives in its kit (shared/backends/<kind>/kit.ts).
import { resolve } from 'node:path';
import { kitOf } from '../../shared/backends/index.js';
import { BACKEND_KINDS, descriptorOf, type BackendKind } from '../../shared/backends/descriptors.js';
import type { ServerControl, ServerKit } from '../../shared/backends/kit.js';
import { control, freePortIn, HOST, shell } from '../../shared/backends/servers.js';
import { SitqError } from '../../shared/core/errors.js';

export type { ServerControl } from '../../shared/backends/kit.js';

export class FaultServerError extends SitqError {}

/** A backend that has a server, with its kit's server part and its standard port. */
export interface ServerBackend {
  kind: BackendKind;
  server: ServerKit<Record<string, unknown>>;
  mainPort: number;
}

/** Every registered backend that has a server, in the registry's order. */
export async function serverBackends(): Promise<ServerBackend[]> {
  const out: ServerBackend[] = [];
  for (const kind of BACKEND_KINDS) {
    const server = (await kitOf(kind)).server;
    const local = descriptorOf(kind).localServer;
    if (server && local) out.push({ kind, server, mainPort: local.port });
  }
  return out;
}

async function serverOf(kind: BackendKind): Promise<ServerBackend> {
  const found = (await serverBackends()).find((b) => b.kind === kind);
  if (!found) throw new FaultServerError(`the ${kind} backend has no server`);
  return found;
}

function servicesScript(): string {
  return process.env.SITQ_SERVICES_SCRIPT ?? resolve('..', 'shared', 'services.sh');
}

/** The standard service on its port. Commands can be replaced with SITQ_FAULTS_STOP_<KIND> and
 *  SITQ_FAULTS_START_<KIND> (run with sh -c). */
export async function mainServer(kind: BackendKind, port?: number): Promise<ServerControl> {
  const { server, mainPort } = await serverOf(kind);
  const at = port ?? mainPort;
  const env = kind.toUpperCase();
  const stop = process.env[`SITQ_FAULTS_STOP_${env}`] ?? server.stopCommand(at);
  const start = process.env[`SITQ_FAULTS_START_${env}`] ?? servicesScript();
  const label = `${server.label} on ${HOST}:${at}`;
  return control(kind, at, label, server.options(HOST, at), {
    stop: () => shell(stop, `stopping ${label}`),
    start: () => shell(start, `starting ${label}`),
    async dispose() {},
  });
}

/** Starts a throwaway server of this kind on a spare port, or on `port` (which must be free). */
export async function privateServer(kind: BackendKind, port?: number): Promise<ServerControl> {
  const { server } = await serverOf(kind);
  const what = `a private ${server.label}`;
  const free = port === undefined ? await freePortIn(...server.privatePorts, what) : await freePortIn(port, port, what);
  return server.startPrivate(free);
}
