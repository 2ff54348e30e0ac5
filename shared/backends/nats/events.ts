// Backend.subscribe on NATS: events travel on core subjects `<stream>.ev.<queue>` (outside the
// work stream's `<stream>.q.>`, so JetStream stores none of them). The process that made a change
// publishes its events right after the write that made it, without waiting for anything (the
// client buffers it into its next socket write). Core NATS keeps nothing: events published while a
// subscriber is disconnected are lost, which it reports as a gap.
import { decodeWire, type EventSink, type Unsubscribe, type WireEvent } from '../../core/events.js';
import type { Session } from './context.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function eventSubject(s: Session, queue: string): string {
  return `${s.names.stream}.ev.${queue}`;
}

/** Fire-and-forget: one message per queue. */
export function publishEvents(s: Session, events: readonly WireEvent[]): void {
  if (events.length === 0) return;
  const byQueue = new Map<string, WireEvent[]>();
  for (const e of events) {
    const list = byQueue.get(e[2]);
    if (list) list.push(e);
    else byQueue.set(e[2], [e]);
  }
  try {
    for (const [queue, list] of byQueue) s.nc.publish(eventSubject(s, queue), encoder.encode(JSON.stringify(list)));
  } catch {
    // A closed or draining connection: the change is made; its events are lost (at most once).
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
