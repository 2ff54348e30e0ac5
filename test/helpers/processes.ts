// Server processes the tests spawn (private NATS and Redis servers in test/ha, the security
// tests' servers): whether their binaries are there, waiting until one listens, and ending one.
import type { ChildProcess } from 'node:child_process';
import { SitqError } from '../../shared/core/errors.js';
import { portAnswers } from '../../shared/backends/servers.js';
import { IN_CI } from './servers.js';

export class ServerStartError extends SitqError {}

/** False when a server's binaries are `installed`, else `message` as a skip reason; under CI=true
 *  the tests must run, so a missing binary throws instead. */
export function binariesSkip(installed: boolean, message: string): string | false {
  if (installed) return false;
  if (IN_CI) throw new ServerStartError(`${message} (CI=true: these tests must run)`);
  return message;
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** Resolves once 127.0.0.1:`port` accepts connections; rejects with a ServerStartError when
 *  `child` exits first or `timeoutMs` passes. */
export async function untilListening(child: ChildProcess, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await portAnswers('127.0.0.1', port, 200))) {
    if (exited(child)) throw new ServerStartError(`the process exited before it listened on port ${port}`);
    if (Date.now() > deadline) throw new ServerStartError(`nothing listened on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sends `signal` (after SIGCONT, so a frozen process gets it too) and resolves once the process
 *  has exited; with `killAfterMs`, one still alive by then is killed. */
export async function endProcess(child: ChildProcess | undefined, signal: NodeJS.Signals, killAfterMs?: number): Promise<void> {
  if (!child || exited(child)) return;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGCONT');
  child.kill(signal);
  const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  await gone;
  clearTimeout(timer);
}
