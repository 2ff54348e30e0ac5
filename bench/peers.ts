// `npm run bench -- --peers`: the same workload through BullMQ on the same Redis and through
// graphile-worker on the same PostgreSQL, in the same run, so sitq's figures can be read beside
// theirs on one machine. Dev dependencies only (this file is not part of the published library).
// Each peer runs with its own recommended settings (stated in `settings` and in bench/README.md),
// in a namespace of its own that is removed afterwards.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { Queue, Worker as BullWorker, type ConnectionOptions } from 'bullmq';
import { Logger, makeWorkerUtils, run, type Runner, type WorkerUtils } from 'graphile-worker';
import pg from 'pg';
import type { PeerResult, ResolvedBenchmarkOptions } from '../shared/bench/index.js';
import { makePayload } from '../shared/bench/options.js';
import { rate, summarize } from '../shared/bench/stats.js';
import type { LocalProfile } from './profiles.js';

const require = createRequire(import.meta.url);
const versionOf = (name: string) => (require(`${name}/package.json`) as { version: string }).version;

/** What the runner needs from a peer: add one, add many, run a worker that reports starts and
 *  confirmed completions. */
interface PeerDriver {
  readonly peer: string;
  readonly settings: string;
  setup(): Promise<void>;
  add(payload: object): Promise<void>;
  addMany(payloads: object[]): Promise<void>;
  startWorker(concurrency: number, on: { start: () => void; finish: () => void }): Promise<void>;
  /** Resolves once every finished job's completion is written on the server, for a peer whose
   *  finish event can come before that (batched completions). */
  confirmed?(): Promise<void>;
  stopWorker(): Promise<void>;
  teardown(): Promise<void>;
}

class BullMqPeer implements PeerDriver {
  readonly peer = `BullMQ ${versionOf('bullmq')}`;
  readonly settings: string;
  private readonly prefix = `sitq-bench-bull-${randomBytes(5).toString('hex')}`;
  private readonly name = 'bench';
  private queue: Queue | undefined;
  private worker: BullWorker | undefined;

  constructor(
    private readonly connection: ConnectionOptions,
    concurrency: number,
  ) {
    this.settings =
      `Queue.add / addBulk; Worker with concurrency ${concurrency}, its defaults otherwise (completed jobs kept, as sitq keeps finished tasks; ` +
      `maxRetriesPerRequest null on the worker's connection, as BullMQ requires); prefix ${this.prefix}`;
  }

  async setup(): Promise<void> {
    this.queue = new Queue(this.name, { connection: this.connection, prefix: this.prefix });
    await this.queue.waitUntilReady();
  }

  async add(payload: object): Promise<void> {
    await this.queue!.add('sitq.echo', payload);
  }

  async addMany(payloads: object[]): Promise<void> {
    await this.queue!.addBulk(payloads.map((data) => ({ name: 'sitq.echo', data })));
  }

  async startWorker(concurrency: number, on: { start: () => void; finish: () => void }): Promise<void> {
    const worker = new BullWorker(this.name, async (job) => job.data, {
      connection: { ...this.connection, maxRetriesPerRequest: null },
      prefix: this.prefix,
      concurrency,
    });
    worker.on('active', on.start);
    // 'completed' is emitted once the job was moved to completed on the server.
    worker.on('completed', on.finish);
    this.worker = worker;
    await worker.waitUntilReady();
  }

  async stopWorker(): Promise<void> {
    await this.worker?.close();
    this.worker = undefined;
  }

  async teardown(): Promise<void> {
    await this.stopWorker().catch(() => {});
    await this.queue?.obliterate({ force: true }).catch(() => {});
    await this.queue?.close().catch(() => {});
  }
}

class GraphileWorkerPeer implements PeerDriver {
  readonly peer = `graphile-worker ${versionOf('graphile-worker')}`;
  readonly settings: string;
  private readonly schema = `sitq_bench_gw_${randomBytes(5).toString('hex')}`;
  private utils: WorkerUtils | undefined;
  private runner: Runner | undefined;

  constructor(
    private readonly connectionString: string,
    private readonly concurrency: number,
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

/** The peers for the profiles that were benchmarked: BullMQ for Redis, graphile-worker for PostgreSQL. */
export function peersFor(profiles: readonly LocalProfile[], concurrency: number): { profile: string; driver: PeerDriver }[] {
  const out: { profile: string; driver: PeerDriver }[] = [];
  for (const p of profiles) {
    const c = p.config;
    if (c.type === 'redis')
      out.push({ profile: p.name, driver: new BullMqPeer({ host: c.host ?? '127.0.0.1', port: c.port ?? 6379 }, concurrency) });
    if (c.type === 'postgres') {
      const url = `postgres://${c.user ?? 'postgres'}@${c.host ?? '127.0.0.1'}:${c.port ?? 5432}/${c.database ?? 'postgres'}`;
      out.push({ profile: p.name, driver: new GraphileWorkerPeer(url, concurrency) });
    }
  }
  return out;
}

/** Counts starts and finishes; resolves waiters when a count is reached. */
class Counter {
  starts = 0;
  finishes = 0;
  firstStartAt = 0;
  lastFinishAt = 0;
  private waiter: { n: number; resolve: () => void } | undefined;
  private startWaiter: ((at: number) => void) | undefined;
  readonly on = {
    start: () => {
      const at = performance.now();
      if (this.starts++ === 0) this.firstStartAt = at;
      this.startWaiter?.(at);
      this.startWaiter = undefined;
    },
    finish: () => {
      this.finishes++;
      this.lastFinishAt = performance.now();
      if (this.waiter && this.finishes >= this.waiter.n) this.waiter.resolve();
    },
  };

  /** The time of the next start (one job in flight at a time: it is that job's). */
  nextStart(): Promise<number> {
    return new Promise((resolve) => (this.startWaiter = resolve));
  }

  reset(): void {
    this.starts = this.finishes = this.firstStartAt = this.lastFinishAt = 0;
  }

  /** Waits until `n` finishes, or rejects after `stallMs` without one. */
  waitFinished(n: number, stallMs: number): Promise<void> {
    if (this.finishes >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let seen = this.finishes;
      const timer = setInterval(() => {
        if (this.finishes === seen) {
          clearInterval(timer);
          reject(new Error(`stalled at ${this.finishes} of ${n} finished jobs`));
        }
        seen = this.finishes;
      }, stallMs);
      this.waiter = {
        n,
        resolve: () => {
          clearInterval(timer);
          this.waiter = undefined;
          resolve();
        },
      };
    });
  }
}

/** The standard workload through one peer: warm-up, enqueue 1-by-1, batch, processing, idle latency. */
export async function runPeer(
  profile: string,
  driver: PeerDriver,
  s: ResolvedBenchmarkOptions,
  progress: (phase: string) => void,
): Promise<PeerResult> {
  const payload = makePayload(s.payloadBytes);
  const counter = new Counter();
  await driver.setup();
  try {
    progress('warmup');
    await driver.startWorker(s.concurrency, counter.on);
    for (let i = 0; i < s.warmup; i++) await driver.add(payload);
    await counter.waitFinished(s.warmup, s.stallTimeoutMs);
    await driver.confirmed?.();
    await driver.stopWorker();
    counter.reset();

    progress('enqueue-single');
    const latency: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < s.singleEnqueue; i++) {
      const t = performance.now();
      await driver.add(payload);
      latency.push(performance.now() - t);
    }
    const single = { ...rate(s.singleEnqueue, performance.now() - t0), latency: summarize(latency) };
    progress('enqueue-batch');
    const batchCount = s.tasks - s.singleEnqueue;
    const b0 = performance.now();
    for (let done = 0; done < batchCount; done += s.batchSize)
      await driver.addMany(new Array<object>(Math.min(s.batchSize, batchCount - done)).fill(payload));
    const batch = { ...rate(batchCount, performance.now() - b0), batchSize: s.batchSize };

    progress('processing');
    await driver.startWorker(s.concurrency, counter.on);
    await counter.waitFinished(s.tasks, s.stallTimeoutMs);
    if (driver.confirmed) {
      await driver.confirmed();
      counter.lastFinishAt = performance.now();
    }
    const processing = rate(counter.finishes, counter.lastFinishAt - counter.firstStartAt);

    progress('idle-latency');
    const toStart: number[] = [];
    const toFinish: number[] = [];
    for (let i = 0; i < s.idleSamples; i++) {
      const finishesBefore = counter.finishes;
      const started = counter.nextStart();
      const t = performance.now();
      await driver.add(payload);
      const [startAt] = await Promise.all([started, counter.waitFinished(finishesBefore + 1, s.stallTimeoutMs)]);
      if (driver.confirmed) {
        await driver.confirmed();
        counter.lastFinishAt = performance.now();
      }
      toStart.push(startAt - t);
      toFinish.push(counter.lastFinishAt - t);
      if (s.idleGapMs > 0) await new Promise((r) => setTimeout(r, s.idleGapMs));
    }
    await driver.stopWorker();
    return {
      kind: 'peer',
      peer: driver.peer,
      profile,
      settings: driver.settings,
      concurrency: s.concurrency,
      enqueue: { single, batch },
      processing,
      idle: { toStart: summarize(toStart), toFinish: summarize(toFinish) },
    };
  } finally {
    await driver.teardown();
  }
}
