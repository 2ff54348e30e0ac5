// The desktop app's wiring, as one plain function over Electron-like pieces: main.ts passes the
// real ones, the tests pass fakes (and a core process started with plain Node).
import type { SecretStoreInfo } from '../shared/protocol/models.js';
import { CoreHost } from './core-host.js';
import type { BrowserWindowLike, IpcMainLike, SafeStorageLike, UtilityProcessLike, WebContentsLike } from './electron-types.js';
import { registerIpc } from './ipc.js';
import { SafeStorageSecretStore } from './secrets.js';
import { APP_ENTRY, hardenWebContents, windowOptions, type WindowOptions } from './window.js';

export interface DesktopDeps {
  ipcMain: IpcMainLike;
  safeStorage: SafeStorageLike;
  /** new BrowserWindow(options). */
  createWindow(options: WindowOptions): BrowserWindowLike;
  /** utilityProcess.fork(corePath). */
  forkCore(): UtilityProcessLike;
  openExternal(url: string): void;
  paths: { preload: string; icon?: string; secretsFile: string; configPath: string };
  version: string;
  log?: (line: string) => void;
}

export interface DesktopApp {
  core: CoreHost;
  secretStore: SecretStoreInfo;
  openWindow(): Promise<BrowserWindowLike>;
  stop(): Promise<void>;
}

export function startDesktop(deps: DesktopDeps): DesktopApp {
  const secrets = new SafeStorageSecretStore(deps.safeStorage, deps.paths.secretsFile);
  const secretStore = secrets.info;
  if (secretStore.warning) deps.log?.(`secrets: ${secretStore.warning}`);
  const core = new CoreHost({
    fork: deps.forkCore,
    init: { configPath: deps.paths.configPath, secretStore, version: deps.version },
    secrets,
    log: deps.log,
  });
  core.start();
  const unregister = registerIpc(deps.ipcMain, core);

  return {
    core,
    secretStore,
    async openWindow() {
      const win = deps.createWindow(windowOptions(deps.paths.preload, deps.paths.icon));
      const contents: WebContentsLike = win.webContents;
      hardenWebContents(contents, deps.openExternal);
      core.attach(contents);
      const id = contents.id;
      win.on('closed', () => core.detach(id));
      win.once('ready-to-show', () => win.show());
      await win.loadURL(APP_ENTRY);
      return win;
    },
    async stop() {
      unregister();
      await core.stop();
    },
  };
}
