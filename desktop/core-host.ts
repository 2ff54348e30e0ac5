// Main's side of the core process: starts it, relays each window's protocol messages to its own
// session there, answers its secret-store calls, and restarts it if it dies (the windows are told
// the connection went away and came back, and the UI reloads its state by itself).
import type { SecretStore } from '../shared/config/references.js';
import { IPC_EVENT, IPC_STATE } from '../shared/protocol/bridge.js';
import type { RequestMessage, ResponseMessage } from '../shared/protocol/messages.js';
import { isFromCore, type FromCore, type ToCore } from './core-channel.js';
import type { UtilityProcessLike, WebContentsLike } from './electron-types.js';

export interface CoreHostOptions {
  /** Starts core-process.js (utilityProcess.fork in the app, child_process.fork in tests). */
  fork(): UtilityProcessLike;
  init: Omit<Extract<ToCore, { kind: 'init' }>, 'kind'>;
  secrets: SecretStore;
  log?: (line: string) => void;
  /** First restart delay after a crash (ms); it doubles up to 10 s. Default 500. */
  restartDelayMs?: number;
}

interface Pending {
  resolve(response: ResponseMessage): void;
}

export class CoreHost {
  private proc: UtilityProcessLike | undefined;
  private ready: Promise<void> = Promise.resolve();
  private markReady: () => void = () => {};
  private readonly windows = new Map<number, WebContentsLike>();
  private readonly pending = new Map<string, Pending>();
  private stopping = false;
  private restartDelay: number;
  private restarts = 0;

  constructor(private readonly options: CoreHostOptions) {
    this.restartDelay = options.restartDelayMs ?? 500;
  }

  /** How many times the core was restarted after dying. */
  get restartCount(): number {
    return this.restarts;
  }

  start(): void {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    const proc = this.options.fork();
    this.proc = proc;
    proc.on('message', (m) => this.receive(proc, m));
    proc.on('exit', (code) => this.exited(proc, code));
    this.post({ kind: 'init', ...this.options.init });
    for (const id of this.windows.keys()) this.post({ kind: 'open', session: id });
  }

  /** Gives a window its own session (its webContents id names it). */
  attach(contents: WebContentsLike): void {
    if (this.windows.has(contents.id)) return;
    this.windows.set(contents.id, contents);
    this.post({ kind: 'open', session: contents.id });
  }

  detach(contentsId: number): void {
    if (!this.windows.delete(contentsId)) return;
    this.post({ kind: 'close', session: contentsId });
    this.failPending((key) => key.startsWith(`${contentsId}:`), 'the window was closed');
  }

  isAttached(contentsId: number): boolean {
    return this.windows.has(contentsId);
  }

  /** One request from a window; resolves with its response (a failure is a response too). */
  async request(contentsId: number, message: RequestMessage): Promise<ResponseMessage> {
    await this.ready;
    return new Promise((resolve) => {
      this.pending.set(`${contentsId}:${message.id}`, { resolve });
      this.post({ kind: 'request', session: contentsId, message });
    });
  }

  /** Asks the core to stop its workers and exit; kills it if it has not within `timeoutMs`. */
  async stop(timeoutMs = 5000): Promise<void> {
    this.stopping = true;
    const proc = this.proc;
    if (!proc) return;
    const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
    this.post({ kind: 'shutdown' });
    const timer = setTimeout(() => proc.kill(), timeoutMs);
    await exited;
    clearTimeout(timer);
    this.failPending(() => true, 'the app is closing');
  }

  private post(message: ToCore): void {
    try {
      this.proc?.postMessage(message);
    } catch (err) {
      this.options.log?.(`could not reach the core process: ${(err as Error).message}`);
    }
  }

  private receive(proc: UtilityProcessLike, raw: unknown): void {
    if (proc !== this.proc || !isFromCore(raw)) return;
    const m: FromCore = raw;
    switch (m.kind) {
      case 'ready':
        this.restartDelay = this.options.restartDelayMs ?? 500;
        this.markReady();
        for (const w of this.windows.values()) safeSend(w, IPC_STATE, 'open');
        return;
      case 'ui': {
        const w = this.windows.get(m.session);
        if (m.message.type === 'response') {
          const key = `${m.session}:${m.message.id}`;
          const p = this.pending.get(key);
          this.pending.delete(key);
          p?.resolve(m.message);
        } else if (w) safeSend(w, IPC_EVENT, m.message);
        return;
      }
      case 'secret':
        void this.answerSecret(m);
        return;
      case 'fatal':
        this.options.log?.(`the core process failed: ${m.error}`);
        return;
    }
  }

  private async answerSecret(m: Extract<FromCore, { kind: 'secret' }>): Promise<void> {
    try {
      const store = this.options.secrets;
      let value: string | undefined;
      if (m.op === 'get') value = await store.get(m.key);
      else if (m.op === 'set') await store.set(m.key, m.value ?? '');
      else await store.delete(m.key);
      this.post(value === undefined ? { kind: 'secret-result', id: m.id, ok: true } : { kind: 'secret-result', id: m.id, ok: true, value });
    } catch (err) {
      this.post({ kind: 'secret-result', id: m.id, ok: false, error: (err as Error).message });
    }
  }

  private exited(proc: UtilityProcessLike, code: number): void {
    if (proc !== this.proc) return;
    this.proc = undefined;
    this.failPending(() => true, `the core process exited (code ${code})`);
    if (this.stopping) return;
    this.options.log?.(`the core process exited with code ${code}; restarting in ${this.restartDelay} ms`);
    for (const w of this.windows.values()) safeSend(w, IPC_STATE, 'closed');
    const delay = this.restartDelay;
    this.restartDelay = Math.min(10_000, this.restartDelay * 2);
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    setTimeout(() => {
      if (this.stopping) return;
      this.restarts += 1;
      this.start();
    }, delay);
  }

  private failPending(match: (key: string) => boolean, why: string): void {
    for (const [key, p] of this.pending) {
      if (!match(key)) continue;
      this.pending.delete(key);
      const id = Number(key.slice(key.indexOf(':') + 1));
      p.resolve({ type: 'response', id, ok: false, error: { name: 'BridgeError', message: why } });
    }
  }
}

function safeSend(contents: WebContentsLike, channel: string, payload: unknown): void {
  if (!contents.isDestroyed()) contents.send(channel, payload);
}
