// The live event stream of task transitions (queue.events()). Each backend carries events by its
// own means (memory: in-process; SQLite: an event log polled by a change check; PostgreSQL:
// NOTIFY in the statement that makes the change; Redis: PUBLISH in the script; NATS: core
// subjects) in one wire form, decoded here. Delivery is at most once: an event published while a
// subscriber was not connected, or dropped because it fell behind, is not delivered again; the
// stream then yields a `gap` item and the consumer reads the state afresh (snapshot()).
import { EventEmitter } from 'node:events';
import type { TaskProgress, TaskReport } from './progress.js';
import type { Completion, TaskErrorInfo } from './types.js';
import type { EventGap, EventSink, EventStreamItem, TaskEvent, TaskEventKind, Unsubscribe } from './event-types.js';

export type { EventGap, EventSink, EventStreamItem, TaskEvent, TaskEventKind, Unsubscribe } from './event-types.js';

// --- the wire form -------------------------------------------------------------------------------
// One message holds a JSON array of events, each itself an array: [kind letter, task id, queue,
// at, attempt, extra], where extra is progress JSON (p), log lines (l), the error (r, d) or
// null. Letters keep a busy stream small; r (retried) and d (dead) stand for `failed` followed by
// the kind itself, so a failed attempt costs one event on the wire.
export type WireKind = 'e' | 's' | 'p' | 'l' | 'r' | 'u' | 'd' | 'c';
export type WireEvent = [kind: WireKind, taskId: string, queue: string, at: number, attempt: number | null, extra: unknown];

/** The most bytes of log lines one event carries (a larger batch is cut to its newest lines and
 *  marked): PostgreSQL's NOTIFY takes 8,000 bytes, and the whole log is in getTask anyway. */
export const EVENT_LINES_MAX_BYTES = 4000;

export function wireLines(lines: readonly string[]): string[] {
  const out: string[] = [];
  let bytes = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    bytes += Buffer.byteLength(lines[i]) + 4;
    if (bytes > EVENT_LINES_MAX_BYTES) {
      out.unshift(`… ${i + 1} earlier line(s) not in this event (see the task's log)`);
      break;
    }
    out.unshift(lines[i]);
  }
  return out;
}

/** The events a report publishes: progress when it changed, the new log lines when there are any. */
export function reportWire(report: TaskReport, queue: string, at: number, attempt: number | null = null): WireEvent[] {
  const out: WireEvent[] = [];
  if (report.progressChanged && report.progress !== undefined)
    out.push(['p', report.lease.taskId, queue, at, attempt, JSON.stringify(report.progress)]);
  if (report.newLines.length > 0) out.push(['l', report.lease.taskId, queue, at, attempt, JSON.stringify(wireLines(report.newLines))]);
  return out;
}

/** The event a completion publishes. */
export function completionWire(c: Completion, queue: string, at: number, attempt: number | null = null): WireEvent {
  const id = c.lease.taskId;
  switch (c.outcome) {
    case 'succeeded':
      return ['u', id, queue, at, attempt, null];
    case 'retry':
      return ['r', id, queue, at, attempt, JSON.stringify({ name: c.error.name, message: c.error.message, runAt: c.runAt })];
    case 'dead':
      return ['d', id, queue, at, attempt, JSON.stringify({ name: c.error.name, message: c.error.message })];
  }
}

const KINDS: Record<WireKind, TaskEventKind> = {
  e: 'enqueued',
  s: 'started',
  p: 'progress',
  l: 'log',
  r: 'retried',
  u: 'succeeded',
  d: 'dead',
  c: 'cancelled',
};

/** The events of one message, in order; an unreadable message or event is skipped. */
export function decodeWire(message: string | unknown[]): TaskEvent[] {
  let items: unknown;
  try {
    items = typeof message === 'string' ? JSON.parse(message) : message;
  } catch {
    return [];
  }
  if (!Array.isArray(items)) return [];
  const out: TaskEvent[] = [];
  for (const item of items) {
    if (
      !Array.isArray(item) ||
      typeof item[0] !== 'string' ||
      !(item[0] in KINDS) ||
      typeof item[1] !== 'string' ||
      typeof item[2] !== 'string'
    )
      continue;
    const [letter, taskId, queue, at, attempt, extra] = item as WireEvent;
    const base: TaskEvent = { kind: KINDS[letter], taskId, queue, at: Number(at) };
    if (typeof attempt === 'number') base.attempt = attempt;
    const parsed = typeof extra === 'string' ? parseJson(extra) : extra;
    if (letter === 'p') base.progress = parsed as TaskProgress;
    else if (letter === 'l') base.lines = Array.isArray(parsed) ? parsed.map(String) : [];
    else if (letter === 'r' || letter === 'd') {
      const e = parsed as { name?: unknown; message?: unknown; runAt?: unknown } | null;
      if (e && typeof e === 'object') {
        base.error = { name: String(e.name ?? 'Error'), message: String(e.message ?? '') };
        if (letter === 'r' && e.runAt !== undefined) base.runAt = Number(e.runAt);
      }
      out.push({ ...base, kind: 'failed' });
    }
    out.push(base);
  }
  return out;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// --- the consumer's side ---------------------------------------------------------------------------

export interface EventFilter {
  /** Only this queue's tasks. */
  queue?: string;
  /** Only this task. */
  taskId?: string;
  /** Events held for a consumer that does not keep up; past this the newest are dropped and a
   *  `gap` follows once it catches up. Default 10,000. */
  buffer?: number;
}

export interface TaskEventEmitterEvents {
  event: [TaskEvent];
  gap: [EventGap];
  error: [Error];
}

/**
 * One subscription: an async iterator of events (and gaps) and, with `on('event')`, an
 * EventEmitter. Ready once `ready` resolves: events the backend publishes from then on are
 * delivered (at most once). `close()` ends the iteration.
 */
export class TaskEventStream extends EventEmitter<TaskEventEmitterEvents> implements AsyncIterable<EventStreamItem> {
  readonly ready: Promise<void>;
  private readonly buffered: EventStreamItem[] = [];
  private readonly limit: number;
  private dropped = 0;
  private wake: (() => void) | undefined;
  private closed = false;
  private unsubscribe: Unsubscribe | undefined;

  constructor(
    subscribe: (sink: EventSink) => Promise<Unsubscribe>,
    private readonly filter: EventFilter = {},
  ) {
    super();
    this.limit = filter.buffer ?? 10_000;
    this.ready = subscribe({
      events: (events) => this.take(events),
      gap: (reason) => this.push({ kind: 'gap', at: Date.now(), reason }),
    }).then((stop) => {
      this.unsubscribe = stop;
      if (this.closed) void stop();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake?.();
    await this.ready.catch(() => {});
    await this.unsubscribe?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<EventStreamItem> {
    await this.ready;
    try {
      while (!this.closed) {
        const item = this.buffered.shift();
        if (item) {
          yield item;
          continue;
        }
        if (this.dropped > 0) {
          const reason = `${this.dropped} event(s) dropped: the consumer fell behind by more than ${this.limit}`;
          this.dropped = 0;
          yield { kind: 'gap', at: Date.now(), reason };
          continue;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
      }
    } finally {
      await this.close();
    }
  }

  private take(events: readonly TaskEvent[]): void {
    for (const e of events) {
      if (this.filter.queue !== undefined && e.queue !== this.filter.queue) continue;
      if (this.filter.taskId !== undefined && e.taskId !== this.filter.taskId) continue;
      this.push(e);
    }
  }

  private push(item: EventStreamItem): void {
    if (this.closed) return;
    if (item.kind === 'gap') this.emit('gap', item);
    else this.emit('event', item);
    // Kept for the iterator too (bounded: an emitter-only user holds at most `buffer` events).
    if (this.buffered.length >= this.limit) this.dropped++;
    else this.buffered.push(item);
    this.wake?.();
  }
}
