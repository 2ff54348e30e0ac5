// Backend.subscribe on NATS: events travel on core subjects `<stream>.ev.<queue>` (outside the
// work stream's `<stream>.q.>`, so JetStream stores none of them). The process that made a change
// publishes its events after the write that made it, without waiting for anything: they go out
// with the connection's next request, in the same socket write, or within 10 ms (EventOutbox).
// Core NATS keeps nothing: events published while a
// subscriber is disconnected are lost, which it reports as a gap.
import { decodeWire, type EventSink, type Unsubscribe, type WireEvent } from '../../core/events.js';
import type { NatsConnection } from 'nats';
import type { Session } from './context.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function eventSubject(stream: string, queue: string): string {
  return `${stream}.ev.${queue}`;
}

/** Fire-and-forget, through the session's outbox (EventOutbox). */
export function publishEvents(s: Session, events: readonly WireEvent[]): void {
  s.outbox.add(events);
}

/** How long events may wait for the session's next request before they go out on their own. */
export const EVENT_HOLD_MS = 10;
/** Ticks of the outbox's timer with no event added before it stops (an idle process wakes for
 *  nothing). */
const QUIET_TICKS = 10;

/**
 * Events wait here until this process's next request to the server goes out, and are published
 * in the same tick, so the client writes them to the socket together with that request; a timer
 * sends them within EVENT_HOLD_MS when no request comes. Published on their own, right after the
 * change, they cost one socket write per change: an awaited enqueue made three writes instead of
 * two, and its client CPU rose from ~410 to ~560 µs (strace and a CPU profile; bench/README.md).
 * The timer is an interval that runs while events come and stops after QUIET_TICKS ticks without
 * one: a timeout armed again after each one that fired (every few enqueues of a steady producer,
 * whose events the next request had taken already) made a new timer list each time, ~30 µs.
 * One outbox per connection keeps each task's events in order.
 */
export class EventOutbox {
  private pending: WireEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Events were added since the timer's last tick. */
  private added = false;
  private quietTicks = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjectOf: (queue: string) => string,
  ) {}

  add(events: readonly WireEvent[]): void {
    if (events.length === 0) return;
    for (const e of events) this.pending.push(e);
    this.added = true;
    this.timer ??= setInterval(() => this.tick(), EVENT_HOLD_MS);
  }

  private tick(): void {
    this.flush();
    if (this.added) {
      this.added = false;
      this.quietTicks = 0;
    } else if (++this.quietTicks >= QUIET_TICKS) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.quietTicks = 0;
    }
  }

  /** Publishes what waits, one message per queue (called before each request and by the timer). */
  flush(): void {
    if (this.pending.length === 0) return;
    const pending = this.pending;
    this.pending = [];
    try {
      const queue = pending[0][2];
      if (pending.every((e) => e[2] === queue)) this.publish(queue, pending);
      else {
        const byQueue = new Map<string, WireEvent[]>();
        for (const e of pending) {
          const list = byQueue.get(e[2]);
          if (list) list.push(e);
          else byQueue.set(e[2], [e]);
        }
        for (const [q, list] of byQueue) this.publish(q, list);
      }
    } catch {
      // A closed or draining connection: the change is made; its events are lost (at most once).
    }
  }

  private publish(queue: string, events: readonly WireEvent[]): void {
    this.nc.publish(this.subjectOf(queue), encoder.encode(JSON.stringify(events)));
  }

  /** Sends what waits and stops the timer (the session is closing). */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
  }
}

/** Subscribes to every queue's events; resolves once the server has the subscription. */
export async function subscribeEvents(s: Session, sink: EventSink): Promise<Unsubscribe> {
  const sub = s.nc.subscribe(`${s.names.stream}.ev.>`, {
    callback: (err, msg) => {
      if (err) sink.gap(`the NATS events subscription failed: ${err.message}`);
      else sink.events(decodeWire(decoder.decode(msg.data)));
    },
  });
  const onReconnect = () => sink.gap('the NATS connection was lost and came back; events published meanwhile are lost');
  s.events.on('reconnected', onReconnect);
  await s.nc.flush();
  return async () => {
    s.events.off('reconnected', onReconnect);
    sub.unsubscribe();
  };
}
