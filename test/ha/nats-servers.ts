// Private nats-server processes for tests: single servers (auth, TLS, restarts, frozen servers)
// and a 3-node JetStream cluster, each with its own store folder in a temp directory, on spare
// ports. Never the shared server on 4222. Everything started here is stopped by stopAll()
// (and the temp folders removed), whatever the test did.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { natsServerArgs } from '../../shared/backends/nats/kit.js';
import { binariesSkip, endProcess, untilListening } from '../helpers/processes.js';
import { portAnswers } from '../../shared/backends/servers.js';
import { writeSelfSignedCert } from '../helpers/tls.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A skip message when nats-server is not installed (outside CI); throws under CI=true. */
export function natsServerSkip(what: string): string | false {
  return binariesSkip(spawnSync('nats-server', ['--version']).status === 0, `nats-server is not on PATH: ${what} are skipped`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const started = new Set<NatsServer>();
const folders = new Set<string>();

function tempFolder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  folders.add(dir);
  return dir;
}

/** Stops every server this process started and removes their folders. */
export async function stopAll(): Promise<void> {
  await Promise.all([...started].map((s) => s.stop()));
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  folders.clear();
}

export class NatsServer {
  private child: ChildProcess | undefined;

  constructor(
    readonly port: number,
    /** The server's own folder (store, configs). */
    readonly dir: string,
    private readonly args: string[],
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** One server with JetStream on a free port. `args` gets the folder and port; with `-c` the
   *  config file says everything. */
  static async start(args: (dir: string, port: number) => string[] = () => []): Promise<NatsServer> {
    const port = await freePort();
    const dir = tempFolder('sitq-nats-');
    const custom = args(dir, port);
    const base = custom.includes('-c') ? [] : natsServerArgs(port, join(dir, 'js'));
    const server = new NatsServer(port, dir, [...base, ...custom]);
    await server.launch();
    return server;
  }

  /** Starts the process (again, after stop() or kill(): same port, same store). */
  async launch(): Promise<void> {
    started.add(this);
    this.child = spawn('nats-server', this.args, { stdio: 'ignore' });
    await untilListening(this.child, this.port, 15_000).catch((err: Error) => {
      throw new Error(`nats-server on port ${this.port} did not start (${this.args.join(' ')}): ${err.message}`);
    });
  }

  /** A clean shutdown (SIGTERM), as a service manager would do. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  /** A crash: SIGKILL, no goodbye to the clients or the cluster. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGSTOP / SIGCONT: the process keeps its sockets but answers nothing. */
  freeze(on: boolean): void {
    if (this.running) this.child?.kill(on ? 'SIGSTOP' : 'SIGCONT');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    this.child = undefined;
    await endProcess(child, signal);
  }
}

export interface ClusterNode extends NatsServer {
  readonly name: string;
  readonly monitorPort: number;
}

/**
 * A JetStream cluster of `size` nodes on loopback: client ports from `clientBase`, route ports
 * from `routeBase`, monitoring ports from `monitorBase` (the first free run of each is taken).
 * Resolves once every node says it is healthy (JetStream meta leader known).
 */
export async function startCluster(
  size = 3,
  { clientBase = 4230, routeBase = 6230, monitorBase = 8230, span = 20, extraArgs = [] as string[] } = {},
): Promise<ClusterNode[]> {
  const offset = await freeRun(size, span, [clientBase, routeBase, monitorBase]);
  const dir = tempFolder('sitq-nats-cluster-');
  const clusterName = `sitq_ha_${process.pid}`;
  const nodes: ClusterNode[] = [];
  for (let i = 0; i < size; i++) {
    const name = `n${i + 1}`;
    const port = clientBase + offset + i;
    const monitorPort = monitorBase + offset + i;
    const routes = Array.from({ length: size }, (_, j) => `nats://127.0.0.1:${routeBase + offset + j}`).filter((_, j) => j !== i);
    const args = [
      ...natsServerArgs(port, join(dir, name)),
      '-m',
      String(monitorPort),
      '-n',
      name,
      '--cluster_name',
      clusterName,
      '--cluster',
      `nats://127.0.0.1:${routeBase + offset + i}`,
      '--routes',
      routes.join(','),
      ...extraArgs,
    ];
    nodes.push(Object.assign(new NatsServer(port, join(dir, name), args), { name, monitorPort }));
  }
  await Promise.all(nodes.map((n) => n.launch()));
  await waitHealthy(nodes, 30_000);
  return nodes;
}

/** A self-signed certificate for 127.0.0.1 / localhost (the CA is the certificate itself). */
export function selfSignedCert(): { cert: string; key: string } {
  const dir = tempFolder('sitq-nats-tls-');
  const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
  writeSelfSignedCert(key, cert);
  return { cert, key };
}

/** Waits until every running node's /healthz answers 200. */
export async function waitHealthy(nodes: readonly ClusterNode[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const node of nodes.filter((n) => n.running)) {
    while ((await httpStatus(`http://127.0.0.1:${node.monitorPort}/healthz`)) !== 200) {
      if (Date.now() > deadline) throw new Error(`cluster node ${node.name} not healthy within ${timeoutMs} ms`);
      await sleep(200);
    }
  }
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = get(url, { timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** The first offset at which `size` consecutive ports are free in every base's range. */
async function freeRun(size: number, span: number, bases: number[]): Promise<number> {
  for (let offset = 0; offset + size <= span; offset++) {
    const ports = bases.flatMap((b) => Array.from({ length: size }, (_, i) => b + offset + i));
    const busy = await Promise.all(ports.map((p) => portAnswers('127.0.0.1', p, 200)));
    if (!busy.some(Boolean)) return offset;
  }
  throw new Error(`no ${size} free ports in a row from ${bases.join(', ')}`);
}
