// Waiting for a server process the tests spawned to listen, shared by the private NATS servers
// (test/ha) and the security tests' Redis and NATS servers.
import type { ChildProcess } from 'node:child_process';
import { SitqError } from '../../shared/core/errors.js';
import { tcpReachable } from './servers.js';

export class ServerStartError extends SitqError {}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** Resolves once 127.0.0.1:`port` accepts connections; rejects with a ServerStartError when
 *  `child` exits first or `timeoutMs` passes. */
export async function untilListening(child: ChildProcess, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await tcpReachable('127.0.0.1', port, 200))) {
    if (exited(child)) throw new ServerStartError(`the process exited before it listened on port ${port}`);
    if (Date.now() > deadline) throw new ServerStartError(`nothing listened on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
