// `startDashboard`: the browser dashboard (used by `sitq dashboard` and `npm run dashboard`).
import { join, resolve } from 'node:path';
import { versionInfo } from '../bench/report.js';
import { findConfigFile } from '../config/load.js';
import { CONFIG_FILE_NAME } from '../config/schema.js';
import type { SecretStore } from '../config/references.js';
import type { SecretStoreInfo } from '../protocol/models.js';
import { FileSecretStore } from '../service/file-secrets.js';
import { DashboardService, type DashboardServiceOptions } from '../service/service.js';
import { serveDashboard, type DashboardServer } from './server.js';

export interface StartDashboardOptions {
  /** TCP port on 127.0.0.1; 0 or absent picks a free one. */
  port?: number;
  /** sitq.config.json to show and edit. Default: the nearest one from the working folder up, else
   *  ./sitq.config.json (created on the first save). */
  config?: string;
  /** Where secrets typed into the form go. Default: FileSecretStore (~/.config/sitq/secrets.json). */
  secrets?: { store: SecretStore; info: SecretStoreInfo };
  /** Built UI folder. Default: dist/ui. */
  uiDir?: string;
  /** Tuning for tests (check intervals). */
  service?: Partial<Pick<DashboardServiceOptions, 'healthIntervalMs' | 'countsIntervalMs' | 'configWatchIntervalMs' | 'bench'>>;
}

export interface RunningDashboard extends DashboardServer {
  service: DashboardService;
  configPath: string;
}

export function resolveConfigPath(config?: string, cwd = process.cwd()): string {
  if (config) return resolve(cwd, config);
  return findConfigFile(cwd) ?? join(cwd, CONFIG_FILE_NAME);
}

export async function startDashboard(options: StartDashboardOptions = {}): Promise<RunningDashboard> {
  const configPath = resolveConfigPath(options.config);
  const fileStore = options.secrets ? undefined : new FileSecretStore();
  const service = new DashboardService({
    host: 'browser',
    configPath,
    secrets: options.secrets?.store ?? fileStore!,
    secretStoreInfo: options.secrets?.info ?? fileStore!.info,
    version: versionInfo().sitq,
    ...options.service,
  });
  try {
    const server = await serveDashboard({ service, port: options.port, uiDir: options.uiDir });
    return {
      ...server,
      service,
      configPath,
      async close() {
        await server.close();
        await service.close();
      },
    };
  } catch (err) {
    await service.close();
    throw err;
  }
}

export { serveDashboard, DEFAULT_UI_DIR, type DashboardServer } from './server.js';
