// The backends a CLI test runs on: SQLite, and each server kind on a fresh namespace of the shared
// server (skipped with a message when that server is down outside CI, failing under CI=true).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { createBackend, type BackendConfig } from '../../shared/backends/index.js';
import { serverConfigs } from '../health/configs.js';
import { serverSkip } from '../helpers/servers.js';
import { sitq, tempProject, type RunResult } from './run.js';

export const CLI_KINDS = ['sqlite', 'postgres', 'redis', 'nats'] as const;
export type CliKind = (typeof CLI_KINDS)[number];

/** Why each kind is skipped here (false: it runs). */
export async function cliSkips(): Promise<Record<CliKind, string | false>> {
  return { sqlite: false, postgres: await serverSkip('postgres'), redis: await serverSkip('redis'), nats: await serverSkip('nats') };
}

export interface BackendProject {
  dir: string;
  config: BackendConfig;
  /** `sitq <args>` in the project (its default profile is the backend). */
  run(...args: string[]): Promise<RunResult>;
}

/** For a describe block: a temp project whose default profile `profile` is a fresh `kind` store;
 *  the store is destroyed and the folder removed after the block. */
export function backendProject(kind: CliKind, profile: string): BackendProject {
  const project = tempProject();
  const config: BackendConfig =
    kind === 'sqlite' ? { type: 'sqlite', path: join(project.dir, 'data', 'queue.db') } : serverConfigs.fresh(kind);
  const { type, ...options } = config;
  writeFileSync(
    join(project.dir, 'sitq.config.json'),
    JSON.stringify({ defaultProfile: profile, profiles: { [profile]: { type, ...options } } }),
  );
  after(async () => {
    const backend = createBackend(config);
    await backend.connect().catch(() => {});
    await backend.destroy().catch(() => {});
    await backend.close();
    project.remove();
  });
  return { dir: project.dir, config, run: (...args: string[]) => sitq(args, { cwd: project.dir }) };
}
