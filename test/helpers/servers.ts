// Backend tests run against real servers. Outside CI an unreachable server skips its tests with a
// message saying what to start; under CI=true it fails the run.
import { connect } from 'node:net';

export const IN_CI = process.env.CI === 'true';

export const SERVERS = {
  postgres: { host: '127.0.0.1', port: 5432, label: 'PostgreSQL' },
  redis: { host: '127.0.0.1', port: 6379, label: 'Redis' },
  nats: { host: '127.0.0.1', port: 4222, label: 'NATS JetStream' },
} as const;

export function tcpReachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Resolves to a skip message (string) when the server is down outside CI, to false when it is up;
 *  throws under CI when it is down. Use as `test('x', { skip: await serverSkip('redis') }, ...)`. */
export async function serverSkip(name: keyof typeof SERVERS): Promise<string | false> {
  const { host, port, label } = SERVERS[name];
  // Under CI a "down" verdict fails the run, so it is given time: on a loaded machine a blocked
  // event loop can let the 1 s timer fire before the (long done) connect is seen.
  if (await tcpReachable(host, port, IN_CI ? 5000 : 1000)) return false;
  if (IN_CI && (await tcpReachable(host, port, 5000))) return false;
  const message = `${label} is not reachable at ${host}:${port} (and npm test could not start one: is it installed?); start it with docker compose up -d or ../shared/services.sh`;
  if (IN_CI) throw new Error(`${message} (CI=true: a backend whose server is down fails the run)`);
  return message;
}
