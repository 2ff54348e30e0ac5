// The core process of the desktop app and of the VS Code extension: one DashboardService (shared/
// service) over the core, served to its host through the child's IPC channel (channel.ts). Started
// with utilityProcess.fork() by Electron's main process, or as a Node child (VS Code's own runtime
// with ELECTRON_RUN_AS_NODE, or a Node the user named) by the extension host; it talks through
// whichever parent port it has. Why a separate process: desktop/README.md, extension/README.md.
import { mkdirSync } from 'node:fs';
import nodeModule from 'node:module';
import { describeDriver } from '../backends/sqlite/driver.js';
import { isRequestMessage } from '../protocol/messages.js';
import { BenchRuns } from '../service/bench-runs.js';
import { DashboardService } from '../service/service.js';
import type { Session } from '../service/session.js';
import { answer, Calls } from './calls.js';
import { isToCore, type FromCore, type InitOptions, type SqliteSupport, type ToCore } from './channel.js';
import { RemoteSecretStore } from './remote-secrets.js';

/** When this module's imports were loaded and evaluated (the first line that runs after them). */
const loadedMs = performance.now();

interface ParentPort {
  post(message: FromCore): void;
  onMessage(listener: (message: unknown) => void): void;
}

/** Electron's utility process gives `process.parentPort`; a Node child has `process.send`. */
function parentPort(): ParentPort | undefined {
  const electronPort = (
    process as unknown as { parentPort?: { postMessage(m: unknown): void; on(e: 'message', l: (e: { data: unknown }) => void): void } }
  ).parentPort;
  if (electronPort) {
    return { post: (m) => electronPort.postMessage(m), onMessage: (l) => electronPort.on('message', (e) => l(e.data)) };
  }
  if (process.send) {
    const send = process.send.bind(process);
    return {
      post: (m) => {
        if (process.connected) send(m);
      },
      onMessage: (l) => process.on('message', l),
    };
  }
  return undefined;
}

const found = parentPort();
if (!found) {
  console.error('sitq core: start me from the desktop app or the VS Code extension (I talk over an IPC channel)');
  process.exit(2);
}
const port = found;
const calls = new Calls();
const sessions = new Map<number, Session>();
let service: DashboardService | undefined;

function start(options: InitOptions): void {
  const initMs = performance.now();
  if (options.benchDir) mkdirSync(options.benchDir, { recursive: true });
  const userProfiles = options.userProfiles;
  service = new DashboardService({
    host: options.host,
    configPath: options.configPath,
    secrets: new RemoteSecretStore(calls, port.post, options.secretStore.label),
    secretStoreInfo: options.secretStore,
    version: options.version,
    healthIntervalMs: options.healthIntervalMs,
    bench: options.benchDir ? new BenchRuns(options.benchDir) : undefined,
    userProfiles: userProfiles && {
      label: userProfiles.label,
      write: async (profiles) => {
        await calls.call((id) => port.post({ t: 'writeUserProfiles', id, profiles }), `Writing the ${userProfiles.label}`);
      },
    },
    onProfilesChanged: () => sendSources(),
  });
  if (userProfiles) service.setUserProfiles(userProfiles.profiles);
  sendSources();
  const sqlite = sqliteSupport();
  const startup = { loadedMs: Math.round(loadedMs), initMs: Math.round(initMs), readyMs: Math.round(performance.now()) };
  port.post({ t: 'ready', node: process.version, abi: process.versions.modules, sqlite, startup });
  // The host usually stops the core with a kill, and Node writes its compile cache (the host's
  // NODE_COMPILE_CACHE, node-child.ts) only at a normal exit: write it now, once the host has its
  // ready, so the next start finds it. Node 22.10 and newer; an older runtime has no cache to write.
  setImmediate(() => (nodeModule as { flushCompileCache?: () => void }).flushCompileCache?.());
}

function sqliteSupport(): SqliteSupport {
  try {
    const driver = describeDriver();
    return { ok: true, source: `${driver.name} (SQLite ${driver.sqliteVersion})` };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Tells the host which profiles come from its settings (the tree marks them). */
function sendSources(): void {
  const book = service?.profiles;
  if (book)
    port.post({
      t: 'sources',
      sources: { user: book.names().filter((n) => book.source(n) === 'user'), shadowed: book.shadowed(), problems: [...book.userProblems] },
    });
}

function receive(message: ToCore): void {
  switch (message.t) {
    case 'init':
      if (!service) start(message.options);
      return;
    case 'open':
      if (service && !sessions.has(message.session)) {
        const id = message.session;
        sessions.set(
          id,
          service.openSession((m) => port.post({ t: 'msg', session: id, m })),
        );
      }
      return;
    case 'close':
      sessions.get(message.session)?.close();
      sessions.delete(message.session);
      return;
    case 'msg':
      if (isRequestMessage(message.m)) sessions.get(message.session)?.receive(message.m);
      return;
    case 'reply':
      calls.settle(message);
      return;
    case 'userProfiles':
      service?.setUserProfiles(message.profiles);
      return;
    case 'saveUser': {
      const book = service?.profiles;
      answer(
        message.id,
        async () => {
          if (!book) throw new Error('the sitq core is not initialised');
          return book.save(message.draft, message.originalName, 'user');
        },
        port.post,
      );
      return;
    }
    case 'shutdown':
      void shutdown(0);
      return;
  }
}

let stopping = false;
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const timer = setTimeout(() => process.exit(code), 5000);
  timer.unref();
  calls.failAll('the sitq core is stopping');
  await service?.close().catch(() => undefined);
  process.exit(code);
}

port.onMessage((m) => {
  if (!isToCore(m)) return;
  try {
    receive(m);
  } catch (err) {
    port.post({ t: 'fatal', error: err instanceof Error ? err.message : String(err) });
  }
});
// One failed request must not take every view down with it: log it (the host shows the core's
// stderr in its log) and keep serving. A synchronous crash ends the process; the host restarts it.
process.on('unhandledRejection', (reason) => {
  console.error(`sitq core: unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
});
process.on('uncaughtException', (err) => {
  port.post({ t: 'fatal', error: err.stack ?? err.message });
  process.exit(1);
});
// The host went away (window closed, extension deactivated, a crashed main): stop workers and exit.
process.on('disconnect', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
