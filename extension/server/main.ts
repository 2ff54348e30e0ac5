// The core process of the VS Code extension: one DashboardService (shared/service) over the
// core, served to the extension host through Node's IPC channel (extension/core/channel.ts).
// It runs in a Node the user has, not in the extension host, because better-sqlite3 is native
// and the extension host's Node (code-server's Node 24, desktop VS Code's Electron) has its own
// ABI; see native.ts and extension/README.md. Started with `--import native-hooks.js`.
import { mkdirSync } from 'node:fs';
import { BenchRuns } from '../../shared/service/bench-runs.js';
import { DashboardService } from '../../shared/service/service.js';
import type { Session } from '../../shared/service/session.js';
import { isRequestMessage } from '../../shared/protocol/messages.js';
import { answer, Calls } from '../core/calls.js';
import type { FromCore, InitOptions, SqliteSupport, ToCore } from '../core/channel.js';
import type { SqliteChoice } from './native.js';
import { RemoteSecretStore } from './secrets.js';

const send = (message: FromCore): void => {
  if (process.connected) process.send?.(message);
};

if (!process.send) {
  console.error('sitq core: start me from the VS Code extension (I talk over an IPC channel)');
  process.exit(2);
}

const calls = new Calls();
const secrets = new RemoteSecretStore(calls, send);
const sessions = new Map<number, Session>();
let service: DashboardService | undefined;

function start(options: InitOptions): void {
  mkdirSync(options.benchDir, { recursive: true });
  service = new DashboardService({
    host: 'vscode',
    configPath: options.configPath,
    secrets,
    secretStoreInfo: { label: 'VS Code SecretStorage', secure: true, writable: true },
    version: options.version,
    healthIntervalMs: options.healthIntervalMs,
    bench: new BenchRuns(options.benchDir),
    userProfiles: {
      label: 'VS Code user settings',
      write: async (profiles) => {
        await calls.call((id) => send({ t: 'writeUserProfiles', id, profiles }), 'Writing the sitq.profiles setting');
      },
    },
    onProfilesChanged: () => sendSources(),
  });
  service.setUserProfiles(options.userProfiles);
  sendSources();
  const choice = (globalThis as { __sitqSqlite?: SqliteChoice }).__sitqSqlite;
  const sqlite: SqliteSupport = choice?.url ? { ok: true, source: choice.source } : { ok: false, error: choice?.error ?? 'native-hooks.js was not loaded' };
  send({ t: 'ready', node: process.version, abi: process.versions.modules, sqlite });
}

/** Tells the host which profiles come from its settings (the tree marks them). */
function sendSources(): void {
  const book = service?.profiles;
  if (book) send({ t: 'sources', sources: { user: book.names().filter((n) => book.source(n) === 'user'), shadowed: book.shadowed(), problems: [...book.userProblems] } });
}

function receive(message: ToCore): void {
  switch (message.t) {
    case 'init':
      if (!service) start(message.options);
      return;
    case 'open':
      if (service && !sessions.has(message.session)) {
        const id = message.session;
        sessions.set(id, service.openSession((m) => send({ t: 'msg', session: id, m })));
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
      answer(message.id, async () => {
        if (!book) throw new Error('the sitq core is not initialised');
        return book.save(message.draft, message.originalName, 'user');
      }, send);
      return;
    }
  }
}

async function shutdown(code: number): Promise<void> {
  const timer = setTimeout(() => process.exit(code), 5000);
  timer.unref();
  await service?.close().catch(() => undefined);
  process.exit(code);
}

process.on('message', (m) => {
  try {
    receive(m as ToCore);
  } catch (err) {
    send({ t: 'fatal', error: err instanceof Error ? err.message : String(err) });
  }
});
// One failed request must not take every view down with it: log it (the extension shows the core's
// stderr in the sitq log) and keep serving. A synchronous crash still ends the process, and the
// extension offers a restart.
process.on('unhandledRejection', (reason) => {
  console.error(`sitq core: unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
});
// The extension host went away (window closed, extension deactivated): stop workers and exit.
process.on('disconnect', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
