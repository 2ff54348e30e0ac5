// Electron main: thin. It registers the app:// scheme, hands the real Electron pieces to
// startDesktop (desktop-app.ts) and manages the app's life. The core runs in a utility process.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, protocol, safeStorage, shell, utilityProcess } from 'electron';
import { coreCompileCacheEnv } from '../shared/host/node-child.js';
import { appResponse } from './app-protocol.js';
import { startDesktop, type DesktopApp } from './desktop-app.js';
import { APP_SCHEME, hardenWebContents } from './window.js';

const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
const UI_DIR = here('../../ui/');
// The core's bundle (scripts/core-bundle.mjs, built by scripts/build-ui.mjs): drivers inside.
const CORE = here('../core/host/core-main.js');

/** `--config=<file>` (npm start passes the project's), else SITQ_CONFIG, else one in the app's data folder. */
function configPath(): string {
  const arg = process.argv.find((a) => a.startsWith('--config='));
  return arg ? arg.slice('--config='.length) : (process.env.SITQ_CONFIG ?? join(app.getPath('userData'), 'sitq.config.json'));
}

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

if (!app.requestSingleInstanceLock()) app.quit();

let desktop: DesktopApp | undefined;

// Every web contents, including any the app did not mean to create, gets the same limits.
app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, (url) => void shell.openExternal(url)));

app.whenReady().then(async () => {
  protocol.handle(APP_SCHEME, (request) => {
    const r = appResponse(UI_DIR, request.url);
    return new Response(typeof r.body === 'string' ? r.body : new Uint8Array(r.body), { status: r.status, headers: r.headers });
  });
  desktop = startDesktop({
    ipcMain,
    safeStorage,
    createWindow: (options) => new BrowserWindow(options),
    forkCore: () =>
      utilityProcess.fork(CORE, [], {
        serviceName: 'sitq core',
        stdio: 'inherit',
        env: { ...process.env, ...coreCompileCacheEnv(join(app.getPath('userData'), 'compile-cache')) },
      }),
    openExternal: (url) => void shell.openExternal(url),
    paths: {
      preload: here('./preload.cjs'),
      icon: join(UI_DIR, 'icon.png'),
      secretsFile: join(app.getPath('userData'), 'secrets.json'),
      configPath: configPath(),
    },
    version: app.getVersion(),
    log: (line) => console.warn(`sitq: ${line}`),
  });
  await desktop.openWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void desktop?.openWindow();
  });
  app.on('second-instance', () => BrowserWindow.getAllWindows()[0]?.focus());
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

let quitting = false;
app.on('before-quit', (event) => {
  if (quitting || !desktop) return;
  // Stop local workers and close connections before the process goes.
  event.preventDefault();
  quitting = true;
  void desktop.stop().finally(() => app.quit());
});
