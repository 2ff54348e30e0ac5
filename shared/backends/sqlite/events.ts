// Backend.subscribe on SQLite. There is no server to push anything, so events travel through the
// file: while some process subscribes (sitq_meta 'events_until' lies in the future, refreshed by
// each subscriber), every write transaction that changes tasks adds one row of its events to
// sitq_events, in the same transaction. Subscribers check every POLL_MS whether anything was
// written — PRAGMA data_version for other connections' commits, the in-process hub's counter for
// this process's — and read only then. Without a subscriber the writers add nothing (they re-read
// the flag at most every FLAG_CHECK_MS), so the hot path stays as it was.
import { decodeWire, type EventSink, type Unsubscribe, type WireEvent } from '../../core/events.js';
import type { Database, Statement } from './driver.js';
import { writeTransaction } from './connection.js';
import type { WakeupHub } from './wakeup.js';

/** How often a writer re-reads whether anyone subscribes. */
const FLAG_CHECK_MS = 250;
/** How often a subscriber looks for new events (the delivery delay across processes). */
const POLL_MS = 20;
/** A subscriber's claim on events lasts this long and is renewed every third of it. */
const FLAG_TTL_MS = 6_000;
/** Rows kept behind the newest (a subscriber further behind than this has a gap). */
export const KEEP_ROWS = 10_000;

export class EventLog {
  private wantedUntil = 0;
  private checkedAt = -Infinity;
  private readonly readFlag: Statement<[], { value: number }>;
  private readonly insert: Statement<[body: string], { seq: number }>;
  private readonly prune: Statement<[below: number]>;

  constructor(
    db: Database,
    private readonly hub: WakeupHub,
  ) {
    this.readFlag = db.prepare(`SELECT value FROM sitq_meta WHERE key = 'events_until'`);
    this.insert = db.prepare(`INSERT INTO sitq_events (body) VALUES (?) RETURNING seq`);
    this.prune = db.prepare(`DELETE FROM sitq_events WHERE seq < ?`);
  }

  /** Whether events are wanted now (someone subscribes); a cached read. */
  wanted(now: number): boolean {
    if (now - this.checkedAt >= FLAG_CHECK_MS) {
      this.wantedUntil = this.readFlag.get()?.value ?? 0;
      this.checkedAt = now;
    }
    return this.wantedUntil > now;
  }

  /** Inside the caller's write transaction: stores `events` as one row. */
  append(events: readonly WireEvent[]): void {
    if (events.length === 0) return;
    const seq = this.insert.get(JSON.stringify(events))?.seq ?? 0;
    if (seq % 512 === 0) this.prune.run(seq - KEEP_ROWS);
    this.hub.eventsWritten();
  }
}

/** One backend instance's subscribers, fed by one poll loop. */
export class EventReader {
  private readonly sinks = new Set<EventSink>();
  private timer: NodeJS.Timeout | undefined;
  private lastSeq = 0;
  private lastDataVersion = -1;
  private lastLocal = -1;
  private flagRenewedAt = 0;
  private readonly setFlag: (until: number) => void;
  private readonly maxSeq: Statement<[], { seq: number | null }>;
  private readonly after: Statement<[seq: number], { seq: number; body: string }>;
  private readonly dataVersion: Statement<[], { data_version: number }>;

  constructor(
    db: Database,
    private readonly hub: WakeupHub,
  ) {
    const upsert = db.prepare<[until: number]>(
      `INSERT INTO sitq_meta (key, value) VALUES ('events_until', ?) ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)`,
    );
    this.setFlag = writeTransaction(db, (until: number) => void upsert.run(until));
    this.maxSeq = db.prepare(`SELECT max(seq) AS seq FROM sitq_events`);
    this.after = db.prepare(`SELECT seq, body FROM sitq_events WHERE seq > ? ORDER BY seq LIMIT 1000`);
    this.dataVersion = db.prepare(`PRAGMA data_version`);
  }

  /** Resolves once every writer of the file will have seen the flag (FLAG_CHECK_MS). */
  async add(sink: EventSink): Promise<Unsubscribe> {
    if (this.sinks.size === 0) {
      this.renewFlag(Date.now());
      this.lastSeq = this.maxSeq.get()?.seq ?? 0;
      this.timer = setInterval(() => this.poll(), POLL_MS);
    }
    this.sinks.add(sink);
    await new Promise((r) => setTimeout(r, FLAG_CHECK_MS + 50));
    return async () => {
      this.sinks.delete(sink);
      if (this.sinks.size === 0) this.stop();
    };
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.sinks.clear();
  }

  private renewFlag(now: number): void {
    this.flagRenewedAt = now;
    this.setFlag(now + FLAG_TTL_MS);
  }

  private poll(): void {
    try {
      const now = Date.now();
      if (now - this.flagRenewedAt >= FLAG_TTL_MS / 3) this.renewFlag(now);
      const version = this.dataVersion.get()?.data_version ?? 0;
      const local = this.hub.eventsVersion;
      if (version === this.lastDataVersion && local === this.lastLocal) return;
      this.lastDataVersion = version;
      this.lastLocal = local;
      for (;;) {
        const rows = this.after.all(this.lastSeq);
        if (rows.length === 0) break;
        // Rows follow on without holes (seq is the rowid: max + 1, and pruning never empties the
        // table), so a hole is pruned rows. That holds from an empty table too (lastSeq 0: the
        // first row is 1), where a subscriber that had read nothing yet used to miss its gap.
        if (rows[0].seq > this.lastSeq + 1) {
          for (const sink of this.sinks)
            sink.gap(`events ${this.lastSeq + 1}-${rows[0].seq - 1} were pruned before this subscriber read them`);
        }
        this.lastSeq = rows[rows.length - 1].seq;
        const events = rows.flatMap((row) => decodeWire(row.body));
        for (const sink of this.sinks) sink.events(events);
        if (rows.length < 1000) break;
      }
    } catch (err) {
      // A busy file or a closed database: the next tick tries again; lost events are a gap.
      for (const sink of this.sinks) sink.gap(`reading events failed: ${(err as Error).message}`);
    }
  }
}
