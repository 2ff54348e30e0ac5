// The desktop app's wiring end to end without the Electron binary: startDesktop with stand-ins
// for ipcMain, BrowserWindow and safeStorage, and the real core process (the bundle dist/desktop/core/host/core-main.js) started
// with plain Node as utilityProcess.fork would start it. Requests go through the IPC handler as
// the preload sends them.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDesktop, type DesktopApp } from '../../desktop/desktop-app.js';
import { SafeStorageSecretStore } from '../../desktop/secrets.js';
import { APP_ENTRY } from '../../desktop/window.js';
import { IPC_EVENT, IPC_REQUEST, IPC_STATE } from '../../shared/protocol/bridge.js';
import type { RequestMessage, ResponseMessage } from '../../shared/protocol/messages.js';
import type { Method, ParamsOf, ResultOf } from '../../shared/protocol/requests.js';
import { eventually } from '../dashboard/helpers.js';
import { FakeIpcMain, FakeWindow, fakeSafeStorage, forkCoreWithNode, topFrame } from './fakes.js';

describe('desktop app: main wiring with the real core process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sitq-desktop-'));
  const ipcMain = new FakeIpcMain();
  const windows: FakeWindow[] = [];
  const forks: ReturnType<typeof forkCoreWithNode>[] = [];
  let desktop: DesktopApp;
  let win: FakeWindow;
  let nextId = 1;

  async function call<M extends Method>(method: M, params: ParamsOf<M>, w: FakeWindow = win): Promise<ResultOf<M>> {
    const message = { type: 'request', id: nextId++, method, params } as RequestMessage;
    const response = (await ipcMain.invoke(IPC_REQUEST, w.webContents, topFrame('app://sitq/index.html'), message)) as ResponseMessage;
    if (!response.ok) throw new Error(`${response.error.name}: ${response.error.message}`);
    return response.result as ResultOf<M>;
  }

  before(async () => {
    desktop = startDesktop({
      ipcMain,
      safeStorage: fakeSafeStorage('basic_text'),
      createWindow: (options) => {
        const w = new FakeWindow(options);
        windows.push(w);
        return w;
      },
      forkCore: () => {
        const f = forkCoreWithNode();
        forks.push(f);
        return f;
      },
      openExternal: () => {},
      paths: { preload: '/app/preload.cjs', secretsFile: join(dir, 'secrets.json'), configPath: join(dir, 'sitq.config.json') },
      version: '9.9.9',
    });
    win = (await desktop.openWindow()) as FakeWindow;
  });
  after(async () => {
    await desktop.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens the app page in a hardened, sandboxed window', () => {
    assert.equal(win.loaded, APP_ENTRY);
    assert.ok(win.webContents.openHandler, 'window.open is handled (denied)');
    const prefs = (win.options as { webPreferences: Record<string, unknown> }).webPreferences;
    assert.equal(prefs.sandbox, true);
    assert.equal(prefs.contextIsolation, true);
    assert.equal(prefs.nodeIntegration, false);
  });

  it('answers the protocol from the core process, and warns that basic_text is no key store', async () => {
    const hello = await call('hello', {});
    assert.equal(hello.host, 'electron');
    assert.equal(hello.version, '9.9.9');
    assert.equal(hello.secretStore.secure, false);
    assert.match(hello.secretStore.label, /safeStorage \(basic_text\)/);
    assert.match(hello.secretStore.warning ?? '', /basic_text/);
  });

  it("keeps a typed secret encrypted in main, out of the config file and out of the core's answers", async () => {
    await call('profiles.save', {
      draft: { name: 'desk', kind: 'postgres', options: { host: '127.0.0.1', database: 'test' }, secrets: { password: 'pg-pass-1234' } },
    });
    const config = readFileSync(join(dir, 'sitq.config.json'), 'utf8');
    assert.doesNotMatch(config, /pg-pass-1234/);
    assert.match(config, /\$\{SITQ_DESK_PASSWORD\}/);
    const stored = readFileSync(join(dir, 'secrets.json'), 'utf8');
    assert.doesNotMatch(stored, /pg-pass-1234/);
    const store = new SafeStorageSecretStore(fakeSafeStorage('basic_text'), join(dir, 'secrets.json'), {});
    assert.equal(await store.get('SITQ_DESK_PASSWORD'), 'pg-pass-1234');
    assert.doesNotMatch(JSON.stringify(await call('profiles.list', {})), /pg-pass-1234/);
  });

  it('runs SQLite in the core process and pushes events to the window', async () => {
    await call('profiles.save', { draft: { name: 'local', kind: 'sqlite', options: { path: join(dir, 'q.db') }, secrets: {} } });
    const test = await call('profiles.test', { name: 'local' });
    assert.equal(test.ok, true, test.error);
    await call('tasks.enqueue', {
      profile: 'local',
      name: 'sitq.echo',
      payloadJson: '{}',
      count: 5,
      queue: 'default',
      priority: 0,
      delayMs: 0,
      maxAttempts: 3,
    });
    await eventually('a health event sent to the window', () =>
      win.webContents.sent.some((s) => s.channel === IPC_EVENT && (s.payload as { event?: string }).event === 'health'),
    );
    assert.equal((await call('tasks.list', { profile: 'local', offset: 0, limit: 10 })).total, 5);
  });

  it('restarts a core process that dies, telling the window it went away and came back', async () => {
    const first = forks[forks.length - 1];
    first.child.kill('SIGKILL');
    await eventually('the closed state', () => win.webContents.sent.some((s) => s.channel === IPC_STATE && s.payload === 'closed'));
    await eventually('the open state again', () => {
      const states = win.webContents.sent.filter((s) => s.channel === IPC_STATE).map((s) => s.payload);
      return states.lastIndexOf('open') > states.lastIndexOf('closed');
    });
    assert.equal(desktop.core.restartCount, 1);
    assert.equal((await call('tasks.list', { profile: 'local', offset: 0, limit: 10 })).total, 5);
  });

  it('stops serving a window once it is closed', async () => {
    const second = (await desktop.openWindow()) as FakeWindow;
    assert.equal((await call('hello', {}, second)).host, 'electron');
    second.close();
    await assert.rejects(call('hello', {}, second), /refused/);
    assert.equal((await call('hello', {})).host, 'electron');
  });
});

describe('desktop secrets', () => {
  it('is secure with a real key store, read-only without any', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sitq-secrets-'));
    try {
      const keyring = new SafeStorageSecretStore(fakeSafeStorage('gnome_libsecret'), join(dir, 's.json'));
      assert.deepEqual(keyring.info, { label: 'Electron safeStorage (gnome_libsecret)', secure: true, writable: true });
      const none = new SafeStorageSecretStore(fakeSafeStorage('unknown', false), join(dir, 's.json'));
      assert.equal(none.info.writable, false);
      assert.match(none.info.warning ?? '', /ENV_VAR/);
      return assert.rejects(none.set('K', 'v'), /no OS key store/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
