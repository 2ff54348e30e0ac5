// A backend's kit: what the project's own tools (the fault tool, the profiler, the test runner)
// know about a backend beyond the library's registration — how to reach, stop and start its
// server, how its clients notice a dead connection, how to drop or exhaust its connections, how to
// read its server's CPU, which peer library the profiler compares it with. Each backend's folder may have a `kit.ts` exporting `kit`; its
// registration points to it with `kit: () => loadKit(import.meta.url)`. Nothing imports a kit
// statically, so `import { TaskQueue } from 'sitq'` (and the bundles of the core process) load
// none of it, and the npm package leaves the kits out (package.json's `files`): a library user's
// kit() call would fail, and only the tools, run from a checkout, make it. This file holds only
// types and the loader.
import type { BackendConfig } from './index.js';

/** A peer library the profiler runs the same workload through (`npm run bench -- --peers`): add
 *  one, add many, run a worker that reports starts and confirmed completions. Its module (the
 *  folder's peer.ts) imports a dev dependency, so a kit loads it only when asked. */
export interface PeerDriver {
  /** Name and version: `BullMQ 5.1.0`. */
  readonly peer: string;
  /** The settings it runs with, for the report. */
  readonly settings: string;
  setup(): Promise<void>;
  add(payload: object): Promise<void>;
  addMany(payloads: object[]): Promise<void>;
  startWorker(concurrency: number, on: { start: () => void; finish: () => void }): Promise<void>;
  /** Resolves once every finished job's completion is written on the server, for a peer whose
   *  finish event can come before that (batched completions). */
  confirmed?(): Promise<void>;
  stopWorker(): Promise<void>;
  /** Stops the worker and removes the peer's namespace. */
  teardown(): Promise<void>;
}

/** A server the tools control: the standard service on its port or a throwaway one. */
export interface ServerControl {
  readonly kind: string;
  readonly host: string;
  readonly port: number;
  /** e.g. `private PostgreSQL on 127.0.0.1:5450`. */
  readonly label: string;
  /** Connection settings without a namespace (the caller adds one). */
  config(): BackendConfig;
  /** Stops the server; resolves once it no longer answers. */
  stop(): Promise<void>;
  /** Starts it again; resolves once it answers. */
  start(): Promise<void>;
  /** Private servers: stop and delete. The main services are left running. */
  dispose(): Promise<void>;
}

/** The backend's server, for the tools that stop, start and reroute it. */
export interface ServerKit<O> {
  /** Short name in messages: `PostgreSQL`, `Redis`, `NATS`. */
  readonly label: string;
  /** What a run on the standard service also assumes, for help texts (`db test`). */
  readonly note?: string;
  /** Ports a throwaway server may take (spare ports no test uses). */
  readonly privatePorts: readonly [number, number];
  /** Connection options of the server at host:port, without a namespace. */
  options(host: string, port: number): O;
  /** The same options pointed at another address (the fault tool's proxy). */
  reroute(options: O, host: string, port: number): O;
  /** A shell command that stops the standard service listening on `port`. */
  stopCommand(port: number): string;
  /** Why a throwaway server cannot be started on this machine (a binary missing), or undefined. */
  missing(): string | undefined;
  /** Starts a throwaway server on `port` (free); resolves once it answers. */
  startPrivate(port: number): Promise<ServerControl>;
}

/** Client settings that notice a silent (stalled) connection, and the time they promise. */
export interface StallDetection<O> {
  readonly options: Partial<O>;
  readonly noticeMs: number;
  /** How noticeMs follows from the options, for the report. */
  readonly why: string;
}

/** How a fault run makes the server drop the workers' connections. */
export interface ConnectionKill<O> {
  /** Only the fault proxy can drop them (the server has no way to kick a client). */
  readonly viaProxy: boolean;
  /** For the report: `CLIENT KILL ID on every worker connection`. */
  readonly how: string;
  /** Drops them; resolves with the role of each connection dropped (`pool`, `listen`, ...). */
  kill(run: { options: O; workerPids: readonly number[]; proxy?: { dropAll(): number } }): Promise<string[]>;
}

/** A session that holds the tasks table locked (the pool-exhaustion fault). */
export interface TaskLocker {
  lock(): Promise<void>;
  release(): Promise<void>;
  close(): Promise<void>;
}

/** The pool-exhaustion fault: small pools, then every connection held by a lock. */
export interface PoolExhaustion<O> {
  /** The workers' pool settings. */
  readonly workerOptions: Partial<O>;
  /** A caller of the harness's own with a pool of one. */
  readonly probeOptions: Partial<O>;
  /** The probe's pool timeout (ms): a refusal must come within this plus 2 s. */
  readonly probeTimeoutMs: number;
  /** A connected session, not yet locking. */
  locker(options: O): Promise<TaskLocker>;
}

/** The server's CPU over a stretch of a profiling run. */
export interface ServerCpuProbe {
  start(): Promise<void>;
  /** µs of server CPU since start(), or undefined when it could not be read. */
  stop(): Promise<number | undefined>;
}

export interface BackendKit<O = Record<string, unknown>> {
  /** Undefined for a backend without a server (a file): the fault tool runs it on its defaults in a
   *  namespace of its own. */
  readonly server?: ServerKit<O>;
  /** Options that only read the server's version (SQLite: an in-memory database, no file). */
  versionOptions?(options: O): O;
  /** The network-stall fault; undefined: the fault does not apply. */
  readonly stallDetection?: StallDetection<O>;
  /** The connection-kill fault; undefined: the fault does not apply. */
  readonly connectionKill?: ConnectionKill<O>;
  /** The pool-exhaustion fault; undefined: the backend has no pool to exhaust. */
  readonly poolExhaustion?: PoolExhaustion<O>;
  /** bench/profile.ts: the server's CPU during the floor run or the worker run (`options` carry
   *  the run's namespace). Undefined when it cannot be read. */
  serverCpu?(run: 'floor' | 'worker', options: O): ServerCpuProbe;
  /** bench/peers.ts: the peer library on the server `options` name (no namespace), in a namespace
   *  of its own. Undefined: no peer to compare with. */
  peer?(options: O, concurrency: number): Promise<PeerDriver>;
}

/** The kit next to a registration: `kit: () => loadKit(import.meta.url)`. The path is made at
 *  run time, so bundlers of the library (the core process, the extension) leave the tools' code
 *  out; only the tools, which run from dist/, call it. */
export async function loadKit<O>(registrationUrl: string): Promise<BackendKit<O>> {
  const module = (await import(new URL('./kit.js', registrationUrl).href)) as { kit: BackendKit<O> };
  return module.kit;
}
