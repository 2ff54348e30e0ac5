// Throwaway PostgreSQL servers from initdb and pg_ctl, for the kit (the fault tool's --private,
// the test runner) and the HA tests (test/ha/pg-cluster.ts): the newest installed binaries, run as the postgres user when we
// are root (initdb and postgres refuse root), in a temp dir that user owns, listening on
// 127.0.0.1 only with trust authentication and fsync off (nothing in them outlives the run).
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SitqError } from '../../core/errors.js';

const run = promisify(execFile);
const HOST = '127.0.0.1';

export class PgServerError extends SitqError {}

/** The newest installed server binaries (Debian layout), or undefined (then tools come from PATH). */
export const PG_BIN: string | undefined = existsSync('/usr/lib/postgresql')
  ? readdirSync('/usr/lib/postgresql')
      .sort((a, b) => Number(b) - Number(a))
      .map((v) => `/usr/lib/postgresql/${v}/bin`)
      .find((d) => existsSync(`${d}/pg_ctl`))
  : undefined;

/** The path of a server tool: from PG_BIN when it is there, else the bare name. */
export function pgBin(tool: string): string {
  return PG_BIN && existsSync(join(PG_BIN, tool)) ? join(PG_BIN, tool) : tool;
}

const asRoot = process.getuid?.() === 0;

/** The command line running `tool` as the postgres user when we are root. */
export function asPostgres(tool: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', pgBin(tool), ...args]] : [pgBin(tool), args];
}

/** Runs `tool` (as postgres when we are root); a failure names `what` and carries the tool's stderr. */
export async function runPg(tool: string, args: string[], what: string = tool): Promise<void> {
  const [cmd, argv] = asPostgres(tool, args);
  try {
    await run(cmd, argv, { timeout: 120_000 });
  } catch (err) {
    throw new PgServerError(`${what} failed: ${((err as { stderr?: string }).stderr || (err as Error).message).trim()}`);
  }
}

let postgresIds: { uid: number; gid: number } | undefined;

/** The postgres user's ids when we are root (files it must read or own are chowned to it). */
export async function postgresOwner(): Promise<{ uid: number; gid: number } | undefined> {
  if (asRoot && !postgresIds) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout);
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout);
    postgresIds = { uid, gid };
  }
  return postgresIds;
}

/** A new temp dir the postgres user owns. */
export async function postgresDir(prefix: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const owner = await postgresOwner();
  if (owner) chownSync(dir, owner.uid, owner.gid);
  return dir;
}

/** A new cluster in `data`: superuser postgres, trust authentication. */
export function initdb(data: string, what = 'initdb'): Promise<void> {
  return runPg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '--no-instructions'], what);
}

export interface PgCtl {
  /** Starts the server and waits until it accepts connections. */
  start(): Promise<void>;
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Ends recovery on a replica: it becomes a primary. */
  promote(): Promise<void>;
}

/** pg_ctl for the cluster in `dir`/data on 127.0.0.1:`port` (socket in `dir`, log in `dir`/log),
 *  with extra server `settings` (`name=value`). Failures name `label`. */
export function pgCtl(dir: string, port: number, settings: readonly string[], label = `PostgreSQL on ${HOST}:${port}`): PgCtl {
  const ctl = (what: string, ...args: string[]) =>
    runPg('pg_ctl', ['-D', join(dir, 'data'), '-w', '-t', '60', '-l', join(dir, 'log'), ...args], `${what} ${label}`);
  const flags = [`-p ${port}`, `-k ${dir}`, `-c listen_addresses=${HOST}`, '-c fsync=off', ...settings.map((s) => `-c ${s}`)].join(' ');
  return {
    start: () => ctl('starting', '-o', flags, 'start'),
    stop: (mode = 'fast') => ctl('stopping', '-m', mode, 'stop'),
    promote: () => ctl('promoting', 'promote'),
  };
}

/** Stops the cluster in `dir`/data at once, synchronously (for a process 'exit' handler). */
export function stopNow(dir: string): void {
  try {
    const [cmd, argv] = asPostgres('pg_ctl', ['-D', join(dir, 'data'), 'stop', '-m', 'immediate', '-w']);
    execFileSync(cmd, argv, { stdio: 'ignore', timeout: 20_000 });
  } catch {
    // already gone
  }
}
