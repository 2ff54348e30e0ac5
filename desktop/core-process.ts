// The core process of the desktop app: the dashboard service (and so better-sqlite3, the backends,
// local workers) runs here, not in Electron's main process. Started with utilityProcess.fork() in
// the app, or child_process.fork() with plain Node in the tests; it talks through whichever
// parent port it has. Why a separate process: see desktop/README.md.
import type { SecretStore } from '../shared/config/references.js';
import { DashboardService } from '../shared/service/service.js';
import type { Session } from '../shared/service/session.js';
import type { FromCore, ToCore } from './core-channel.js';
import { isToCore } from './core-channel.js';

interface ParentPort {
  post(message: FromCore): void;
  onMessage(listener: (message: unknown) => void): void;
}

/** Electron's utility process gives `process.parentPort`; a Node child has `process.send`. */
function parentPort(): ParentPort {
  const electronPort = (process as unknown as { parentPort?: { postMessage(m: unknown): void; on(e: 'message', l: (e: { data: unknown }) => void): void } }).parentPort;
  if (electronPort) {
    return { post: (m) => electronPort.postMessage(m), onMessage: (l) => electronPort.on('message', (e) => l(e.data)) };
  }
  if (process.send) {
    const send = process.send.bind(process);
    return { post: (m) => void send(m), onMessage: (l) => process.on('message', l) };
  }
  throw new Error('core-process.js must be started by the desktop app (utilityProcess.fork) or with an IPC channel');
}

/** Secrets live in main (safeStorage); each call is a round trip to it. */
class MainSecretStore implements SecretStore {
  private seq = 0;
  private readonly pending = new Map<number, { resolve(v: string | undefined): void; reject(e: Error): void }>();
  constructor(private readonly port: ParentPort) {}

  get(key: string): Promise<string | undefined> {
    return this.call('get', key);
  }
  async set(key: string, value: string): Promise<void> {
    await this.call('set', key, value);
  }
  async delete(key: string): Promise<void> {
    await this.call('delete', key);
  }
  settle(m: Extract<ToCore, { kind: 'secret-result' }>): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(new Error(m.error ?? 'the secret store failed'));
  }
  private call(op: 'get' | 'set' | 'delete', key: string, value?: string): Promise<string | undefined> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.port.post(value === undefined ? { kind: 'secret', id, op, key } : { kind: 'secret', id, op, key, value });
    });
  }
}

const port = parentPort();
const secrets = new MainSecretStore(port);
const sessions = new Map<number, Session>();
let service: DashboardService | undefined;

port.onMessage((raw) => {
  if (!isToCore(raw)) return;
  const m = raw;
  switch (m.kind) {
    case 'init':
      if (service) return;
      service = new DashboardService({ host: 'electron', configPath: m.configPath, secrets, secretStoreInfo: m.secretStore, version: m.version });
      port.post({ kind: 'ready' });
      return;
    case 'open': {
      if (!service || sessions.has(m.session)) return;
      const id = m.session;
      sessions.set(id, service.openSession((message) => port.post({ kind: 'ui', session: id, message })));
      return;
    }
    case 'request':
      sessions.get(m.session)?.receive(m.message);
      return;
    case 'close':
      sessions.get(m.session)?.close();
      sessions.delete(m.session);
      return;
    case 'secret-result':
      secrets.settle(m);
      return;
    case 'shutdown':
      void shutdown();
      return;
  }
});

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await service?.close().catch(() => {});
  process.exit(0);
}

// A Node parent that goes away (tests, a crashed main) takes the core with it.
process.on('disconnect', () => void shutdown());
process.on('SIGTERM', () => void shutdown());

process.on('uncaughtException', (err) => {
  port.post({ kind: 'fatal', error: err.stack ?? err.message });
  process.exit(1);
});
