// Main's side of the core process: the shared core client (shared/host/client.ts) with one session
// per window. It relays each window's requests and the core's events, answers the core's
// secret-store calls from safeStorage, and restarts the core with backoff if it dies (the windows
// are told the connection went away and came back, and the UI reloads its state by itself).
import type { SecretStore } from '../shared/config/references.js';
import { CoreClient, type CoreChild, type CoreSession } from '../shared/host/client.js';
import type { InitOptions } from '../shared/host/channel.js';
import { IPC_EVENT, IPC_STATE } from '../shared/protocol/bridge.js';
import type { RequestMessage, ResponseMessage } from '../shared/protocol/messages.js';
import type { WebContentsLike } from './electron-types.js';

export interface CoreHostOptions {
  /** Starts the core bundle, dist/desktop/core/host/core-main.js (utilityProcess.fork in the app, child_process.fork in tests). */
  fork(): CoreChild;
  init: Omit<InitOptions, 'host'>;
  secrets: SecretStore;
  log?: (line: string) => void;
  /** First restart delay after a crash (ms); it doubles up to 10 s. Default 500. */
  restartDelayMs?: number;
}

interface Attached {
  contents: WebContentsLike;
  session: CoreSession;
  /** Requests waiting for their response, by request id. */
  pending: Map<number, (response: ResponseMessage) => void>;
}

export class CoreHost {
  private readonly client: CoreClient;
  private readonly windows = new Map<number, Attached>();
  private stopping = false;
  private restartDelay: number;
  private restarts = 0;

  constructor(private readonly options: CoreHostOptions) {
    this.restartDelay = options.restartDelayMs ?? 500;
    const log = options.log ?? (() => {});
    this.client = new CoreClient({
      fork: options.fork,
      init: () => ({ host: 'electron', ...options.init }),
      secrets: options.secrets,
      log: (level, message) => level !== 'info' && log(message),
    });
    this.client.on('ready', () => (this.restartDelay = options.restartDelayMs ?? 500));
    this.client.on('stopped', (why: string | undefined) => this.exited(why));
  }

  /** How many times the core was restarted after dying. */
  get restartCount(): number {
    return this.restarts;
  }

  start(): void {
    this.client.start().catch((err: Error) => this.options.log?.(`the core process did not start: ${err.message}`));
  }

  /** Gives a window its own session. */
  attach(contents: WebContentsLike): void {
    if (this.windows.has(contents.id)) return;
    const session = this.client.openSession();
    const attached: Attached = { contents, session, pending: new Map() };
    this.windows.set(contents.id, attached);
    session.onMessage((m) => {
      if (m.type === 'response') {
        const resolve = attached.pending.get(m.id);
        attached.pending.delete(m.id);
        resolve?.(m);
      } else safeSend(contents, IPC_EVENT, m);
    });
    session.onState((state) => {
      if (state === 'closed') fail(attached, 'the core process exited');
      if (state !== 'connecting') safeSend(contents, IPC_STATE, state);
    });
  }

  detach(contentsId: number): void {
    const attached = this.windows.get(contentsId);
    if (!attached) return;
    this.windows.delete(contentsId);
    attached.session.close();
    fail(attached, 'the window was closed');
  }

  isAttached(contentsId: number): boolean {
    return this.windows.has(contentsId);
  }

  /** One request from a window; resolves with its response (a failure is a response too). */
  async request(contentsId: number, message: RequestMessage): Promise<ResponseMessage> {
    const attached = this.windows.get(contentsId);
    if (!attached) return failure(message.id, 'the window was closed');
    await attached.session.opened();
    return new Promise((resolve) => {
      attached.pending.set(message.id, resolve);
      try {
        attached.session.send(message);
      } catch (err) {
        attached.pending.delete(message.id);
        resolve(failure(message.id, (err as Error).message));
      }
    });
  }

  /** Asks the core to stop its workers and exit; kills it if it has not within `timeoutMs`. */
  async stop(timeoutMs = 5000): Promise<void> {
    this.stopping = true;
    await this.client.stop(timeoutMs);
    for (const attached of this.windows.values()) fail(attached, 'the app is closing');
  }

  private exited(why: string | undefined): void {
    if (this.stopping) return;
    const delay = this.restartDelay;
    this.restartDelay = Math.min(10_000, this.restartDelay * 2);
    this.options.log?.(`${why ?? 'the core process exited'}; restarting in ${delay} ms`);
    setTimeout(() => {
      if (this.stopping) return;
      this.restarts += 1;
      this.start();
    }, delay);
  }
}

function fail(attached: Attached, why: string): void {
  for (const [id, resolve] of attached.pending) resolve(failure(id, why));
  attached.pending.clear();
}

function failure(id: number, why: string): ResponseMessage {
  return { type: 'response', id, ok: false, error: { name: 'BridgeError', message: why } };
}

function safeSend(contents: WebContentsLike, channel: string, payload: unknown): void {
  if (!contents.isDestroyed()) contents.send(channel, payload);
}
