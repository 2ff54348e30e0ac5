// The local default profiles `npm run bench` tries, each with the address to probe (portAnswers in
// shared/backends/servers.ts) so an absent server is skipped in a second instead of failing after
// a connect timeout.
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

/** The local profile `name` (a backend kind), for the A/B scripts' --type. */
export function localProfile(name: string): LocalProfile {
  const profile = LOCAL_PROFILES.find((p) => p.name === name);
  if (!profile) throw new Error(`--type ${name}: one of ${LOCAL_PROFILES.map((p) => p.name).join(', ')}`);
  return profile;
}
