// Helpers the PostgreSQL backend's test files share: the server, a fresh schema per test, a
// connected backend in one, and the test's own admin connection for looking at (and interfering
// with) the server.
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import pg from 'pg';
import { PostgresBackend, type PostgresOptions } from '../../shared/backends/postgres/index.js';
import { withConnected } from '../conformance/harness.js';
import { SERVERS } from '../helpers/servers.js';

export const SERVER = { host: SERVERS.postgres.host, port: SERVERS.postgres.port, user: 'postgres', database: 'test' };
export const freshSchema = () => `sitq_test_${randomBytes(5).toString('hex')}`;

let adminClient: pg.Client | undefined;

/** Opens the test's admin connection before the calling describe's tests and closes it after. */
export function openAdmin(): void {
  before(async () => {
    adminClient = new pg.Client(SERVER);
    await adminClient.connect();
  });
  after(async () => {
    await adminClient?.end();
    adminClient = undefined;
  });
}

/** The admin connection opened by openAdmin(). */
export function admin(): pg.Client {
  if (!adminClient) throw new Error('internal: admin() used outside a describe that called openAdmin()');
  return adminClient;
}

/** A connected backend in a fresh schema; destroyed and closed after `fn`. */
export async function withPostgres<T>(options: PostgresOptions, fn: (backend: PostgresBackend, schema: string) => Promise<T>): Promise<T> {
  const schema = freshSchema();
  return withConnected(new PostgresBackend({ ...SERVER, schema, ...options }), (backend) => fn(backend, schema));
}

/** The server pids of a backend's pool or LISTEN connections, by their application_name. */
export async function serverConnections(schema: string, role: 'pool' | 'listen'): Promise<number[]> {
  const { rows } = await admin().query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1 ORDER BY pid', [
    `sitq ${role} (${schema})`,
  ]);
  return rows.map((row) => row.pid);
}
