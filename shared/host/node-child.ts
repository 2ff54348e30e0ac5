// A core process started as a Node child, with an IPC channel: how the VS Code extension starts
// it (in the editor's own runtime, `process.execPath` with ELECTRON_RUN_AS_NODE=1, as language
// servers are started, or in a Node the user named) and how the tests start it. Its stdout and
// stderr come back as `output` lines for the host's log.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { CoreChild } from './client.js';
import type { ToCore } from './channel.js';

export interface NodeCoreLaunch {
  /** The runtime: a node executable, or Electron's with ELECTRON_RUN_AS_NODE=1 in `env`. */
  command: string;
  /** core-main.js (absolute path). */
  main: string;
  args?: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Turns "could not be started" (ENOENT, EACCES) into a sentence that says what to do. */
  problem?(reason: string): string;
  /** A folder of the host's for Node's compile cache (coreCompileCacheEnv). */
  compileCacheDir?: string;
}

/** The environment that gives the core process Node's on-disk compile cache: from its second start
 *  on it does not compile its bundles again, which was most of its start time (bench/README.md,
 *  "The VS Code extension's activation"). Node 22.1 and newer read it (VS Code's and Electron's
 *  runtimes); an older Node ignores it. The cache is keyed by each file's content and the Node
 *  version, so an update of the extension or the editor never runs stale code. */
export function coreCompileCacheEnv(dir: string | undefined): NodeJS.ProcessEnv {
  return dir ? { NODE_COMPILE_CACHE: dir } : {};
}

export function forkNodeCore(launch: NodeCoreLaunch): CoreChild {
  const events = new EventEmitter();
  const child: ChildProcess = spawn(launch.command, [...(launch.args ?? []), launch.main], {
    cwd: launch.cwd,
    env: { ...launch.env, ...coreCompileCacheEnv(launch.compileCacheDir) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'json',
    windowsHide: true,
  });
  const lines = (level: 'info' | 'warn') => (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split(/\r?\n/)) if (line.trim()) events.emit('output', level, line);
  };
  child.stdout?.on('data', lines('info'));
  child.stderr?.on('data', lines('warn'));
  // Without a pid it never started (ENOENT, EACCES); other errors are a send to a process that is
  // going away, and its exit says what happened.
  child.on('error', (err) => {
    if (child.pid === undefined) events.emit('start-error', new Error(launch.problem ? launch.problem(err.message) : err.message));
  });
  child.on('message', (m) => events.emit('message', m));
  child.on('exit', (code, signal) => events.emit('exit', code, signal));
  return {
    get pid() {
      return child.pid;
    },
    postMessage(message: ToCore) {
      if (child.connected) child.send(message, () => undefined);
    },
    on(event: 'message' | 'exit', listener: (...args: never[]) => void) {
      events.on(event, listener as (...args: unknown[]) => void);
      return this;
    },
    onStartError: (listener) => void events.on('start-error', listener),
    onOutput: (listener) => void events.on('output', listener),
    kill: () => child.kill('SIGKILL'),
  };
}
