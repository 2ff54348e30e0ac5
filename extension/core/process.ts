// Starts and keeps the core process (extension/server/main.ts) in a Node the user has, and
// multiplexes dashboard sessions over its IPC channel. If the process dies it is restarted on
// demand and every open session reconnects; the reason is shown with what to do about it.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';
import type { HostBoundMessage, UiBoundMessage } from '../../shared/protocol/messages.js';
import type { ConnectionState } from '../../shared/protocol/client.js';
import type { ProfileDraft, ProfileView } from '../../shared/protocol/models.js';
import { answer, Calls } from './calls.js';
import { isFromCore, type FromCore, type InitOptions, type ProfileSources, type SecretOp, type SqliteSupport, type ToCore } from './channel.js';

export interface CoreLaunch {
  /** The Node executable (setting sitq.nodePath). */
  nodePath: string;
  /** The server's entry and its --import hooks (absolute paths). */
  serverMain: string;
  hooks: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  init: InitOptions;
}

export interface CoreHooks {
  log(level: 'info' | 'warn' | 'error', message: string): void;
  secret(op: SecretOp, key: string, value?: string): Promise<string | undefined>;
  /** Writes the user-level profiles (the `sitq.profiles` setting). */
  writeUserProfiles?(profiles: Record<string, unknown>): Promise<void>;
}

export interface CoreInfo {
  node: string;
  abi: string;
  sqlite: SqliteSupport;
}

/** How long the core has to say it is ready. */
const READY_TIMEOUT_MS = 20_000;

export class CoreProcess extends EventEmitter {
  private child: ChildProcess | undefined;
  private starting: Promise<CoreInfo> | undefined;
  private readonly sessions = new Map<number, CoreSession>();
  private nextSession = 1;
  private stopping = false;
  private readonly calls = new Calls();
  info: CoreInfo | undefined;
  /** Which profiles come from settings (sent by the core after each change). */
  sources: ProfileSources = { user: [], shadowed: [], problems: [] };
  /** Why the last start failed or the process ended, for notifications. */
  lastError: string | undefined;

  constructor(
    private readonly launch: () => CoreLaunch,
    private readonly hooks: CoreHooks,
  ) {
    super();
  }

  get running(): boolean {
    return this.info !== undefined && this.child !== undefined;
  }

  /** Starts the process if needed; resolves once it said `ready`. */
  start(): Promise<CoreInfo> {
    if (this.info && this.child) return Promise.resolve(this.info);
    this.starting ??= this.spawn().finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** A new session; it opens as soon as the process is ready (starting it if needed). */
  openSession(): CoreSession {
    const session = new CoreSession(this.nextSession++, this);
    this.sessions.set(session.id, session);
    if (this.running) this.openRemote(session);
    else void this.start().catch(() => undefined);
    return session;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.disconnect?.();
    const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops and starts again (after a setting changed, or from the restart command). */
  async restart(): Promise<CoreInfo> {
    await this.stop();
    this.stopping = false;
    return this.start();
  }

  /** The `sitq.profiles` setting changed: the core re-reads it (a running core only). */
  setUserProfiles(profiles: unknown): void {
    if (this.running) this.post({ t: 'userProfiles', profiles });
  }

  /** Saves a profile into the user-level settings (its secrets into the secret store). */
  async saveUser(draft: ProfileDraft, originalName?: string): Promise<ProfileView> {
    await this.start();
    const view = await this.calls.call((id) => this.post(originalName === undefined ? { t: 'saveUser', id, draft } : { t: 'saveUser', id, draft, originalName }), 'Saving the profile in settings');
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
    const l = this.launch();
    const spawnedAt = Date.now();
    this.stopping = false;
    return new Promise<CoreInfo>((resolve, reject) => {
      let settled = false;
      const fail = (message: string) => {
        this.lastError = message;
        if (!settled) {
          settled = true;
          reject(new Error(message));
        }
      };
      let child: ChildProcess;
      try {
        child = spawn(l.nodePath, ['--import', pathToFileURL(l.hooks).href, l.serverMain], {
          cwd: l.cwd,
          env: l.env,
          stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
          serialization: 'json',
          windowsHide: true,
        });
      } catch (err) {
        fail(nodeProblem(l.nodePath, (err as Error).message));
        return;
      }
      this.child = child;
      const tail: string[] = [];
      const pipe = (level: 'info' | 'warn') => (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split(/\r?\n/)) {
          if (!line.trim()) continue;
          tail.push(line);
          if (tail.length > 20) tail.shift();
          this.hooks.log(level, `[core] ${line}`);
        }
      };
      child.stdout?.on('data', pipe('info'));
      child.stderr?.on('data', pipe('warn'));
      const timer = setTimeout(() => {
        fail(`the sitq core (${l.nodePath}) did not start within ${READY_TIMEOUT_MS / 1000} s; see the sitq log`);
        child.kill();
      }, READY_TIMEOUT_MS);
      child.on('error', (err) => {
        clearTimeout(timer);
        fail(nodeProblem(l.nodePath, err.message));
      });
      child.on('message', (raw) => {
        if (!isFromCore(raw)) return;
        if (raw.t === 'ready') {
          clearTimeout(timer);
          this.info = { node: raw.node, abi: raw.abi, sqlite: raw.sqlite };
          this.hooks.log('info', `core ready in ${Date.now() - spawnedAt} ms: Node ${raw.node} (ABI ${raw.abi}); SQLite ${raw.sqlite.ok ? `from ${raw.sqlite.source}` : `unavailable: ${raw.sqlite.error}`}`);
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
        const wasRunning = this.info !== undefined;
        this.child = undefined;
        this.calls.failAll('the sitq core stopped');
        this.info = undefined;
        for (const s of this.sessions.values()) s.setState('closed');
        const detail = tail.slice(-5).join(' | ');
        const why = code === 0 || this.stopping ? undefined : `the sitq core exited (${signal ?? `code ${code}`})${detail ? `: ${detail}` : ''}`;
        if (why) {
          fail(/bad option: --import/.test(detail) ? nodeProblem(l.nodePath, 'it is older than Node 20.6') : why);
          if (wasRunning) this.emit('crashed', why);
        }
      });
      this.post({ t: 'init', options: l.init }, child);
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
      case 'secret':
        answer(message.id, () => this.hooks.secret(message.op, message.key, message.value), (r) => this.post(r));
        return;
      case 'writeUserProfiles':
        answer(message.id, async () => {
          if (!this.hooks.writeUserProfiles) throw new Error('this host keeps no user-level profiles');
          await this.hooks.writeUserProfiles(message.profiles);
        }, (r) => this.post(r));
        return;
      case 'reply':
        this.calls.settle(message);
        return;
      case 'sources':
        this.sources = message.sources;
        this.emit('sources', message.sources);
        return;
      case 'fatal':
        this.hooks.log('error', `core: ${message.error}`);
        return;
    }
  }

  private post(message: ToCore, child = this.child): void {
    if (child?.connected) child.send(message);
  }
}

/** One dashboard session in the core; it is a protocol Transport, so a ProtocolClient can use it
 *  (the tree) or a webview can be wired to it (the dashboard panel). */
export class CoreSession {
  private readonly messageListeners = new Set<(m: unknown) => void>();
  private readonly stateListeners = new Set<(s: ConnectionState) => void>();
  state: ConnectionState = 'connecting';

  constructor(
    readonly id: number,
    private readonly core: CoreProcess,
  ) {}

  send(message: HostBoundMessage): void {
    if (this.state !== 'open') throw new Error('the sitq core is not running');
    this.core.sendTo(this, message);
  }

  onMessage(listener: (message: unknown) => void): void {
    this.messageListeners.add(listener);
  }

  onState(listener: (state: ConnectionState) => void): void {
    this.stateListeners.add(listener);
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
    for (const l of this.stateListeners) l(state);
  }
}

function nodeProblem(nodePath: string, reason: string): string {
  return `sitq runs its core with Node.js 20.6 or newer, and "${nodePath}" could not be used (${reason}). Install Node.js, or set "sitq.nodePath" to a node executable.`;
}

