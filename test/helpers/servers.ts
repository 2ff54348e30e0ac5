// Backend tests run against real servers. Outside CI an unreachable server skips its tests with a
// message saying what to start; under CI=true it fails the run.
import { descriptorOf, type BackendKind } from '../../shared/backends/descriptors.js';
import { portAnswers } from '../../shared/backends/servers.js';

export const IN_CI = process.env.CI === 'true';

/** Where the tests find a backend's server: its descriptor's local address, with its label. */
export function localServer(kind: BackendKind): { host: string; port: number; label: string } {
  const d = descriptorOf(kind);
  if (!d.localServer) throw new Error(`the ${kind} backend has no server`);
  return { ...d.localServer, label: d.label };
}

/** The servers the backend-specific tests talk to (a shorthand for localServer). */
export const SERVERS = { postgres: localServer('postgres'), redis: localServer('redis'), nats: localServer('nats') } as const;

/** Resolves to a skip message (string) when the server is down outside CI, to false when it is up;
 *  throws under CI when it is down. Use as `test('x', { skip: await serverSkip('redis') }, ...)`. */
export async function serverSkip(name: BackendKind): Promise<string | false> {
  const { host, port, label } = localServer(name);
  // A "down" verdict skips a whole backend's tests (fails the run under CI), so it is given time
  // everywhere: on a loaded machine a blocked event loop can let a short timer fire before the
  // (long done) connect is seen — at load ~29 a 1 s probe skipped every NATS test of a run that
  // was not under CI. A server that is really down refuses at once, so this costs nothing then.
  if (await portAnswers(host, port, 5000)) return false;
  if (await portAnswers(host, port, 5000)) return false;
  const message = `${label} is not reachable at ${host}:${port} (and npm test could not start one: is it installed?); start it with docker compose up -d or ../shared/services.sh`;
  if (IN_CI) throw new Error(`${message} (CI=true: a backend whose server is down fails the run)`);
  return message;
}
