// The host's side of the core process (core-main.ts): starts it, multiplexes dashboard sessions
// over its IPC channel, answers its secret-store and settings calls. Used by VS Code's extension
// host (each tree, expanded profile and webview is a session) and by Electron's main process (a
// session per window). If the process dies every session closes; `start()` brings it back and the
// sessions reopen by themselves (the desktop app restarts it with backoff, the extension on demand).
import { EventEmitter } from 'node:events';
import type { SecretStore } from '../config/references.js';
import type { ConnectionState } from '../protocol/client.js';
import type { HostBoundMessage, UiBoundMessage } from '../protocol/messages.js';
import type { ProfileDraft, ProfileView } from '../protocol/models.js';
import { answer, Calls } from './calls.js';
import { isFromCore, type FromCore, type InitOptions, type ProfileSources, type SqliteSupport, type ToCore } from './channel.js';

/** A started core process: a Node child (node-child.ts) or Electron's UtilityProcess. */
export interface CoreChild {
  readonly pid?: number;
  postMessage(message: ToCore): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  /** `signal` when a Node child was killed by one. */
  on(event: 'exit', listener: (code: number | null, signal?: NodeJS.Signals | null) => void): unknown;
  kill(): boolean;
  /** Could not be started at all (no such program): a sentence that says so and what to do. */
  onStartError?(listener: (error: Error) => void): void;
  /** Its stdout/stderr lines, when the host reads them. */
  onOutput?(listener: (level: 'info' | 'warn', line: string) => void): void;
}

export interface CoreClientOptions {
  /** Starts core-main.js (a new process each time). */
  fork(): CoreChild;
  /** What the core is started with; asked at each start (settings may have changed). */
  init(): InitOptions;
  secrets: SecretStore;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  /** Writes the user-level profiles (VS Code's `sitq.profiles` setting). */
  writeUserProfiles?(profiles: Record<string, unknown>): Promise<void>;
  /** Names what runs the core in messages, e.g. "Node /usr/bin/node". */
  describe?(): string;
  /** How long the core has to say it is ready (ms). Default 20 s. */
  readyTimeoutMs?: number;
}

export interface CoreInfo {
  node: string;
  abi: string;
  sqlite: SqliteSupport;
}

/**
 * Events: `starting`; `ready` (CoreInfo); `failed` (why a start failed); `crashed` (why a ready
 * core died); `stopped` (why, or undefined for a requested stop, after any exit); `sources`.
 */
export class CoreClient extends EventEmitter {
  private child: CoreChild | undefined;
  private starting: Promise<CoreInfo> | undefined;
  private startSoon: NodeJS.Immediate | undefined;
  private readonly sessions = new Map<number, CoreSession>();
  private nextSession = 1;
  private stopping = false;
  private readonly calls = new Calls();
  info: CoreInfo | undefined;
  /** Which profiles come from settings (sent by the core after each change). */
  sources: ProfileSources = { user: [], shadowed: [], problems: [] };
  /** Why the last start failed or the process ended, for notifications. */
  lastError: string | undefined;

  constructor(private readonly options: CoreClientOptions) {
    super();
  }

  get running(): boolean {
    return this.info !== undefined && this.child !== undefined;
  }

  /** The running process's id (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process if needed; resolves once it said `ready`. */
  start(): Promise<CoreInfo> {
    if (this.info && this.child) return Promise.resolve(this.info);
    this.starting ??= this.spawn().finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** A new session; it opens as soon as the process is ready. If none runs, one is started on the
   *  next turn of the event loop, not here: a host opens its sessions while it sets up (VS Code's
   *  activate(), which the editor waits for), and spawning a process is the slowest thing it could
   *  do in the middle of that (the extension host is forked; over 100 ms on a busy machine). */
  openSession(): CoreSession {
    const session = new CoreSession(this.nextSession++, this);
    this.sessions.set(session.id, session);
    if (this.running) this.openRemote(session);
    else if (!this.starting) {
      this.startSoon ??= setImmediate(() => {
        this.startSoon = undefined;
        void this.start().catch(() => undefined);
      });
    }
    return session;
  }

  /** Asks the core to stop its workers and exit; kills it if it has not within `timeoutMs`. */
  async stop(timeoutMs = 8000): Promise<void> {
    this.stopping = true;
    if (this.startSoon) clearImmediate(this.startSoon);
    this.startSoon = undefined;
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    this.post({ t: 'shutdown' }, child);
    const timer = setTimeout(() => child.kill(), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  /** Stops and starts again (after a setting changed, or from a restart command). */
  async restart(): Promise<CoreInfo> {
    await this.stop();
    this.stopping = false;
    return this.start();
  }

  /** The user-level profiles changed in the host's settings (a running core only). */
  setUserProfiles(profiles: unknown): void {
    if (this.running) this.post({ t: 'userProfiles', profiles });
  }

  /** Saves a profile into the user-level settings (its secrets into the secret store). */
  async saveUser(draft: ProfileDraft, originalName?: string): Promise<ProfileView> {
    await this.start();
    const view = await this.calls.call(
      (id) => this.post(originalName === undefined ? { t: 'saveUser', id, draft } : { t: 'saveUser', id, draft, originalName }),
      'Saving the profile in settings',
    );
    return view as ProfileView;
  }

  sendTo(session: CoreSession, m: HostBoundMessage): void {
    this.post({ t: 'msg', session: session.id, m });
  }

  closeSession(session: CoreSession): void {
    this.sessions.delete(session.id);
    if (this.running) this.post({ t: 'close', session: session.id });
  }

  private spawn(): Promise<CoreInfo> {
    const spawnedAt = Date.now();
    const what = this.options.describe?.() ?? 'the sitq core';
    const readyTimeout = this.options.readyTimeoutMs ?? 20_000;
    this.stopping = false;
    this.emit('starting');
    return new Promise<CoreInfo>((resolve, reject) => {
      let settled = false;
      const fail = (message: string) => {
        this.lastError = message;
        if (settled) return;
        settled = true;
        reject(new Error(message));
        this.emit('failed', message);
      };
      let child: CoreChild;
      try {
        child = this.options.fork();
      } catch (err) {
        fail(err instanceof Error ? err.message : String(err));
        return;
      }
      this.child = child;
      const tail: string[] = [];
      child.onOutput?.((level, line) => {
        tail.push(line);
        if (tail.length > 20) tail.shift();
        this.options.log(level, `[core] ${line}`);
      });
      const timer = setTimeout(() => {
        fail(`${what} did not start within ${readyTimeout / 1000} s; see the sitq log`);
        child.kill();
      }, readyTimeout);
      child.onStartError?.((err) => {
        clearTimeout(timer);
        fail(err.message);
      });
      child.on('message', (raw) => {
        if (child !== this.child || !isFromCore(raw)) return;
        if (raw.t === 'ready') {
          clearTimeout(timer);
          this.info = { node: raw.node, abi: raw.abi, sqlite: raw.sqlite };
          this.options.log(
            'info',
            `core ready in ${Date.now() - spawnedAt} ms: Node ${raw.node} (ABI ${raw.abi}); ${raw.sqlite.ok ? `SQLite from ${raw.sqlite.source}` : raw.sqlite.error}${raw.startup ? `; in the core: modules loaded at ${raw.startup.loadedMs} ms, init at ${raw.startup.initMs} ms, ready at ${raw.startup.readyMs} ms` : ''}`,
          );
          for (const s of this.sessions.values()) this.openRemote(s);
          settled = true;
          resolve(this.info);
          this.emit('ready', this.info);
          return;
        }
        this.receive(raw);
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (child !== this.child) return;
        const wasRunning = this.info !== undefined;
        this.child = undefined;
        this.calls.failAll('the sitq core stopped');
        this.info = undefined;
        for (const s of this.sessions.values()) s.setState('closed');
        const detail = tail.slice(-5).join(' | ');
        // Before `ready`, any exit is a failed start, even with code 0 (a "node" that is not Node,
        // e.g. /bin/true): otherwise the start would wait forever and the views never say so.
        const why =
          this.stopping || (code === 0 && wasRunning)
            ? undefined
            : `the sitq core ${wasRunning ? 'exited' : 'exited before it was ready'} (${signal ?? `code ${code}`})${detail ? `: ${detail}` : ''}`;
        if (why) {
          fail(why);
          if (wasRunning) this.emit('crashed', why);
        }
        this.emit('stopped', why);
      });
      this.post({ t: 'init', options: this.options.init() }, child);
    });
  }

  private openRemote(session: CoreSession): void {
    this.post({ t: 'open', session: session.id });
    session.setState('open');
  }

  private receive(message: FromCore): void {
    switch (message.t) {
      case 'msg':
        this.sessions.get(message.session)?.deliver(message.m);
        return;
      case 'secret': {
        const store = this.options.secrets;
        const { op, key, value } = message;
        answer(
          message.id,
          async () => (op === 'get' ? store.get(key) : op === 'set' ? store.set(key, value ?? '') : store.delete(key)),
          (r) => this.post(r),
        );
        return;
      }
      case 'writeUserProfiles':
        answer(
          message.id,
          async () => {
            if (!this.options.writeUserProfiles) throw new Error('this host keeps no user-level profiles');
            await this.options.writeUserProfiles(message.profiles);
          },
          (r) => this.post(r),
        );
        return;
      case 'reply':
        this.calls.settle(message);
        return;
      case 'sources':
        this.sources = message.sources;
        this.emit('sources', message.sources);
        return;
      case 'fatal':
        this.options.log('error', `core: ${message.error}`);
        return;
      case 'ready':
        return;
    }
  }

  private post(message: ToCore, child = this.child): void {
    if (!child) return;
    try {
      child.postMessage(message);
    } catch (err) {
      this.options.log('warn', `could not reach the core process: ${(err as Error).message}`);
    }
  }
}

/** One dashboard session in the core; it is a protocol Transport, so a ProtocolClient can use it
 *  (the tree) or a window or webview can be wired to it (the dashboard). */
export class CoreSession {
  private readonly messageListeners = new Set<(m: UiBoundMessage) => void>();
  private readonly stateListeners = new Set<(s: ConnectionState) => void>();
  state: ConnectionState = 'connecting';

  constructor(
    readonly id: number,
    private readonly core: CoreClient,
  ) {}

  send(message: HostBoundMessage): void {
    if (this.state !== 'open') throw new Error('the sitq core is not running');
    this.core.sendTo(this, message);
  }

  onMessage(listener: (message: UiBoundMessage) => void): void {
    this.messageListeners.add(listener);
  }

  onState(listener: (state: ConnectionState) => void): void {
    this.stateListeners.add(listener);
  }

  /** Resolves when the session is open (at once if it is). */
  opened(): Promise<void> {
    if (this.state === 'open') return Promise.resolve();
    return new Promise((resolve) => {
      const listener = (state: ConnectionState) => {
        if (state !== 'open') return;
        this.stateListeners.delete(listener);
        resolve();
      };
      this.stateListeners.add(listener);
    });
  }

  close(): void {
    this.core.closeSession(this);
    this.setState('closed');
    this.messageListeners.clear();
    this.stateListeners.clear();
  }

  deliver(message: UiBoundMessage): void {
    for (const l of this.messageListeners) l(message);
  }

  setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    for (const l of [...this.stateListeners]) l(state);
  }
}
