// The machinery the backends' kits (kit.ts) share to run servers for the tools: a spare port, a
// ServerControl whose stop and start return once the port agrees, throwaway server processes that
// never outlive this process, reading a process's CPU, and the version of the peer library a kit
// compares with. Loaded only through a kit.
import { createRequire } from 'node:module';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { promisify } from 'node:util';
import { SitqError } from '../core/errors.js';
import type { BackendConfig } from './index.js';
import type { ServerControl } from './kit.js';

const run = promisify(execFile);

/** The installed version of the dev dependency `name` (a peer library: `bullmq`). */
export function packageVersion(name: string): string {
  return (createRequire(import.meta.url)(`${name}/package.json`) as { version: string }).version;
}

/** Where the tools' servers listen. */
export const HOST = '127.0.0.1';

export class ServerControlError extends SitqError {}
export class NoFreePortError extends SitqError {}

/** The first port of `first`-`last` that 127.0.0.1 can listen on and `reserved` does not hold.
 *  It is added to `reserved`, so a second call does not hand it out again before its server
 *  listens; `what` names the server in the error when every port is taken. */
export async function freePortIn(first: number, last: number, what: string, reserved = new Set<number>()): Promise<number> {
  for (let port = first; port <= last; port++) {
    if (reserved.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, HOST, () => probe.close(() => resolve(true)));
    });
    if (free) {
      reserved.add(port);
      return port;
    }
  }
  throw new NoFreePortError(`no free port in ${first}-${last} for ${what}`);
}

/** Whether something accepts a TCP connection at host:port within `timeoutMs`. */
export function portAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitFor(host: string, port: number, up: boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await portAnswers(host, port, 500)) === up) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new ServerControlError(
    `${what} is ${up ? 'still not answering' : 'still answering'} on ${host}:${port} after ${timeoutMs / 1000} s`,
  );
}

/** Runs `command` with sh -c; a failure names `what` and carries the last lines of stderr. */
export async function shell(command: string, what: string): Promise<void> {
  try {
    await run('sh', ['-c', command], { timeout: 60_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new ServerControlError(`${what} failed (${command}): ${(e.stderr || e.message).trim().split('\n').slice(-3).join(' ')}`);
  }
}

/** Whether `command` is on the PATH. */
export function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** A ServerControl from the bare actions; stop and start return once the port agrees. */
export function control(
  kind: string,
  port: number,
  label: string,
  options: object,
  actions: { stop(): Promise<void>; start(): Promise<void>; dispose(): Promise<void> },
): ServerControl {
  return {
    kind,
    host: HOST,
    port,
    label,
    config: () => ({ type: kind, ...options }) as BackendConfig,
    async stop() {
      await actions.stop();
      await waitFor(HOST, port, false, label);
    },
    async start() {
      await actions.start();
      await waitFor(HOST, port, true, label);
    },
    dispose: () => actions.dispose(),
  };
}

// --- throwaway server processes -----------------------------------------------------------------

const children = new Set<ChildProcess>();
const exitHooks = new Set<() => void>();
// A run that dies (a second Ctrl-C, an uncaught error) must not leave servers behind.
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  for (const hook of exitHooks) hook();
});

/** Runs `hook` (synchronously) if this process exits before `remove()` is called: for servers
 *  that are not our children (pg_ctl daemonizes PostgreSQL). */
export function onExit(hook: () => void): { remove(): void } {
  exitHooks.add(hook);
  return { remove: () => exitHooks.delete(hook) };
}

function spawnServer(command: string, args: readonly string[]): ChildProcess {
  const child = spawn(command, args, { stdio: 'ignore' });
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.once('error', () => children.delete(child));
  return child;
}

function exited(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

/** A throwaway server that is a child process of ours, files in `dir` (deleted by dispose). Not
 *  started yet. `stop` replaces SIGTERM where the server has a gentler way (it must make the
 *  process exit). */
export function childServer(spec: {
  kind: string;
  label: string;
  port: number;
  dir: string;
  options: object;
  command: string;
  args: readonly string[];
  stop?: () => Promise<void>;
}): ServerControl {
  let child: ChildProcess | undefined;
  return control(spec.kind, spec.port, spec.label, spec.options, {
    async stop() {
      if (spec.stop) await spec.stop();
      else child?.kill('SIGTERM');
      await exited(child);
    },
    async start() {
      child = spawnServer(spec.command, spec.args);
    },
    async dispose() {
      child?.kill('SIGKILL');
      await exited(child);
      rmSync(spec.dir, { recursive: true, force: true });
    },
  });
}

// --- a process's CPU -----------------------------------------------------------------------------

/** The fields of `/proc/<pid>/stat` after the command (state first, then the parent pid, …: field
 *  n of proc(5) is index n - 3). The command may hold spaces and ")", so it is cut at the last ")".
 *  Throws when the process is gone. */
export function procStat(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU (user + system, µs) process `pid` has used, from /proc. */
export function procCpuUs(pid: number): number {
  const fields = procStat(pid);
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / 100; // utime + stime, 100 Hz ticks
}

/** procCpuUs, or 0 when the process is gone (a connection closed). */
export function safeCpuUs(pid: number): number {
  try {
    return procCpuUs(pid);
  } catch {
    return 0;
  }
}

/** The process named `comm` whose command line mentions `port` (or has no -p/--port at all: the
 *  default port), so a test's throwaway server on another port is not taken for the local one. */
export function findPid(comm: string, port: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== comm) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const portArg = cmdline.findIndex((a) => a === '-p' || a === '--port');
      if (portArg < 0 || `:${cmdline[portArg + 1]}` === port) return Number(entry);
    } catch {
      // the process is gone
    }
  }
  return 0;
}
