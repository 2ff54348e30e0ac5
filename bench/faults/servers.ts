// The servers a fault run talks to, and how to stop and start them. By default the standard
// loopback services (PostgreSQL 5432, Redis 6379, NATS 4222), stopped with their own tools and
// started again by ../shared/services.sh (the way they are normally started); with --private,
// throwaway servers on spare ports that the run starts itself and removes afterwards.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { BackendConfig } from '../../shared/backends/index.js';
import { SitqError } from '../../shared/core/errors.js';
import { serverAnswers } from '../profiles.js';
import { freePortIn, natsServerArgs, redisServerArgs } from './server-args.js';
import { initdb, pgBin, pgCtl, postgresDir, stopNow } from './pg-server.js';

const run = promisify(execFile);

export type ServerKind = 'postgres' | 'redis' | 'nats';

export class FaultServerError extends SitqError {}

export interface ServerControl {
  readonly kind: ServerKind;
  readonly host: string;
  readonly port: number;
  /** e.g. `private PostgreSQL on 127.0.0.1:5450`. */
  readonly label: string;
  /** Connection settings without a namespace (the run adds one). */
  config(): BackendConfig;
  /** Stops the server; resolves once it no longer answers. */
  stop(): Promise<void>;
  /** Starts it again; resolves once it answers. */
  start(): Promise<void>;
  /** Private servers: stop and delete. The main services are left running. */
  dispose(): Promise<void>;
}

const LABEL: Record<ServerKind, string> = { postgres: 'PostgreSQL', redis: 'Redis', nats: 'NATS' };
export const MAIN_PORTS: Record<ServerKind, number> = { postgres: 5432, redis: 6379, nats: 4222 };
/** Where private servers may listen (spare ports no test uses). */
export const PRIVATE_PORTS: Record<ServerKind, [number, number]> = { postgres: [5450, 5459], redis: [7050, 7099], nats: [4250, 4269] };
const HOST = '127.0.0.1';

export function backendConfig(kind: ServerKind, host: string, port: number): BackendConfig {
  if (kind === 'postgres') return { type: 'postgres', host, port, database: 'test', user: 'postgres' };
  if (kind === 'redis') return { type: 'redis', host, port };
  return { type: 'nats', servers: [`nats://${host}:${port}`] };
}

async function waitFor(host: string, port: number, up: boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await serverAnswers(host, port, 500)) === up) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new FaultServerError(`${what} is ${up ? 'still not answering' : 'still answering'} on ${host}:${port} after ${timeoutMs / 1000} s`);
}

async function shell(command: string, what: string): Promise<void> {
  try {
    await run('sh', ['-c', command], { timeout: 60_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new FaultServerError(`${what} failed (${command}): ${(e.stderr || e.message).trim().split('\n').slice(-3).join(' ')}`);
  }
}

/** A ServerControl from the bare actions; stop and start return once the port agrees. */
function control(
  kind: ServerKind,
  port: number,
  label: string,
  actions: { stop(): Promise<void>; start(): Promise<void>; dispose(): Promise<void> },
): ServerControl {
  return {
    kind,
    host: HOST,
    port,
    label,
    config: () => backendConfig(kind, HOST, port),
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

// --- the main services -------------------------------------------------------------------------

function servicesScript(): string {
  return process.env.SITQ_SERVICES_SCRIPT ?? resolve('..', 'shared', 'services.sh');
}

function defaultStop(kind: ServerKind, port: number): string {
  if (kind === 'postgres') {
    const versions = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql').sort((a, b) => Number(a) - Number(b)) : [];
    return `pg_ctlcluster --skip-systemctl-redirect ${versions.at(-1) ?? '15'} main stop -m fast`;
  }
  // SHUTDOWN SAVE writes the data set to disk first: services.sh starts Redis without persistence
  // settings, and a Redis started in the same --dir loads that file again.
  if (kind === 'redis') return `redis-cli -h ${HOST} -p ${port} shutdown save`;
  return `kill -TERM $(ss -ltnpH "sport = :${port}" | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)`;
}

/** The standard service on its port. Commands can be replaced with SITQ_FAULTS_STOP_<KIND> and
 *  SITQ_FAULTS_START_<KIND> (run with sh -c). */
export function mainServer(kind: ServerKind, port = MAIN_PORTS[kind]): ServerControl {
  const env = kind.toUpperCase();
  const stop = process.env[`SITQ_FAULTS_STOP_${env}`] ?? defaultStop(kind, port);
  const start = process.env[`SITQ_FAULTS_START_${env}`] ?? servicesScript();
  const label = `${LABEL[kind]} on ${HOST}:${port}`;
  return control(kind, port, label, {
    stop: () => shell(stop, `stopping ${label}`),
    start: () => shell(start, `starting ${label}`),
    async dispose() {},
  });
}

// --- private servers ----------------------------------------------------------------------------

const children = new Set<ChildProcess>();
/** Folders of private PostgreSQL clusters still running (pg_ctl daemonizes them). */
const clusters = new Set<string>();
// A run that dies (a second Ctrl-C, an uncaught error) must not leave servers behind.
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  for (const dir of clusters) {
    stopNow(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});

const freePort = (kind: ServerKind) => freePortIn(...PRIVATE_PORTS[kind], `a private ${LABEL[kind]}`);

function spawnServer(command: string, args: string[]): ChildProcess {
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

/** `port` if it is free (a caller that needs that very port), else the first spare one. */
const portFor = (kind: ServerKind, port: number | undefined) =>
  port === undefined ? freePort(kind) : freePortIn(port, port, `a private ${LABEL[kind]}`);

async function privatePostgres(wanted?: number): Promise<ServerControl> {
  const port = await portFor('postgres', wanted);
  const dir = await postgresDir('sitq-faults-pg-');
  await initdb(join(dir, 'data'), 'initdb of the private PostgreSQL');
  const label = `private PostgreSQL on ${HOST}:${port}`;
  const ctl = pgCtl(dir, port, ['max_connections=200'], `the ${label}`);
  const server = control('postgres', port, label, {
    stop: () => ctl.stop(),
    start: () => ctl.start(),
    async dispose() {
      await ctl.stop('immediate').catch(() => {});
      clusters.delete(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  });
  clusters.add(dir);
  await server.start();
  await run(pgBin('createdb'), ['-h', HOST, '-p', String(port), '-U', 'postgres', 'test']);
  return server;
}

function privateSpawned(kind: 'redis' | 'nats', port: number, dir: string): ServerControl {
  // The same settings as ../shared/services.sh, on a private port and directory.
  const command = kind === 'redis' ? 'redis-server' : existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server';
  const args =
    kind === 'redis'
      ? [...redisServerArgs(port, dir), '--logfile', join(dir, 'log')]
      : [...natsServerArgs(port, dir), '-l', join(dir, 'log')];
  let child: ChildProcess | undefined;
  const label = `private ${LABEL[kind]} on ${HOST}:${port}`;
  return control(kind, port, label, {
    async stop() {
      if (kind === 'redis') await shell(defaultStop('redis', port), `stopping the ${label}`);
      else child?.kill('SIGTERM');
      await exited(child);
    },
    async start() {
      child = spawnServer(command, args);
    },
    async dispose() {
      child?.kill('SIGKILL');
      await exited(child);
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** Starts a throwaway server of this kind on a spare port, or on `port` (which must be free). */
export async function privateServer(kind: ServerKind, port?: number): Promise<ServerControl> {
  if (kind === 'postgres') return privatePostgres(port);
  const server = privateSpawned(kind, await portFor(kind, port), mkdtempSync(join(tmpdir(), `sitq-faults-${kind}-`)));
  await server.start();
  return server;
}
