// Stand-ins for the Electron objects the desktop code takes (see desktop/electron-types.ts).
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type {
  BrowserWindowLike,
  IpcMainInvokeEventLike,
  IpcMainLike,
  PreventableEvent,
  SafeStorageLike,
  SessionLike,
  UtilityProcessLike,
  WebContentsLike,
  WebFrameLike,
} from '../../desktop/electron-types.js';
import { ROOT } from '../ui/build.js';

type Listener = (...args: never[]) => unknown;

export class FakeWebContents implements WebContentsLike {
  static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  readonly sent: { channel: string; payload: unknown }[] = [];
  readonly listeners = new Map<string, Listener[]>();
  openHandler: ((d: { url: string }) => { action: 'deny' }) | undefined;
  permissionRequest: ((wc: unknown, permission: string, cb: (granted: boolean) => void) => void) | null = null;
  permissionCheck: ((wc: unknown, permission: string) => boolean) | null = null;
  destroyed = false;
  readonly session: SessionLike = {
    setPermissionRequestHandler: (h) => void (this.permissionRequest = h),
    setPermissionCheckHandler: (h) => void (this.permissionCheck = h),
  };
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  setWindowOpenHandler(h: (d: { url: string }) => { action: 'deny' }): void {
    this.openHandler = h;
  }
  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  /** Emits a navigation-like event; true when a listener prevented it. */
  navigate(event: 'will-navigate' | 'will-redirect' | 'will-frame-navigate' | 'will-attach-webview', url = ''): boolean {
    let prevented = false;
    const e: PreventableEvent = { preventDefault: () => void (prevented = true) };
    for (const l of this.listeners.get(event) ?? []) (l as (e: PreventableEvent, url: string) => void)(e, url);
    return prevented;
  }
}

export class FakeWindow implements BrowserWindowLike {
  readonly webContents = new FakeWebContents();
  loaded: string | undefined;
  shown = false;
  private closed: (() => void)[] = [];
  constructor(readonly options: unknown) {}
  async loadURL(url: string): Promise<void> {
    this.loaded = url;
  }
  show(): void {
    this.shown = true;
  }
  once(_event: 'ready-to-show', listener: () => void): this {
    queueMicrotask(listener);
    return this;
  }
  on(_event: 'closed', listener: () => void): this {
    this.closed.push(listener);
    return this;
  }
  close(): void {
    this.webContents.destroyed = true;
    for (const l of this.closed) l();
  }
}

export class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: IpcMainInvokeEventLike, ...args: unknown[]) => unknown>();
  handle(channel: string, listener: (event: IpcMainInvokeEventLike, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`a second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** What ipcRenderer.invoke would get (a thrown error rejects). */
  async invoke(channel: string, sender: WebContentsLike, frame: WebFrameLike | null, ...args: unknown[]): Promise<unknown> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`no handler for ${channel}`);
    return h({ sender, senderFrame: frame }, ...args);
  }
}

export const topFrame = (url: string): WebFrameLike => ({ url, parent: null });

/** safeStorage with a reversible stand-in cipher and a chosen Linux backend. */
export function fakeSafeStorage(backend: string, available = true): SafeStorageLike {
  const flip = (b: Buffer) => Buffer.from(b.map((x) => x ^ 0x5a));
  return {
    isEncryptionAvailable: () => available,
    encryptString: (s) => Buffer.concat([Buffer.from('enc:'), flip(Buffer.from(s, 'utf8'))]),
    decryptString: (b) => flip(b.subarray(4)).toString('utf8'),
    getSelectedStorageBackend: () => backend,
  };
}

/** The core process started with plain Node (what utilityProcess.fork does in the app). */
export function forkCoreWithNode(): UtilityProcessLike & { child: ChildProcess } {
  const child = fork(join(ROOT, 'dist', 'desktop', 'core', 'host', 'core-main.js'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  return {
    child,
    postMessage: (m) => void child.send(m as object),
    on(event: 'message' | 'exit', listener: ((m: unknown) => void) | ((code: number) => void)) {
      if (event === 'message') child.on('message', listener as (m: unknown) => void);
      else child.on('exit', (code, signal) => (listener as (code: number) => void)(code ?? (signal ? 1 : 0)));
      return this;
    },
    kill: () => child.kill(),
  };
}
