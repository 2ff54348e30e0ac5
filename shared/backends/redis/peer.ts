// The peer the profiler compares the Redis backend with (`npm run bench -- --peers`): BullMQ on the
// same Redis, with its own recommended settings, under a prefix of its own that is removed
// afterwards. bullmq is a dev dependency: only the kit's peer() loads this module.
import { randomBytes } from 'node:crypto';
import { Queue, Worker as BullWorker, type ConnectionOptions } from 'bullmq';
import type { PeerDriver } from '../kit.js';
import { packageVersion } from '../servers.js';

export class BullMqPeer implements PeerDriver {
  readonly peer = `BullMQ ${packageVersion('bullmq')}`;
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
