// The PostgreSQL backend's kit for the project's tools (see ../kit.ts): the standard service and
// throwaway clusters (./server.ts), connection kills with pg_terminate_backend, a lock that holds
// every pooled connection, the server CPU of a run's backend processes, and graphile-worker as the
// profiler's peer (./peer.ts, loaded on request: graphile-worker is a dev dependency).
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import type { BackendKit, TaskLocker } from '../kit.js';
import { control, HOST, onExit, safeCpuUs } from '../servers.js';
import type { PostgresOptions } from './options.js';
import { initdb, PG_BIN, pgBin, pgCtl, postgresDir, stopNow } from './server.js';

const run = promisify(execFile);
const LABEL = 'PostgreSQL';

/** A client of the server `options` name (no pool, no schema), for the tools' own queries. */
function adminClient(options: PostgresOptions): pg.Client {
  const client = new pg.Client({
    host: options.host,
    port: options.port,
    database: options.database,
    user: options.user,
    password: options.password,
  });
  client.on('error', () => {}); // a failed query rejects; the event would only crash the tool
  return client;
}

const serverOptions = (host: string, port: number): PostgresOptions => ({ host, port, database: 'test', user: 'postgres' });

async function startPrivate(port: number) {
  const dir = await postgresDir('sitq-faults-pg-');
  await initdb(join(dir, 'data'), 'initdb of the private PostgreSQL');
  const label = `private ${LABEL} on ${HOST}:${port}`;
  const ctl = pgCtl(dir, port, ['max_connections=200'], `the ${label}`);
  // pg_ctl daemonizes the server: it is no child of ours to kill when this process ends.
  const cleanup = onExit(() => {
    stopNow(dir);
    rmSync(dir, { recursive: true, force: true });
  });
  const server = control('postgres', port, label, serverOptions(HOST, port), {
    stop: () => ctl.stop(),
    start: () => ctl.start(),
    async dispose() {
      await ctl.stop('immediate').catch(() => {});
      cleanup.remove();
      rmSync(dir, { recursive: true, force: true });
    },
  });
  await server.start();
  await run(pgBin('createdb'), ['-h', HOST, '-p', String(port), '-U', 'postgres', 'test']);
  return server;
}

/** The CPU of the server processes behind the connections whose application_name is like `like`. */
function backendProcessesCpu(like: string) {
  let pids: number[] = [];
  let before = 0;
  const read = () => pids.reduce((n, pid) => n + safeCpuUs(pid), 0);
  return {
    async start() {
      const client = new pg.Client({ host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres' });
      await client.connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name LIKE $1', [like]);
      await client.end();
      pids = rows.map((r) => r.pid);
      before = read();
    },
    async stop() {
      return pids.length ? read() - before : undefined;
    },
  };
}

export const kit: BackendKit<PostgresOptions> = {
  server: {
    label: LABEL,
    note: 'db test',
    privatePorts: [5450, 5459],
    options: serverOptions,
    reroute: (options, host, port) => ({ ...options, host, port }),
    stopCommand() {
      const versions = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql').sort((a, b) => Number(a) - Number(b)) : [];
      return `pg_ctlcluster --skip-systemctl-redirect ${versions.at(-1) ?? '15'} main stop -m fast`;
    },
    missing: () => (PG_BIN ? undefined : 'PostgreSQL (initdb, pg_ctl under /usr/lib/postgresql) is not installed'),
    startPrivate,
  },
  stallDetection: {
    options: { queryTimeout: 5000, keepAlive: 5000 },
    noticeMs: 10_000,
    why: 'queryTimeout 5000 ms; keepAlive 5000 ms + 5 s for an idle LISTEN connection',
  },
  connectionKill: {
    viaProxy: false,
    how: "pg_terminate_backend on every connection of the run's schema",
    async kill({ options }) {
      const client = adminClient(options);
      await client.connect();
      try {
        // Every connection of this run's schema: the workers' pools and LISTEN clients (and the harness's own).
        // Their application_name is `sitq <role> (<schema>)` (connection.ts).
        const result = await client.query<{ name: string }>(
          `select application_name as name from pg_stat_activity where application_name like $1 and pid <> pg_backend_pid() and pg_terminate_backend(pid)`,
          [`%(${options.schema})`],
        );
        return result.rows.map((r) => r.name.split(' ')[1] ?? r.name);
      } finally {
        await client.end();
      }
    },
  },
  poolExhaustion: {
    workerOptions: { poolSize: 2, maxOverflow: 0, poolTimeout: 2000 },
    probeOptions: { poolSize: 1, maxOverflow: 0, poolTimeout: 1000 },
    probeTimeoutMs: 1000,
    async locker(options): Promise<TaskLocker> {
      const client = adminClient(options);
      await client.connect();
      return {
        async lock() {
          await client.query('begin');
          await client.query(`lock table ${options.schema}.tasks in access exclusive mode`);
        },
        async release() {
          await client.query('commit');
        },
        close: () => client.end(),
      };
    },
  },
  async peer(options, concurrency) {
    const { GraphileWorkerPeer } = await import('./peer.js');
    const { host = HOST, port = 5432, user = 'postgres', password, database = 'postgres' } = options;
    const auth = encodeURIComponent(user) + (password === undefined ? '' : `:${encodeURIComponent(password)}`);
    return new GraphileWorkerPeer(options.connectionString ?? `postgres://${auth}@${host}:${port}/${database}`, concurrency);
  },
  // The floor's connections are named `sitq_bench_floor_...`, a backend's `sitq <role> (<schema>)`.
  serverCpu: (run, options) => backendProcessesCpu(run === 'floor' ? '%sitq_bench_floor_%' : `%(${options.schema})`),
};
