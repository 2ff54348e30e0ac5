// Starter profiles: what `sitq init` writes. The default needs no server (a SQLite file under
// .sitq/); `sitq init --all` adds the local servers at their usual loopback addresses. Each preset
// is its backend's (the descriptor's `preset`).
import { BACKEND_DESCRIPTORS, DEFAULT_BACKEND_KIND, descriptorOf } from '../backends/descriptors.js';
import type { ProfileEntry, SitqConfig } from './schema.js';

function entryOf(kind: (typeof BACKEND_DESCRIPTORS)[number]['kind']): ProfileEntry {
  const preset = descriptorOf(kind).preset!;
  return { type: kind, description: preset.description, ...structuredClone(preset.options) };
}

export const LOCAL_SQLITE_PROFILE: ProfileEntry = entryOf(DEFAULT_BACKEND_KIND);

/** The servers of a development machine (and of this project's CI), on loopback, by profile name. */
export const LOCAL_SERVER_PRESETS: Readonly<Record<string, ProfileEntry>> = Object.fromEntries(
  BACKEND_DESCRIPTORS.filter((d) => d.needsServer && d.preset).map((d) => [d.preset!.name, entryOf(d.kind)]),
);

/** The config `sitq init` writes: `local` (SQLite) as default, plus the local servers with `all`. */
export function starterConfig(options: { all?: boolean } = {}): SitqConfig {
  const profiles: Record<string, ProfileEntry> = { local: { ...LOCAL_SQLITE_PROFILE } };
  if (options.all) for (const [name, entry] of Object.entries(LOCAL_SERVER_PRESETS)) profiles[name] = structuredClone(entry);
  return { defaultProfile: 'local', profiles };
}
