// PostgreSQL raw floor: one UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n)
// RETURNING claims a batch under a lease (owner + expiry), one UPDATE … WHERE id = ANY($1) AND
// owner = $2 acks it. Same library (pg) and
// connection settings as the profile, in a schema of its own that is dropped afterwards.
// The claim commits asynchronously and the ack durably, as the backend's claim and completion do
// (a claim lost in a crash only makes the task claimable again), so both pay the same fsyncs.
import type pg from 'pg';
import { loadPg, pgDriver } from '../../backends/postgres/driver.js';
import { clientConfig } from '../../backends/postgres/connection.js';
import { resolveOptions, type PostgresOptions } from '../../backends/postgres/options.js';
import { benchId } from '../bench-id.js';
import { LEASE_MS, type FloorDriver } from './types.js';

export class PostgresFloor implements FloorDriver<string> {
  readonly method =
    'UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n) RETURNING claims a batch under a lease (committed asynchronously), UPDATE … WHERE id = ANY($1) AND owner = $2 acks it';
  readonly enqueueMethod = 'INSERT INTO jobs (payload) VALUES ($1) (one prepared statement, autocommit, durable commit)';
  private readonly owner = `floor-${benchId()}`;
  private client: pg.Client | undefined;
  private readonly schema = `sitq_bench_floor_${benchId()}`;

  constructor(private readonly options: PostgresOptions) {}

  async setup(tasks: number, payload: Buffer): Promise<void> {
    await loadPg();
    const resolved = resolveOptions({ ...this.options, schema: this.schema });
    const client = new (pgDriver().Client)(clientConfig(resolved, 'pool'));
    this.client = client;
    await client.connect();
    const jobs = `${this.schema}.jobs`;
    await client.query(`CREATE SCHEMA ${this.schema}`);
    await client.query(
      `CREATE TABLE ${jobs} (id bigserial PRIMARY KEY, state smallint NOT NULL DEFAULT 0, attempts int NOT NULL DEFAULT 0, owner text, lease_expires_at timestamptz, payload bytea NOT NULL)`,
    );
    await client.query(`CREATE INDEX ON ${jobs} (id) WHERE state = 0`);
    await client.query(`INSERT INTO ${jobs} (payload) SELECT $1::bytea FROM generate_series(1, $2::int)`, [payload, tasks]);
    await client.query(`ANALYZE ${jobs}`);
  }

  async claim(max: number): Promise<string[]> {
    const jobs = `${this.schema}.jobs`;
    const { rows } = await this.client!.query<{ id: string }>({
      name: 'floor_claim',
      text: `UPDATE ${jobs} SET state = 1, attempts = attempts + 1, owner = $2, lease_expires_at = now() + make_interval(secs => $3)
             WHERE id IN (SELECT id FROM ${jobs} WHERE state = 0 ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
             RETURNING id, payload, set_config('synchronous_commit', 'off', true)`,
      values: [max, this.owner, LEASE_MS / 1000],
    });
    return rows.map((r) => String(r.id));
  }

  async ack(ids: string[]): Promise<void> {
    await this.client!.query({
      name: 'floor_ack',
      text: `UPDATE ${this.schema}.jobs SET state = 2, owner = NULL, lease_expires_at = NULL WHERE id = ANY($1::bigint[]) AND state = 1 AND owner = $2`,
      values: [ids, this.owner],
    });
  }

  async enqueueOne(payload: Buffer): Promise<void> {
    await this.client!.query({ name: 'floor_enqueue', text: `INSERT INTO ${this.schema}.jobs (payload) VALUES ($1)`, values: [payload] });
  }

  async teardown(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    await client.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`).catch(() => {});
    await client.end().catch(() => {});
  }
}
