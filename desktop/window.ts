// The window and what it may do: Electron's security checklist as plain, testable functions.
// The UI is served from the app's own scheme (app://sitq/), never from file:// or the network.
import { contentSecurityPolicy } from '../shared/host/static.js';
import type { WebContentsLike } from './electron-types.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'sitq';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

/** The page's policy (shared/host/static.ts): only the app's own scripts and styles, no inline code, no eval, no network. */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy({ self: "'self'", connect: "'self'" });

export interface WindowOptions {
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
  show: boolean;
  title: string;
  icon?: string;
  backgroundColor: string;
  webPreferences: {
    preload: string;
    contextIsolation: true;
    sandbox: true;
    nodeIntegration: false;
    nodeIntegrationInWorker: false;
    nodeIntegrationInSubFrames: false;
    webSecurity: true;
    allowRunningInsecureContent: false;
    webviewTag: false;
    experimentalFeatures: false;
    navigateOnDragDrop: false;
    spellcheck: false;
  };
}

export function windowOptions(preloadPath: string, iconPath?: string): WindowOptions {
  const options: WindowOptions = {
    width: 1360,
    height: 880,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'sitq',
    backgroundColor: '#f4f6f9',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  };
  if (iconPath) options.icon = iconPath;
  return options;
}

/** True for a URL of the app's own pages (any path under app://sitq/). */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/**
 * No new windows, no navigation away from the app (links to the outside are handed to
 * `openExternal` when they are plain https), no webviews, no permissions (camera, notifications...).
 */
export function hardenWebContents(contents: WebContentsLike, openExternal: (url: string) => void = () => {}): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\//i.test(url)) openExternal(url);
    return { action: 'deny' };
  });
  const stayInApp = (event: { preventDefault(): void }, url: string) => {
    if (!isAppUrl(url)) event.preventDefault();
  };
  contents.on('will-navigate', stayInApp);
  contents.on('will-redirect', stayInApp);
  contents.on('will-frame-navigate', stayInApp);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  contents.session.setPermissionCheckHandler(() => false);
}
