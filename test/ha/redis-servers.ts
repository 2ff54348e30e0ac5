// Private redis-server processes for the HA and fault tests: single servers, a cluster of masters,
// a master + replica watched by sentinels. Each runs on a port
// of its own (the Redis tests own 7000-7049), in a temp dir, without persistence; everything a
// test starts is stopped by `stop()` (and, as a last resort, when the test process exits), so the
// main server on 6379 is never touched.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConnectionOptions as TlsOptions } from 'node:tls';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { redisServerArgs, redisTlsArgs, type RedisTlsFiles } from '../../shared/backends/redis/kit.js';
import { RedisBackend, type RedisOptions } from '../../shared/backends/redis/index.js';
import { eventually } from '../conformance/harness.js';
import { binariesSkip, endProcess } from '../helpers/processes.js';

export const REDIS_SERVER = '/usr/bin/redis-server';
export const REDIS_CLI = '/usr/bin/redis-cli';

/** A skip message when redis-server is not installed (outside CI); under CI=true that fails. */
export function redisServerSkip(): string | false {
  return binariesSkip(
    existsSync(REDIS_SERVER) && existsSync(REDIS_CLI),
    `${REDIS_SERVER} and ${REDIS_CLI} are needed to start private Redis servers (apt-get install redis-server)`,
  );
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface RedisProcessOptions {
  /** Extra redis-server arguments. */
  args?: readonly string[];
  /** Run as a sentinel with this configuration (after port/bind/dir). */
  sentinelConfig?: string;
  /** Serve TLS only (on `port`), with the test certificate. */
  tls?: boolean;
}

/** One redis-server (or sentinel) process on a fixed port. */
export class RedisProcess {
  private child: ChildProcess | undefined;
  readonly dir: string;

  constructor(
    readonly port: number,
    private readonly options: RedisProcessOptions = {},
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `sitq-redis-${port}-`));
  }

  /** How a client reaches it: TLS options when it serves TLS. */
  get clientTls(): TlsOptions | undefined {
    return this.options.tls ? TEST_TLS_CLIENT : undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process and waits until it answers PING. */
  async start(): Promise<void> {
    const { tls, sentinelConfig, args = [] } = this.options;
    await freePort(this.port, this.clientTls);
    const base = redisServerArgs(this.port, this.dir, tls ? serverTlsFiles() : undefined);
    let argv: string[];
    if (sentinelConfig !== undefined) {
      // Sentinels rewrite their config file, so it must be a file of their own.
      const file = join(this.dir, 'sentinel.conf');
      const listen = tls
        ? ['port 0', `tls-port ${this.port}`, ...pairs(redisTlsArgs(serverTlsFiles())), 'tls-replication yes']
        : [`port ${this.port}`];
      if (!existsSync(file))
        writeFileSync(file, [...listen, 'bind 127.0.0.1', `dir ${this.dir}`, 'protected-mode no', sentinelConfig].join('\n'));
      argv = [file, '--sentinel'];
    } else {
      argv = [...base, ...args];
    }
    const child = spawn(REDIS_SERVER, argv, { stdio: 'ignore' });
    this.child = child;
    running.add(child);
    child.once('exit', () => running.delete(child));
    await eventually(`redis on ${this.port} to answer`, () => ping(this.port, this.clientTls), 15_000, 50);
  }

  /** Kills it (SIGKILL by default: a crash, nothing flushed) and waits until it is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    await endProcess(child, signal);
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function ping(port: number, tls?: TlsOptions): Promise<boolean> {
  const redis = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    retryStrategy: () => null,
    connectTimeout: 500,
    maxRetriesPerRequest: 0,
    ...(tls ? { tls } : {}),
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** A process left on one of our ports by an earlier run that was killed: shut it down. */
async function freePort(port: number, tls?: TlsOptions): Promise<void> {
  if (!(await ping(port, tls))) return;
  spawnSync(REDIS_CLI, ['-p', String(port), ...(tls ? cliTlsArgs() : []), 'shutdown', 'nosave'], { stdio: 'ignore', timeout: 5000 });
  await eventually(`port ${port} to be free`, async () => !(await ping(port, tls)), 10_000, 100);
}

/** A key prefix no other test run uses. */
export const freshRedisPrefix = () => `sitq-test-${randomBytes(5).toString('hex')}:`;

/** Runs `fn` with a connected backend in a fresh prefix, then destroys and closes it. */
export async function withRedisBackend(options: RedisOptions, fn: (b: RedisBackend) => Promise<void>): Promise<void> {
  const backend = new RedisBackend({ keyPrefix: freshRedisPrefix(), ...options });
  await backend.connect();
  try {
    await fn(backend);
  } finally {
    await backend.destroy().catch(() => {});
    await backend.close();
  }
}

/** A short-lived admin connection to one private server. */
export async function withAdmin<T>(port: number, fn: (admin: Redis) => Promise<T>, tls?: TlsOptions): Promise<T> {
  const admin = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, ...(tls ? { tls } : {}) });
  admin.on('error', () => {});
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    admin.disconnect();
  }
}

export interface LocalCluster {
  nodes: RedisProcess[];
  startupNodes: { host: string; port: number }[];
  stop(): Promise<void>;
}

/** `ports.length` masters (no replicas), slots spread evenly, state ok on every node. With `tls`
 *  the nodes serve TLS only, to clients and to each other. */
export async function startCluster(ports: readonly number[], options: { tls?: boolean } = {}): Promise<LocalCluster> {
  const args = [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
    '--cluster-node-timeout',
    '2000',
    ...(options.tls ? ['--tls-cluster', 'yes'] : []),
  ];
  const nodes = ports.map((port) => new RedisProcess(port, { args, tls: options.tls }));
  const tls = nodes[0].clientTls;
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    await Promise.all(nodes.map((n) => n.start()));
    const create = spawnSync(
      REDIS_CLI,
      [
        ...(tls ? cliTlsArgs() : []),
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    for (const port of ports) {
      await eventually(
        `cluster state ok on ${port}`,
        () => withAdmin(port, async (a) => /cluster_state:ok/.test((await a.cluster('INFO')) as string), tls),
        30_000,
        100,
      );
    }
    return { nodes, startupNodes: ports.map((port) => ({ host: '127.0.0.1', port })), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface LocalSentinels {
  master: RedisProcess;
  replica: RedisProcess;
  sentinels: RedisProcess[];
  name: string;
  stop(): Promise<void>;
}

/** A master, one replica of it, and sentinels (quorum: a majority) that fail over after 1 s down.
 *  With `tls` every one of them serves TLS only, replication included. */
export async function startSentinels(
  masterPort: number,
  replicaPort: number,
  sentinelPorts: readonly number[],
  options: { tls?: boolean; serverArgs?: readonly string[] } = {},
): Promise<LocalSentinels> {
  const name = 'sitq-ha';
  const tls = options.tls;
  const replication = [...(tls ? ['--tls-replication', 'yes'] : []), ...(options.serverArgs ?? [])];
  const master = new RedisProcess(masterPort, { args: replication, tls });
  const replica = new RedisProcess(replicaPort, { args: [...replication, '--replicaof', '127.0.0.1', String(masterPort)], tls });
  const quorum = Math.floor(sentinelPorts.length / 2) + 1;
  const config = [
    `sentinel monitor ${name} 127.0.0.1 ${masterPort} ${quorum}`,
    `sentinel down-after-milliseconds ${name} 1000`,
    `sentinel failover-timeout ${name} 10000`,
    `sentinel parallel-syncs ${name} 1`,
    '',
  ].join('\n');
  const sentinels = sentinelPorts.map((port) => new RedisProcess(port, { sentinelConfig: config, tls }));
  const clientTls = master.clientTls;
  const all = [master, replica, ...sentinels];
  const stop = async () => {
    await Promise.all(all.map((p) => p.stop()));
  };
  try {
    await master.start();
    await replica.start();
    await eventually(
      'the replica to sync',
      () => withAdmin(replicaPort, async (a) => /master_link_status:up/.test(await a.info('replication')), clientTls),
      30_000,
      100,
    );
    await Promise.all(sentinels.map((s) => s.start()));
    // Every sentinel knows the replica and the other sentinels before a test fails anything over.
    for (const s of sentinels) {
      await eventually(
        `sentinel ${s.port} to see the replica and its peers`,
        () =>
          withAdmin(
            s.port,
            async (a) => {
              // Linked, not just known: a peer's flags read `disconnected` until its link is up.
              const flags = (list: unknown) => (list as string[][]).map((fields) => fields[fields.indexOf('flags') + 1]);
              const replicas = flags(await a.call('SENTINEL', 'REPLICAS', name));
              const peers = flags(await a.call('SENTINEL', 'SENTINELS', name));
              return (
                replicas.length === 1 &&
                peers.length === sentinels.length - 1 &&
                [...replicas, ...peers].every((f) => !/down|disconnected/.test(f))
              );
            },
            clientTls,
          ),
        30_000,
        200,
      );
    }
    return { master, replica, sentinels, name, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

// A self-signed certificate for "localhost" / 127.0.0.1 that is its own CA, valid 2000-2100, for
// test servers only (a throwaway test key, not a secret).
export const TEST_TLS = {
  cert: `-----BEGIN CERTIFICATE-----
MIIBaDCCAQ2gAwIBAgIBATAKBggqhkjOPQQDAjAUMRIwEAYDVQQDDAlsb2NhbGhv
c3QwIBcNMDAwMTAxMDAwMDAwWhgPMjEwMDAxMDEwMDAwMDBaMBQxEjAQBgNVBAMM
CWxvY2FsaG9zdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABKxh+b9iAVcxxEDO
24j6jiTiN0can9BxVsbqlFjrbn3LVC3KdSovudMLtFRxFnouCTSJaefd26KnV7Mu
O5HPnuOjTjBMMBoGA1UdEQQTMBGCCWxvY2FsaG9zdIcEfwAAATAPBgNVHRMBAf8E
BTADAQH/MB0GA1UdDgQWBBSN+/lEv52EhOSFxeH/8E/tga9D1zAKBggqhkjOPQQD
AgNJADBGAiEA3Ol6u2fAS3NMo9sGiWIzeY7BbT66enE5sjWnIp95M3QCIQCB63RA
uFPunj4Ebd1VhB4Zjj1f0RXGfkGbnz3azcIXLQ==
-----END CERTIFICATE-----
`,
  key: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgpnezgpc6xB7vKLSD
UNMX23semna9lo6T051GIR9wFMihRANCAASsYfm/YgFXMcRAztuI+o4k4jdHGp/Q
cVbG6pRY6259y1QtynUqL7nTC7RUcRZ6Lgk0iWnn3duip1ezLjuRz57j
-----END PRIVATE KEY-----
`,
};

/** Client TLS options that trust the test certificate. */
export const TEST_TLS_CLIENT: TlsOptions = { ca: TEST_TLS.cert, servername: 'localhost' };

let tlsFiles: { cert: string; key: string } | undefined;
/** The test certificate and key as files (redis-server and redis-cli read files). */
function testTlsFiles(): { cert: string; key: string } {
  if (!tlsFiles) {
    const dir = mkdtempSync(join(tmpdir(), 'sitq-redis-tls-'));
    tlsFiles = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
    writeFileSync(tlsFiles.cert, TEST_TLS.cert);
    writeFileSync(tlsFiles.key, TEST_TLS.key, { mode: 0o600 });
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return tlsFiles;
}

/** The test certificate is its own CA. */
function serverTlsFiles(): RedisTlsFiles {
  const f = testTlsFiles();
  return { certFile: f.cert, keyFile: f.key, caFile: f.cert };
}

/** `['--a', 'x', '--b', 'y']` as config lines `a x`, `b y`. */
function pairs(args: readonly string[]): string[] {
  const lines: string[] = [];
  for (let i = 0; i + 1 < args.length; i += 2) lines.push(`${args[i].slice(2)} ${args[i + 1]}`);
  return lines;
}

function cliTlsArgs(): string[] {
  const f = testTlsFiles();
  return ['--tls', '--cacert', f.cert, '--sni', 'localhost'];
}
