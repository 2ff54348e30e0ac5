// The local default profiles `npm run bench` tries, and a quick "does its server answer" probe
// so an absent server is skipped in a second instead of failing after a connect timeout.
import { connect } from 'node:net';
import type { BackendConfig } from '../shared/backends/index.js';
import { BACKEND_DESCRIPTORS } from '../shared/backends/descriptors.js';
import type { NamedProfile } from '../shared/bench/index.js';

export interface LocalProfile extends NamedProfile {
  /** The TCP address to probe; undefined for SQLite (no server). */
  probe?: { host: string; port: number };
}

// Every registered backend at its preset's local address. The harness gives every profile a
// namespace of its own (SQLite a temp file, and so on), so the preset's namespace is not used.
export const LOCAL_PROFILES: readonly LocalProfile[] = BACKEND_DESCRIPTORS.map((d) => {
  const profile: LocalProfile = { name: d.kind, config: { type: d.kind, ...(d.needsServer ? d.preset?.options : {}) } as BackendConfig };
  if (d.localServer) profile.probe = { ...d.localServer };
  return profile;
});

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
