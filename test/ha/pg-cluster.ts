// Private PostgreSQL clusters for tests that stop, kill, promote or stall a server (never the
// shared one on 5432): a primary from initdb, streaming replicas from pg_basebackup -R, on ports
// 5440-5449 of 127.0.0.1 with trust authentication, fsync off. Optional TLS with a throwaway
// self-signed certificate for 127.0.0.1. Everything lives in one temp dir removed by remove().
import { execFile } from 'node:child_process';
import { chownSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { initdb, PG_BIN, pgCtl, postgresDir, postgresOwner, runPg } from '../../shared/backends/postgres/server.js';
import { freePortIn } from '../../shared/backends/servers.js';
import { binariesSkip } from '../helpers/processes.js';
import { writeSelfSignedCert } from '../helpers/tls.js';

const run = promisify(execFile);

/** A skip message when the server binaries are missing outside CI; under CI=true missing
 *  binaries fail the run instead (CI installs them with ../shared/services.sh). */
export function clusterSkip(): string | false {
  return binariesSkip(
    PG_BIN !== undefined && existsSync(join(PG_BIN, 'pg_basebackup')),
    'PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) are not installed under /usr/lib/postgresql',
  );
}

const PORTS = { first: 5440, last: 5449 };
const HOST = '127.0.0.1';

export interface Cluster {
  readonly host: string;
  readonly port: number;
  /** `127.0.0.1:port`, as `hosts` takes it. */
  readonly address: string;
  /** PEM of the server certificate (also its own CA) when started with tls. */
  readonly certificate: string | undefined;
  start(): Promise<void>;
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Ends recovery on a replica: it becomes a primary. */
  promote(): Promise<void>;
  /** An admin query on the `postgres` database (one short connection). */
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  /** Stops the server (immediate) and deletes its files; safe to call twice. */
  remove(): Promise<void>;
}

export interface ClusterOptions {
  /** TLS on, with a self-signed certificate whose subjectAltName is 127.0.0.1. */
  tls?: boolean;
}

const portsInUse = new Set<number>();

/** A free port of this task's range, not handed out before in this process. */
const freePort = () => freePortIn(PORTS.first, PORTS.last, 'a private PostgreSQL cluster', portsInUse);

function control(dir: string, port: number, settings: string[], certificate: string | undefined): Cluster {
  const ctl = pgCtl(dir, port, ['full_page_writes=off', ...settings]);
  let removed = false;
  return {
    host: HOST,
    port,
    address: `${HOST}:${port}`,
    certificate,
    ...ctl,
    async query<R extends pg.QueryResultRow>(text: string, values?: unknown[]) {
      const client = new pg.Client({ host: HOST, port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 5000 });
      await client.connect();
      try {
        return (await client.query<R>(text, values)).rows;
      } finally {
        await client.end();
      }
    },
    async remove() {
      if (removed) return;
      removed = true;
      await ctl.stop('immediate').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
      portsInUse.delete(port);
    },
  };
}

/** A new primary cluster, started. */
export async function startPrimary(options: ClusterOptions = {}): Promise<Cluster> {
  if (!PG_BIN) throw new Error('PostgreSQL server binaries are not installed');
  const dir = await postgresDir('sitq-pg-');
  const port = await freePort();
  const data = join(dir, 'data');
  let certificate: string | undefined;
  const settings: string[] = [];
  try {
    await initdb(data);
    if (options.tls) {
      // In the data dir, so pg_basebackup copies it to replicas.
      writeSelfSignedCert(join(data, 'server.key'), join(data, 'server.crt'), 2);
      const owner = await postgresOwner();
      if (owner) for (const file of ['server.key', 'server.crt']) chownSync(join(data, file), owner.uid, owner.gid);
      await run('chmod', ['600', join(data, 'server.key')]);
      certificate = readFileSync(join(data, 'server.crt'), 'utf8');
      settings.push('ssl=on');
    }
    const cluster = control(dir, port, settings, certificate);
    await cluster.start();
    return cluster;
  } catch (err) {
    await control(dir, port, settings, certificate).remove();
    throw err;
  }
}

/** A streaming replica of `primary` (pg_basebackup -R), started and streaming. With `synchronous`
 *  the primary then waits for this replica on every commit, so a commit the client saw is never
 *  lost by promoting it. */
export async function startReplica(primary: Cluster, options: { synchronous?: boolean } = {}): Promise<Cluster> {
  const dir = await postgresDir('sitq-pg-');
  const port = await freePort();
  const settings = primary.certificate ? ['ssl=on'] : [];
  const name = `replica_${port}`;
  const replica = control(dir, port, settings, primary.certificate);
  try {
    await runPg('pg_basebackup', [
      '-h',
      HOST,
      '-p',
      String(primary.port),
      '-U',
      'postgres',
      '-D',
      join(dir, 'data'),
      '-R',
      '-X',
      'stream',
      '--no-sync',
      '-d',
      `application_name=${name}`,
    ]);
    await replica.start();
    await waitUntil(
      `the replica on ${port} to stream from ${primary.port}`,
      async () =>
        (await primary.query('SELECT 1 FROM pg_stat_replication WHERE application_name = $1 AND state = $2', [name, 'streaming'])).length >
        0,
    );
    if (options.synchronous) {
      // ALTER SYSTEM after the base backup: only the primary has it, so the promoted replica does
      // not wait for a standby it does not have.
      await primary.query(`ALTER SYSTEM SET synchronous_standby_names = '${name}'`);
      await primary.query('SELECT pg_reload_conf()');
      await waitUntil(
        'synchronous replication',
        async () =>
          (await primary.query('SELECT 1 FROM pg_stat_replication WHERE application_name = $1 AND sync_state = $2', [name, 'sync']))
            .length > 0,
      );
    }
    return replica;
  } catch (err) {
    await replica.remove();
    throw err;
  }
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
