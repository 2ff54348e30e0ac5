// Server-side structures: the work-queue stream, the two KV buckets, and one durable pull
// consumer per queue and priority level whose ack wait is the lease.
import type { ConsumerConfig, JetStreamClient, JetStreamManager, KV } from 'nats';
import { natsDriver } from './driver.js';
import type { Names } from './names.js';
import type { Source } from './pull.js';

/** Two movers of one delayed task within this window publish it once. */
const DUPLICATE_WINDOW_MS = 120_000;
/** nats-server's duplicate window for a stream created without one (the KV buckets). */
const SERVER_DUPLICATE_WINDOW_MS = 120_000;

export class Topology {
  /** Consumers this process has made sure of, with the ack wait they have. */
  private readonly consumers = new Map<string, number>();

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly js: JetStreamClient,
    private readonly names: Names,
    /** Copies kept by a cluster, for what this creates (consumers inherit the stream's). */
    private readonly replicas = 1,
  ) {}

  /** Creates whatever is missing; existing structures are used as they are. `replicated`: a KV
   *  bucket has more than one copy (as created, or as changed by hand since), whatever `replicas`
   *  this client was given: reads and compare-and-sets must then allow for it (requester.ts).
   *  `duplicateWindowMs`: the shorter of the two buckets' duplicate windows, the time within which
   *  a replicated bucket refuses a second compare-and-set at one revision (known-revisions.ts). */
  async ensure(): Promise<{ tasks: KV; meta: KV; replicated: boolean; duplicateWindowMs: number }> {
    const name = this.names.stream;
    await createOrJoin(
      () =>
        this.jsm.streams.info(name).catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
          return this.jsm.streams.add({
            name,
            subjects: [this.names.workSubjects],
            retention: natsDriver().RetentionPolicy.Workqueue,
            storage: natsDriver().StorageType.File,
            duplicate_window: natsDriver().nanos(DUPLICATE_WINDOW_MS),
            num_replicas: this.replicas,
          });
        }),
      () => this.exists(name),
    );
    // views.kv looks the bucket up and creates it when missing, with no guard of its own.
    const bucket = (bucketName: string, streamName: string): Promise<KV> =>
      createOrJoin(
        () => this.js.views.kv(bucketName, { history: 1, storage: natsDriver().StorageType.File, replicas: this.replicas }),
        () => this.exists(streamName),
      );
    const [tasks, meta] = await Promise.all([
      bucket(this.names.taskBucket, this.names.taskStream),
      bucket(this.names.metaBucket, this.names.metaStream),
    ]);
    const buckets = await Promise.all([this.names.taskStream, this.names.metaStream].map((b) => this.jsm.streams.info(b)));
    return {
      tasks,
      meta,
      replicated: buckets.some((info) => info.config.num_replicas > 1),
      duplicateWindowMs: Math.min(...buckets.map((info) => millis(info.config.duplicate_window))),
    };
  }

  private exists(stream: string): Promise<boolean> {
    return this.jsm.streams.info(stream).then(
      () => true,
      () => false,
    );
  }

  /** Makes sure the level's consumer exists with ack wait = `leaseMs` (one call the first time
   *  and whenever the lease length changes; nothing otherwise). */
  async ensureConsumer(source: Source, leaseMs: number): Promise<void> {
    const known = this.consumers.get(source.consumer);
    if (known === leaseMs) return;
    const config: Partial<ConsumerConfig> = {
      durable_name: source.consumer,
      filter_subject: this.names.workSubject(source.queue, source.level),
      ack_policy: natsDriver().AckPolicy.Explicit,
      deliver_policy: natsDriver().DeliverPolicy.All,
      ack_wait: natsDriver().nanos(leaseMs),
      // Attempts are counted (and capped) in the task record; the server must never drop one.
      max_deliver: -1,
      // Retries wait out their backoff as delayed NAKs, so they stay "pending ack" meanwhile.
      max_ack_pending: -1,
    };
    if (known === undefined) {
      try {
        const info = await this.jsm.consumers.info(this.names.stream, source.consumer);
        if (info.config.ack_wait === config.ack_wait) {
          this.consumers.set(source.consumer, leaseMs);
          return;
        }
      } catch (err) {
        if (!isNotFound(err)) throw err;
        try {
          await this.jsm.consumers.add(this.names.stream, config);
          this.consumers.set(source.consumer, leaseMs);
          return;
        } catch {
          // created concurrently with another ack wait: fall through to the update
        }
      }
    }
    await this.jsm.consumers.update(this.names.stream, source.consumer, { ack_wait: config.ack_wait });
    this.consumers.set(source.consumer, leaseMs);
  }

  /** The ack wait this process last set or saw on the consumer; undefined if not yet checked. */
  ackWaitOf(consumer: string): number | undefined {
    return this.consumers.get(consumer);
  }

  /** The consumer vanished (deleted by hand, stream re-created): make it again next time. */
  forgetConsumer(consumer: string): void {
    this.consumers.delete(consumer);
  }

  async destroy(): Promise<void> {
    this.consumers.clear();
    for (const stream of [this.names.stream, this.names.taskStream, this.names.metaStream]) {
      try {
        await this.jsm.streams.delete(stream);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }
}

/** Runs `create` (look a structure up, create it when missing); if that fails and the structure
 *  exists after all, another client created it at the same moment: runs `create` once more, which
 *  now finds it. nats-server 2.9 (the one here) can refuse the slower of two identical creates
 *  with "subjects overlap with an existing stream", its twin's subjects; later servers hold the
 *  second create until the first is done (an in-flight guard in addStream). */
export async function createOrJoin<T>(create: () => Promise<T>, exists: () => Promise<boolean>): Promise<T> {
  try {
    return await create();
  } catch (err) {
    if (!(await exists())) throw err;
    return create();
  }
}

/** A duplicate window in ms (nanoseconds on the wire; the server's default of 2 min when unset). */
function millis(nanos: number | undefined): number {
  return nanos ? Math.round(nanos / 1e6) : SERVER_DUPLICATE_WINDOW_MS;
}

function isNotFound(err: unknown): boolean {
  if (!(err instanceof natsDriver().NatsError)) return false;
  const apiCode = err.api_error?.code;
  return apiCode === 404 || /not found/i.test(err.message);
}
