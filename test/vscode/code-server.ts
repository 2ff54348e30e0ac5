// A real VS Code for the end-to-end test: code-server (VS Code 1.139 server + web client) from the
// cache that scripts/install-code-server.sh fills, started headless on a free loopback port with
// its own user-data and extensions folders, the packaged .vsix installed into it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { procStat } from '../../shared/backends/servers.js';

export const CODE_SERVER_VERSION = '4.139.1';

export function codeServerDir(): string {
  return process.env.SITQ_CODE_SERVER_DIR ?? join(homedir(), '.cache', `sitq-code-server-${CODE_SERVER_VERSION}`);
}

export function codeServerInstalled(): boolean {
  const dir = codeServerDir();
  return existsSync(join(dir, '.sitq-installed')) && existsSync(join(dir, 'node_modules/code-server/out/node/entry.js'));
}

/** Runs the install script (a no-op when the cache is complete); returns the folder. */
export function installCodeServer(repoRoot: string): string {
  const out = execFileSync('bash', [join(repoRoot, 'scripts/install-code-server.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, SITQ_CODE_SERVER_DIR: codeServerDir() },
  });
  return out.trim().split('\n').pop() ?? codeServerDir();
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface CodeServer {
  url: string;
  port: number;
  userDataDir: string;
  extensionsDir: string;
  /** Node that runs code-server and so its extension host (Node 24). */
  hostNode: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Scratch folder for user data, extensions and logs. */
  home: string;
  workspace: string;
  vsix: string;
  settings: Record<string, unknown>;
  /** Extra environment for code-server (and so for the extension host and the sitq core). */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export async function startCodeServer(options: StartOptions): Promise<CodeServer> {
  const dir = codeServerDir();
  const hostNode = join(dir, 'node_modules/node/bin/node');
  const entry = join(dir, 'node_modules/code-server/out/node/entry.js');
  const userDataDir = join(options.home, 'user-data');
  const extensionsDir = join(options.home, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(options.settings, null, 2));
  const common = ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--config', join(options.home, 'config.yaml')];
  writeFileSync(join(options.home, 'config.yaml'), 'auth: none\ncert: false\n');
  // The artifact users get: install the .vsix, as `code --install-extension` does.
  execFileSync(hostNode, [entry, ...common, '--install-extension', options.vsix], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });

  const port = await freePort();
  const child: ChildProcess = spawn(
    hostNode,
    [
      entry,
      ...common,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      options.workspace,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } },
  );
  const log = options.log ?? (() => {});
  child.stdout?.on('data', (d: Buffer) => log(d.toString()));
  child.stderr?.on('data', (d: Buffer) => log(d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode} before answering`);
    const ok = await fetch(url, { redirect: 'manual' }).then(
      () => true,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`code-server did not answer on ${url} within 60 s`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    port,
    userDataDir,
    extensionsDir,
    hostNode,
    stop: async () => {
      // The extension host and the sitq core it forked outlive code-server by a moment, and the
      // core writes into the user data folder as it exits (Node's compile cache): removing the
      // folder before they are gone failed a teardown with ENOTEMPTY under load.
      const below = child.pid === undefined ? [] : descendants(child.pid);
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      await allExited(below, 30_000);
    },
  };
}

/** A process as first seen: its pid and start time, so a pid the kernel hands to a new process
 *  later is not taken for it. */
interface SeenProcess {
  pid: number;
  start: string;
}

/** The processes below `pid`, found by their parent pids in /proc (Linux). */
function descendants(pid: number): SeenProcess[] {
  const children = new Map<number, SeenProcess[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const fields = statOf(Number(name));
    if (!fields) continue;
    const parent = Number(fields[1]);
    const siblings = children.get(parent) ?? [];
    siblings.push({ pid: Number(name), start: fields[19]! });
    children.set(parent, siblings);
  }
  const found: SeenProcess[] = [];
  for (let queue = [pid]; queue.length > 0;) {
    const next = children.get(queue.shift()!) ?? [];
    found.push(...next);
    queue.push(...next.map((p) => p.pid));
  }
  return found;
}

/** procStat, or undefined once the process is gone. */
function statOf(pid: number): string[] | undefined {
  try {
    return procStat(pid);
  } catch {
    return undefined;
  }
}

/** Waits until every process has exited (a zombie counts as exited); kills what is left after
 *  `ms` and says which processes did not stop with code-server. */
async function allExited(processes: readonly SeenProcess[], ms: number): Promise<void> {
  const running = () =>
    processes.filter((p) => {
      const fields = statOf(p.pid);
      return fields !== undefined && fields[0] !== 'Z' && fields[19] === p.start;
    });
  for (const end = Date.now() + ms; running().length > 0; await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() < end) continue;
    const left = running().map(({ pid }) => {
      let command = '?';
      try {
        command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').slice(0, 200);
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
      return `${pid} (${command})`;
    });
    throw new Error(`still running ${ms / 1000} s after code-server stopped, killed: ${left.join(', ')}`);
  }
}

/** The sitq extension's LogOutputChannel file(s) under a code-server user-data folder ('' if none yet). */
export function extensionLog(userDataDir: string): string {
  return logFiles(userDataDir, 'sitq.log');
}

/** The extension host's own log (which extensions it activated, and when its startup ended). */
export function extensionHostLog(userDataDir: string): string {
  return logFiles(userDataDir, 'remoteexthost.log');
}

function logFiles(userDataDir: string, fileName: string): string {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name === fileName) found.push(path);
    }
  };
  if (existsSync(join(userDataDir, 'logs'))) walk(join(userDataDir, 'logs'));
  return found.map((f) => readFileSync(f, 'utf8')).join('\n');
}
