// NATS JetStream raw floor: a work-queue stream (file storage, as the backend's) with one durable
// pull consumer; fetch(n) claims a batch (the ack wait is the lease), ack() each message, and a
// flush confirms the acks reached the server. Same library (nats), servers and credentials as the
// profile, on a `SITQ_BENCH_*` stream deleted afterwards.
import type { Consumer, JetStreamClient, JsMsg, NatsConnection } from 'nats';
import { loadNats, natsDriver } from '../../backends/nats/driver.js';
import { connectionOptions } from '../../backends/nats/connection.js';
import { resolveOptions, type NatsOptions } from '../../backends/nats/options.js';
import { benchId } from '../bench-id.js';
import type { FloorDriver } from './types.js';

export class NatsFloor implements FloorDriver<JsMsg> {
  readonly method = 'work-queue stream + durable pull consumer: fetch(n) claims a batch, ack() each message + flush';
  readonly enqueueMethod = 'JetStream publish to the work-queue stream, awaiting its ack (one message, stored on file)';
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private consumer: Consumer | undefined;
  private readonly stream = `SITQ_BENCH_FLOOR_${benchId().toUpperCase()}`;

  constructor(private readonly options: NatsOptions) {}

  async setup(tasks: number, payload: Buffer): Promise<void> {
    await loadNats();
    const nc = await natsDriver().connect({ ...connectionOptions(resolveOptions(this.options)), name: 'sitq bench floor' });
    this.nc = nc;
    const jsm = await nc.jetstreamManager();
    const subject = `${this.stream}.jobs`;
    await jsm.streams.add({
      name: this.stream,
      subjects: [subject],
      retention: natsDriver().RetentionPolicy.Workqueue,
      storage: natsDriver().StorageType.File,
    });
    await jsm.consumers.add(this.stream, { durable_name: 'floor', ack_policy: natsDriver().AckPolicy.Explicit, ack_wait: 30_000_000_000 });
    const js = nc.jetstream();
    this.js = js;
    for (let i = 0; i < tasks; i += 500) {
      const n = Math.min(500, tasks - i);
      await Promise.all(Array.from({ length: n }, () => js.publish(subject, payload)));
    }
    this.consumer = await js.consumers.get(this.stream, 'floor');
  }

  async claim(max: number): Promise<JsMsg[]> {
    const messages = await this.consumer!.fetch({ max_messages: max, expires: 1000 });
    const batch: JsMsg[] = [];
    for await (const m of messages) batch.push(m);
    return batch;
  }

  async ack(messages: JsMsg[]): Promise<void> {
    for (const m of messages) m.ack();
    await this.nc!.flush();
  }

  async enqueueOne(payload: Buffer): Promise<void> {
    await this.js!.publish(`${this.stream}.jobs`, payload);
  }

  async teardown(): Promise<void> {
    const nc = this.nc;
    this.nc = undefined;
    if (!nc) return;
    try {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.delete(this.stream);
    } catch {
      // nothing to delete, or the server went away: the stream name is unique to this run
    }
    await nc.close().catch(() => {});
  }
}
