// The peer the profiler compares the PostgreSQL backend with (`npm run bench -- --peers`):
// graphile-worker on the same PostgreSQL, with the settings its performance page recommends, in a
// schema of its own that is dropped afterwards. graphile-worker is a dev dependency: only the
// kit's peer() loads this module.
import { randomBytes } from 'node:crypto';
import { Logger, makeWorkerUtils, run, type Runner, type WorkerUtils } from 'graphile-worker';
import pg from 'pg';
import type { PeerDriver } from '../kit.js';
import { packageVersion } from '../servers.js';

export class GraphileWorkerPeer implements PeerDriver {
  readonly peer = `graphile-worker ${packageVersion('graphile-worker')}`;
  readonly settings: string;
  private readonly schema = `sitq_bench_gw_${randomBytes(5).toString('hex')}`;
  private utils: WorkerUtils | undefined;
  private runner: Runner | undefined;

  constructor(
    private readonly connectionString: string,
    concurrency: number,
  ) {
    this.settings =
      `run() with concurrency ${concurrency}, maxPoolSize ${concurrency + 1}, and the batching its performance page recommends ` +
      `(localQueue size 500, completeJobBatchDelay 0, failJobBatchDelay 0); addJob / addJobs; schema ${this.schema}`;
  }

  async setup(): Promise<void> {
    this.utils = await makeWorkerUtils({ connectionString: this.connectionString, schema: this.schema });
    await this.utils.migrate();
  }

  async add(payload: object): Promise<void> {
    await this.utils!.addJob('sitq.echo', payload);
  }

  async addMany(payloads: object[]): Promise<void> {
    await this.utils!.addJobs(payloads.map((payload) => ({ identifier: 'sitq.echo', payload })));
  }

  async startWorker(concurrency: number, on: { start: () => void; finish: () => void }): Promise<void> {
    const runner = await run({
      connectionString: this.connectionString,
      schema: this.schema,
      concurrency,
      maxPoolSize: concurrency + 1,
      noHandleSignals: true,
      logger: quietLogger(),
      taskList: { 'sitq.echo': async () => {} },
      preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
    });
    runner.events.on('job:start', on.start);
    // With batched completions 'job:complete' is emitted when the completion is queued, before it
    // is written (see confirmed()).
    runner.events.on('job:complete', on.finish);
    this.runner = runner;
  }

  /** Completed jobs are deleted: the completions are written once no job is left. */
  async confirmed(): Promise<void> {
    for (;;) {
      const left = await this.utils!.withPgClient((client) =>
        client.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.schema}._private_jobs`),
      );
      if (Number(left.rows[0].n) === 0) return;
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  async stopWorker(): Promise<void> {
    await this.runner?.stop();
    this.runner = undefined;
  }

  async teardown(): Promise<void> {
    await this.stopWorker().catch(() => {});
    await Promise.resolve(this.utils?.release()).catch(() => {});
    const client = new pg.Client({ connectionString: this.connectionString });
    try {
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
    } finally {
      await client.end().catch(() => {});
    }
  }
}

function quietLogger(): Logger {
  // graphile-worker logs every job start at info level; keep warnings and errors only.
  return new Logger(() => (level: string, message: string) => {
    if (level === 'error' || level === 'warning') process.stderr.write(`graphile-worker ${level}: ${message}\n`);
  });
}
