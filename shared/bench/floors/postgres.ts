// PostgreSQL raw floor: one UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n)
// RETURNING claims a batch, one UPDATE … WHERE id = ANY($1) acks it. Same library (pg) and
// connection settings as the profile, in a schema of its own that is dropped afterwards.
import pg from 'pg';
import { clientConfig } from '../../backends/postgres/connection.js';
import { resolveOptions, type PostgresOptions } from '../../backends/postgres/options.js';
import { benchId } from '../namespace.js';
import type { FloorDriver } from './types.js';

export class PostgresFloor implements FloorDriver<string> {
  readonly method = 'UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n) RETURNING claims a batch, UPDATE … WHERE id = ANY($1) acks it';
  private client: pg.Client | undefined;
  private readonly schema = `sitq_bench_floor_${benchId()}`;

  constructor(private readonly options: PostgresOptions) {}

  async setup(tasks: number, payload: Buffer): Promise<void> {
    const resolved = resolveOptions({ ...this.options, schema: this.schema });
    const client = new pg.Client(clientConfig(resolved, 'pool'));
    this.client = client;
    await client.connect();
    const jobs = `${this.schema}.jobs`;
    await client.query(`CREATE SCHEMA ${this.schema}`);
    await client.query(`CREATE TABLE ${jobs} (id bigserial PRIMARY KEY, state smallint NOT NULL DEFAULT 0, attempts int NOT NULL DEFAULT 0, payload bytea NOT NULL)`);
    await client.query(`CREATE INDEX ON ${jobs} (id) WHERE state = 0`);
    await client.query(`INSERT INTO ${jobs} (payload) SELECT $1::bytea FROM generate_series(1, $2::int)`, [payload, tasks]);
    await client.query(`ANALYZE ${jobs}`);
  }

  async claim(max: number): Promise<string[]> {
    const jobs = `${this.schema}.jobs`;
    const { rows } = await this.client!.query<{ id: string }>({
      name: 'floor_claim',
      text: `UPDATE ${jobs} SET state = 1, attempts = attempts + 1
             WHERE id IN (SELECT id FROM ${jobs} WHERE state = 0 ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
             RETURNING id, payload`,
      values: [max],
    });
    return rows.map((r) => String(r.id));
  }

  async ack(ids: string[]): Promise<void> {
    await this.client!.query({ name: 'floor_ack', text: `UPDATE ${this.schema}.jobs SET state = 2 WHERE id = ANY($1::bigint[]) AND state = 1`, values: [ids] });
  }

  async teardown(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    await client.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`).catch(() => {});
    await client.end().catch(() => {});
  }
}
