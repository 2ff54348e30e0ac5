// Backend.subscribe: every script that changes a task PUBLISHes its events (core/events.ts's
// wire form, one message per script) on `<prefix>finished:events`; subscribers of this process
// share the backend's subscriber connection. Redis pub/sub keeps nothing: a message published
// while the connection is down is lost, so a lost connection is reported as a gap.
import { ConfigurationError } from '../../core/errors.js';
import { decodeWire, type EventSink, type Unsubscribe } from '../../core/events.js';
import type { RedisConnections } from './connections.js';

export class EventSubscriber {
  private readonly sinks = new Set<EventSink>();
  private subscribed: Promise<void> | undefined;

  constructor(
    private readonly connections: RedisConnections,
    private readonly channel: string,
  ) {}

  async add(sink: EventSink): Promise<Unsubscribe> {
    this.sinks.add(sink);
    try {
      await this.subscribe();
    } catch (err) {
      this.sinks.delete(sink);
      throw err;
    }
    return async () => {
      this.sinks.delete(sink);
    };
  }

  /** Forgets the subscription (the connection is closed with the others, or was lost). */
  reset(lost = false): void {
    this.subscribed = undefined;
    if (lost) for (const sink of this.sinks) sink.gap('the Redis subscriber connection ended');
  }

  private subscribe(): Promise<void> {
    if (!this.subscribed) {
      const opening = this.connections.subscriber(() => this.reset(true));
      if (!opening) {
        return Promise.reject(
          new ConfigurationError({
            option: 'maxConnections',
            expected: 'at least 3 for events (one connection is the subscriber)',
            given: 'fewer',
          }),
        );
      }
      this.subscribed = opening.then(async (conn) => {
        conn.on('message', (channel: string, message: string) => {
          if (channel !== this.channel || this.sinks.size === 0) return;
          const events = decodeWire(message);
          for (const sink of this.sinks) sink.events(events);
        });
        // ioredis subscribes again after a reconnect; what was published meanwhile is gone.
        conn.on('close', () => {
          for (const sink of this.sinks) sink.gap('the Redis subscriber connection closed; events published until it is back are lost');
        });
        // Ended for good (whoever opened it is told too): the next subscriber opens a new one.
        conn.once('end', () => (this.subscribed = undefined));
        await conn.subscribe(this.channel);
      });
      this.subscribed.catch(() => (this.subscribed = undefined));
    }
    return this.subscribed;
  }
}
