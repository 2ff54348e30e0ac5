// Starter profiles: what `sitq init` writes. The default needs no server (a SQLite file under
// .sitq/); `sitq init --all` adds the three local servers at their usual loopback addresses.
import type { ProfileEntry, SitqConfig } from './schema.js';

export const LOCAL_SQLITE_PROFILE: ProfileEntry = {
  type: 'sqlite',
  description: 'Embedded SQLite file next to this config; no server needed',
  path: '.sitq/queue.db',
};

/** The three servers of a development machine (and of this project's CI), on loopback. */
export const LOCAL_SERVER_PRESETS: Readonly<Record<'postgres' | 'redis' | 'nats', ProfileEntry>> = {
  postgres: { type: 'postgres', description: 'PostgreSQL on 127.0.0.1:5432, database test', host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' },
  redis: { type: 'redis', description: 'Redis on 127.0.0.1:6379', host: '127.0.0.1', port: 6379 },
  nats: { type: 'nats', description: 'NATS JetStream on 127.0.0.1:4222', servers: ['nats://127.0.0.1:4222'] },
};

/** The config `sitq init` writes: `local` (SQLite) as default, plus the local servers with `all`. */
export function starterConfig(options: { all?: boolean } = {}): SitqConfig {
  const profiles: Record<string, ProfileEntry> = { local: { ...LOCAL_SQLITE_PROFILE } };
  if (options.all) for (const [name, entry] of Object.entries(LOCAL_SERVER_PRESETS)) profiles[name] = structuredClone(entry);
  return { defaultProfile: 'local', profiles };
}
