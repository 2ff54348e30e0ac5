// The local default profiles `npm run bench` tries, and a quick "does its server answer" probe
// so an absent server is skipped in a second instead of failing after a connect timeout.
import { connect } from 'node:net';
import type { NamedProfile } from '../shared/bench/index.js';

export interface LocalProfile extends NamedProfile {
  /** The TCP address to probe; undefined for SQLite (no server). */
  probe?: { host: string; port: number };
}

export const LOCAL_PROFILES: readonly LocalProfile[] = [
  // The harness gives every profile a namespace of its own: SQLite a temp file, and so on.
  { name: 'sqlite', config: { type: 'sqlite' } },
  {
    name: 'postgres',
    config: { type: 'postgres', host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres' },
    probe: { host: '127.0.0.1', port: 5432 },
  },
  { name: 'redis', config: { type: 'redis', host: '127.0.0.1', port: 6379 }, probe: { host: '127.0.0.1', port: 6379 } },
  { name: 'nats', config: { type: 'nats', servers: ['nats://127.0.0.1:4222'] }, probe: { host: '127.0.0.1', port: 4222 } },
];

export function serverAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
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
