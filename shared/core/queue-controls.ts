// A worker's flow control, built once on the coordination-state store's compare-and-set (no
// per-backend code): pause, rate limit and global concurrency of its queues.
//
// - Settings (`queues/<queue>`) are read every SETTINGS_POLL_MS; a change ends the claim now
//   waiting (so a paused queue's task is not taken by a claim sent before the pause was seen) and
//   wakes a worker sleeping on a paused or limited queue (so resume takes effect at once);
//   refreshNow() reads them at once (the dashboard, after it changed them). Tasks a claim brings back
//   after a change are held to the new settings (admit).
// - Rate `{ max, perMs }`: a token bucket in `limits/<queue>/rate` (`{ t, at }`: tokens at epoch ms
//   `at`), refilled at max per perMs, created empty, holding at most burst(rate) tokens — a quarter of
//   max (at least 1), so starts are spread over the period rather than bunched at its start, while
//   a worker stalled for a moment (SQLite's busy wait blocks its process) loses none of the rate.
//   Tokens are taken in batches of as many as the worker has room for (up to the bucket's size). A
//   worker takes tokens before it claims and claims no more tasks than it took. A take from the
//   bucket asks for twice what the claim needs when the bucket has them: the rest is this worker's
//   reserve for its next claim, which then needs no round trip to the bucket (on NATS a take is a
//   read and a compare-and-set, and four busy processes on one key lost every other one, so the take
//   was most of a claim round; halving the takes halves both). Tokens a claim could not use join the
//   reserve too. A reserve not used within RESERVE_MS, or held at stop, goes back to the bucket (so
//   a start is delayed by at most that, never added); one taken under a rate since changed is
//   dropped, as the bucket it came from is.
// - maxRunning: a slot table in `limits/<queue>/running` (`{ <workerId>: { n, exp } }`): each worker
//   records how many of the queue's tasks it runs (or has reserved for a claim in flight), renewed
//   until `exp` (now + its lease); a holder whose `exp` has passed (a crashed process) is dropped by
//   the next writer. A worker claims at most maxRunning minus the other holders' and its own count.
// Tasks over a limit are not claimed at all, so they wait in the queue: no failure, no attempt used.
// A worker none of whose queues has settings claims exactly as before (`active` is false); its only
// cost is the settings read every SETTINGS_POLL_MS.
import type { Backend } from './backend.js';
import {
  flowSettings,
  parseSettingsLeniently,
  queueSettingsKey,
  rateStateKey,
  runningStateKey,
  type QueueSettings,
  type RateLimit,
} from './queue-settings.js';
import type { ClaimedTask } from './types.js';

/** How often a worker reads its queues' settings: a pause is seen within this plus one claim. */
export const SETTINGS_POLL_MS = 250;
/** How often a worker blocked by a full maxRunning looks at the slot table again. */
const SLOT_POLL_MS = 50;
/** Compare-and-set attempts before a limiter gives up for this round (and tries again later). */
const CAS_TRIES = 20;
/** How long tokens a worker took ahead stay its own before they go back to the bucket. */
const RESERVE_MS = 200;

export interface QueueControlsHost {
  readonly backend: Backend;
  readonly workerId: string;
  readonly queues: readonly string[];
  readonly leaseMs: number;
  readonly pollInterval: number;
  /** Tasks of `queue` this worker has begun and not yet finished (its report included). */
  runningIn(queue: string): number;
  /** Settings changed: end the claim now waiting, so the next claim sees them. */
  interruptClaim(): void;
  /** Whether another claim may be sent in this round (the worker is running and not isolating a
   *  task that came back from an expired lease). */
  mayClaim(): boolean;
  /** Gives claimed, unstarted tasks back (no attempt counted). */
  release(tasks: readonly ClaimedTask[]): Promise<void>;
  /** `cause` is the failure behind the message, when there is one (the worker reports a closed
   *  backend itself, once). */
  warn(message: string, cause?: unknown): void;
}

/** The settings a claim was decided on (QueueControls.snapshot): compared after the claim, so that
 *  tasks a claim brings back after a change obey the new settings (QueueControls.admit). */
export type SettingsSnapshot = ReadonlyMap<string, QueueSettings>;

/** Claims up to `max` tasks from `queues` (waiting up to `waitMs` for one), decided on the settings
 *  `seen`, starts them, and answers the queue of each task it started. */
export type ClaimAndBegin = (queues: readonly string[], max: number, waitMs: number, seen: SettingsSnapshot) => Promise<string[]>;

/** What admit() lets a claim start, and how to settle the grants it took once they started. */
export interface Admission {
  start: ClaimedTask[];
  /** Call once with the queue of each task started (of `start`). */
  settle(started: readonly string[]): Promise<void>;
}

interface Grant {
  /** The rate its tokens came from: they go back only while the rate is unchanged (a changed rate
   *  starts a new bucket). */
  rate?: RateLimit;
  /** Tasks the queue's limits allow this claim. */
  granted: number;
  /** Of those, slots reserved in the maxRunning table. */
  slots: number;
  /** When nothing is granted: how long until a token or a slot may be free. */
  retryInMs: number;
}

interface Bucket {
  t: number;
  at: number;
}
/** Tokens of one queue this worker took and has not used yet: `n` from the bucket of `rate`,
 *  theirs until `until` (epoch ms). */
interface Reserve {
  rate: RateLimit;
  n: number;
  until: number;
}
type SlotTable = Record<string, { n: number; exp: number }>;

const isLimited = (s: QueueSettings | undefined): boolean => !!s && (s.rate !== undefined || s.maxRunning !== undefined);
const sameRate = (a: RateLimit | undefined, b: RateLimit | undefined): boolean => a?.max === b?.max && a?.perMs === b?.perMs;
const sameLimits = (a: QueueSettings | undefined, b: QueueSettings | undefined): boolean =>
  a?.maxRunning === b?.maxRunning && sameRate(a?.rate, b?.rate);

export class QueueControls {
  /** Settings of this worker's queues that have any flow control. */
  private settings: SettingsSnapshot = new Map<string, QueueSettings>();
  private signature = '';
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  /** The settings read in progress: reads run one at a time, so an older read never lands last. */
  private reading: Promise<boolean> = Promise.resolve(false);
  private stopped = false;
  private wakeSleeper: (() => void) | undefined;
  private lastReadError: string | undefined;
  /** Slots taken for a claim in flight, by queue. */
  private readonly reserved = new Map<string, number>();
  /** The `n` this worker last wrote in each queue's slot table. */
  private readonly written = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private flushing: Promise<void> | undefined;
  private renewedAt = 0;
  /** Tokens taken ahead, by queue (see RESERVE_MS). */
  private readonly reserves = new Map<string, Reserve>();

  constructor(private readonly host: QueueControlsHost) {}

  /** True while one of the worker's queues is paused or limited: the worker claims through claim(). */
  get active(): boolean {
    return this.settings.size > 0;
  }

  /** The settings now in force; replaced (never changed in place) when they change. */
  get snapshot(): SettingsSnapshot {
    return this.settings;
  }

  /** Reads the settings once (so a paused queue is never claimed at start), then polls them. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.tick(), SETTINGS_POLL_MS);
    this.timer.unref();
  }

  /** Reads the settings now rather than at the next poll (a tool that changed them asks for it):
   *  once it resolves, every claim obeys what was stored before the call — a claim waiting is
   *  ended, a sleeper woken, and tasks a claim sent earlier brings back are admitted under them. */
  async refreshNow(): Promise<void> {
    if (this.stopped) return;
    if (await this.refresh()) this.changed();
  }

  /** Stops polling and ends a sleep; the slot table entries stay until finish(). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.wake();
  }

  /** After the worker's tasks have ended: removes its entries from the slot tables. */
  async finish(): Promise<void> {
    await this.returnReserves(Infinity);
    this.reserved.clear();
    for (const q of this.written.keys()) this.dirty.add(q);
    this.kick();
    while (this.flushing) await this.flushing;
  }

  /** A task of `queue` has ended here (its report included): its slot is given back. */
  taskEnded(queue: string): void {
    if (this.settings.get(queue)?.maxRunning !== undefined || this.written.has(queue)) this.markDirty(queue);
  }

  /**
   * The tasks a claim decided on `seen` may start under the settings now in force. Tasks of a queue
   * paused now go back unstarted (no attempt). Where a queue's limits changed while the claim was
   * in flight, its tasks are held to the new ones: a queue claimed without limits takes a grant now
   * (slots, then tokens) for what it brought; one whose maxRunning went down gives back what the
   * slot table no longer has room for; one whose rate changed takes tokens from the new bucket.
   * Tasks beyond that go back unstarted too.
   */
  async admit(claimed: ClaimedTask[], seen: SettingsSnapshot): Promise<Admission> {
    const none: Admission = { start: claimed, settle: () => Promise.resolve() };
    if (claimed.length === 0 || (this.settings === seen && !this.active)) return none;
    const now = this.settings;
    const back = new Set(claimed.filter((c) => now.get(c.record.queue)?.paused === true));
    const grants = new Map<string, { grant: Grant; s: QueueSettings }>();
    if (now !== seen) {
      for (const queue of new Set(claimed.map((c) => c.record.queue))) {
        const s = now.get(queue);
        const before = seen.get(queue);
        if (s?.paused || !isLimited(s) || sameLimits(before, s)) continue;
        const tasks = claimed.filter((c) => c.record.queue === queue);
        const keep = await this.admitChanged(queue, s!, before, tasks.length, grants);
        for (const c of tasks.slice(keep)) back.add(c);
      }
    }
    if (back.size > 0) await this.host.release([...back]);
    return {
      start: back.size === 0 ? claimed : claimed.filter((c) => !back.has(c)),
      settle: async (started) => {
        for (const [queue, { grant, s }] of grants) await this.settle(queue, s, grant, started.filter((q) => q === queue).length);
      },
    };
  }

  /** How many of `count` tasks of `queue`, claimed under `before`, the limits `s` let start now;
   *  a grant taken for them goes into `grants`. */
  private async admitChanged(
    queue: string,
    s: QueueSettings,
    before: QueueSettings | undefined,
    count: number,
    grants: Map<string, { grant: Grant; s: QueueSettings }>,
  ): Promise<number> {
    if (!isLimited(before)) {
      const grant = await this.grant(queue, s, count);
      if (grant.granted > 0) grants.set(queue, { grant, s });
      return grant.granted;
    }
    let keep = count;
    if (s.maxRunning !== undefined && s.maxRunning < (before!.maxRunning ?? Infinity)) {
      // This claim's tasks are in the worker's own count already (reserved by its grant).
      const entry = await this.host.backend.getState(runningStateKey(queue));
      const others = Object.values(liveHolders(entry ? parseTable(entry.value) : {}, Date.now(), this.host.workerId)).reduce(
        (sum, h) => sum + h.n,
        0,
      );
      const mine = this.host.runningIn(queue) + (this.reserved.get(queue) ?? 0);
      keep = Math.max(0, count - Math.max(0, others + mine - s.maxRunning));
    }
    if (s.rate && keep > 0 && !sameRate(before!.rate, s.rate)) {
      const tokens = await this.takeTokens(queue, s.rate, keep);
      if (tokens.taken > 0) grants.set(queue, { grant: { rate: s.rate, granted: tokens.taken, slots: 0, retryInMs: 0 }, s });
      keep = tokens.taken;
    }
    return keep;
  }

  /**
   * One round of claiming under the settings. Paused queues are left out. Each limited queue is
   * claimed alone, for no more tasks than its limits grant now, then the other queues together, as
   * usual; none of these claims waits. Only when nothing started does one claim wait for work (up
   * to the poll interval, or until a limited queue's next token): over the other queues and the
   * limited ones that grant a task, for one task, so an idle worker holds at most one token or
   * slot of each queue while it waits.
   */
  async claim(free: number, claimAndBegin: ClaimAndBegin): Promise<void> {
    const seen = this.settings;
    const open = this.host.queues.filter((q) => seen.get(q)?.paused !== true);
    if (open.length === 0) {
      await this.sleep(this.host.pollInterval);
      return;
    }
    const plain = open.filter((q) => !isLimited(seen.get(q)));
    const limited = open.filter((q) => isLimited(seen.get(q)));
    if (limited.length === 0) {
      await claimAndBegin(plain, free, this.host.pollInterval, seen);
      return;
    }
    // Each further claim of the round is sent only while the round's premises hold: the settings it
    // was planned on, room left, and no task that came back from an expired lease running alone.
    const goOn = (begun: number) => begun < free && !this.stopped && this.settings === seen && this.host.mayClaim();
    let begun = 0;
    let retryInMs = Infinity;
    /** Limited queues that granted more than they had ready: the ones to wait on for new work. */
    const drained: string[] = [];
    for (const queue of limited) {
      if (!goOn(begun)) return;
      const round = await this.claimLimited([queue], free - begun, 0, claimAndBegin, seen);
      begun += round.begun;
      retryInMs = Math.min(retryInMs, round.retryInMs);
      drained.push(...round.drained);
    }
    if (plain.length > 0 && goOn(begun)) begun += (await claimAndBegin(plain, free - begun, 0, seen)).length;
    if (begun > 0 || !goOn(begun)) return;
    const waitMs = Math.min(this.host.pollInterval, retryInMs);
    // Queues held back by their limits are not asked again before their retry time.
    if (drained.length === 0 && plain.length === 0) await this.sleep(waitMs);
    else await this.claimLimited(drained, 1, waitMs, claimAndBegin, seen, plain);
  }

  /** Takes what the limits of each of `queues` grant (up to `want`), claims them (with `plain`,
   *  which need no grant) for at most that many tasks, and settles each queue's grant with what
   *  started in it; sleeps instead when nothing is granted and there is no plain queue. */
  private async claimLimited(
    queues: readonly string[],
    want: number,
    waitMs: number,
    claimAndBegin: ClaimAndBegin,
    seen: SettingsSnapshot,
    plain: readonly string[] = [],
  ): Promise<{ begun: number; retryInMs: number; drained: string[] }> {
    const grants = new Map<string, Grant>();
    let retryInMs = Infinity;
    for (const queue of queues) {
      const grant = await this.grant(queue, seen.get(queue)!, want);
      if (grant.granted > 0) grants.set(queue, grant);
      else retryInMs = Math.min(retryInMs, grant.retryInMs);
    }
    const claimable = [...grants.keys(), ...plain];
    if (claimable.length === 0) {
      if (waitMs > 0) await this.sleep(Math.min(waitMs, retryInMs));
      return { begun: 0, retryInMs, drained: [] };
    }
    const max = plain.length > 0 ? want : Math.min(want, Math.max(...[...grants.values()].map((g) => g.granted)));
    let started: string[] = [];
    const drained: string[] = [];
    try {
      started = await claimAndBegin(claimable, max, waitMs, seen);
    } finally {
      for (const [queue, grant] of grants) {
        const n = started.filter((q) => q === queue).length;
        if (n < grant.granted) drained.push(queue);
        await this.settle(queue, this.settings.get(queue) ?? {}, grant, n);
      }
    }
    return { begun: started.length, retryInMs, drained };
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      if (await this.refresh()) this.changed();
      await this.returnReserves(Date.now());
      // Slot-table entries live until `exp`: renewed well before (a third of the lease).
      if (Date.now() - this.renewedAt > this.host.leaseMs / 3) {
        this.renewedAt = Date.now();
        for (const q of this.written.keys()) this.markDirty(q);
      }
    } finally {
      this.ticking = false;
    }
  }

  /** New settings are in force: the claim waiting ends (so the next one obeys them), a sleeper
   *  wakes, and where a queue has a maxRunning the worker's entry in its slot table is rewritten
   *  with what it runs (tasks begun before the limit existed count against it). */
  private changed(): void {
    this.host.interruptClaim();
    this.wake();
    for (const [queue, s] of this.settings) if (s.maxRunning !== undefined && this.host.runningIn(queue) > 0) this.markDirty(queue);
  }

  /** Reads the worker's queues' settings, after any read in progress; answers whether they changed. */
  private refresh(): Promise<boolean> {
    const next = this.reading.then(() => this.read());
    this.reading = next;
    return next;
  }

  /** One read of the settings. On a failed read the last known settings stay (logged once per
   *  distinct error, not every poll). */
  private async read(): Promise<boolean> {
    let entries;
    try {
      entries = await Promise.all(this.host.queues.map((q) => this.host.backend.getState(queueSettingsKey(q))));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (message !== this.lastReadError)
        this.host.warn(`reading queue settings failed (the last known ones stay in force): ${message}`, err);
      this.lastReadError = message;
      return false;
    }
    this.lastReadError = undefined;
    const next = new Map<string, QueueSettings>();
    entries.forEach((entry, i) => {
      if (!entry) return;
      const flow = flowSettings(parseSettingsLeniently(entry.key, entry.value));
      if (Object.keys(flow).length > 0) next.set(this.host.queues[i], flow);
    });
    const signature = JSON.stringify([...next]);
    if (signature === this.signature) return false;
    this.settings = next;
    this.signature = signature;
    return true;
  }

  /** Slots, then tokens, for up to `want` tasks of `queue`. */
  private async grant(queue: string, s: QueueSettings, want: number): Promise<Grant> {
    let slots = 0;
    if (s.maxRunning !== undefined) {
      slots = await this.takeSlots(queue, s.maxRunning, want);
      if (slots === 0) return { granted: 0, slots: 0, retryInMs: jitter(SLOT_POLL_MS) };
      want = slots;
    }
    if (!s.rate) return { granted: want, slots, retryInMs: 0 };
    const tokens = await this.takeTokens(queue, s.rate, want);
    if (tokens.taken < slots) {
      this.reserved.set(queue, (this.reserved.get(queue) ?? 0) - (slots - tokens.taken));
      slots = tokens.taken;
      this.markDirty(queue);
    }
    return { rate: s.rate, granted: tokens.taken, slots, retryInMs: tokens.retryInMs };
  }

  /** After a claim: unused tokens go back to the bucket (if its rate is still the one they came
   *  from); reserved slots become the started tasks' (counted by runningIn), the rest are given back. */
  private async settle(queue: string, s: QueueSettings, grant: Grant, started: number): Promise<void> {
    if (grant.slots > 0) {
      this.reserved.set(queue, (this.reserved.get(queue) ?? 0) - grant.slots);
      if (started < grant.slots) this.markDirty(queue);
    }
    // Unused tokens are kept for the next claim (they go back with the reserve if it does not come).
    if (s.rate && grant.rate && sameRate(grant.rate, s.rate) && started < grant.granted)
      this.keep(queue, s.rate, grant.granted - started, Date.now() + RESERVE_MS);
  }

  /** Adds `n` tokens of `rate` to the queue's reserve; one left from another rate is dropped. */
  private keep(queue: string, rate: RateLimit, n: number, until: number): void {
    const r = this.reserves.get(queue);
    if (r && sameRate(r.rate, rate)) {
      r.n += n;
      r.until = Math.max(r.until, until);
    } else this.reserves.set(queue, { rate, n, until });
  }

  /** Gives reserves that ran out by `now` back to their bucket (if its rate is still in force). */
  private async returnReserves(now: number): Promise<void> {
    for (const [queue, r] of [...this.reserves]) {
      if (r.until > now) continue;
      this.reserves.delete(queue);
      if (sameRate(this.settings.get(queue)?.rate, r.rate)) {
        try {
          await this.returnTokens(queue, r.rate, r.n);
        } catch (err) {
          this.host.warn(
            `returning ${r.n} unused rate-limit token(s) of queue ${queue} failed: ${err instanceof Error ? err.message : String(err)}`,
            err,
          );
        }
      }
    }
  }

  /** Up to `want` tokens: from this worker's reserve first, then from the bucket. */
  private async takeTokens(queue: string, rate: RateLimit, want: number): Promise<{ taken: number; retryInMs: number }> {
    const r = this.reserves.get(queue);
    if (r) {
      this.reserves.delete(queue);
      if (sameRate(r.rate, rate) && r.until > Date.now()) {
        if (r.n >= want) {
          if (r.n > want) this.reserves.set(queue, { ...r, n: r.n - want });
          return { taken: want, retryInMs: 0 };
        }
        const more = await this.takeFromBucket(queue, rate, want - r.n, 0);
        return { taken: r.n + more.taken, retryInMs: 0 };
      }
      // Run out (or from another rate): back to the bucket if its rate still holds, then a fresh take.
      if (sameRate(r.rate, rate)) await this.returnTokens(queue, rate, r.n);
    }
    return this.takeFromBucket(queue, rate, want, want);
  }

  /** Takes `want` tokens, plus up to `ahead` more for the reserve when the bucket has them. */
  private async takeFromBucket(queue: string, rate: RateLimit, want: number, ahead: number): Promise<{ taken: number; retryInMs: number }> {
    const key = rateStateKey(queue);
    for (let i = 0; i < CAS_TRIES; i++) {
      const entry = await this.host.backend.getState(key);
      const now = Date.now();
      const tokens = refill(entry ? parseBucket(entry.value, now) : { t: 0, at: now }, rate, now);
      // Tokens are taken in batches (as many as the worker has room for, up to the bucket's size),
      // so that workers write the bucket a few times per burst rather than once per task.
      const least = Math.min(want, burst(rate));
      if (tokens + 1e-9 < least) {
        // A bucket is created empty; one that exists is left as it is until tokens are taken.
        if (!entry) await this.host.backend.setState(key, JSON.stringify({ t: 0, at: now }), 0);
        return { taken: 0, retryInMs: jitter(Math.max(1, Math.ceil(((least - tokens) * rate.perMs) / rate.max))) };
      }
      const taken = Math.min(want + ahead, Math.floor(tokens + 1e-9));
      if (await this.host.backend.setState(key, JSON.stringify({ t: tokens - taken, at: now }), entry?.version ?? 0)) {
        if (taken > want) this.keep(queue, rate, taken - want, now + RESERVE_MS);
        return { taken: Math.min(taken, want), retryInMs: 0 };
      }
    }
    return { taken: 0, retryInMs: 1 };
  }

  private async returnTokens(queue: string, rate: RateLimit, count: number): Promise<void> {
    const key = rateStateKey(queue);
    for (let i = 0; i < CAS_TRIES; i++) {
      const entry = await this.host.backend.getState(key);
      if (!entry) return;
      const now = Date.now();
      const tokens = Math.min(burst(rate), refill(parseBucket(entry.value, now), rate, now) + count);
      if (await this.host.backend.setState(key, JSON.stringify({ t: tokens, at: now }), entry.version)) return;
    }
  }

  /** Reserves up to `want` slots; the reservation is counted in this worker's entry before the
   *  write, so a concurrent rewrite of the entry never counts less than is held. */
  private async takeSlots(queue: string, maxRunning: number, want: number): Promise<number> {
    const key = runningStateKey(queue);
    for (let i = 0; i < CAS_TRIES; i++) {
      const entry = await this.host.backend.getState(key);
      const now = Date.now();
      const table = liveHolders(entry ? parseTable(entry.value) : {}, now, this.host.workerId);
      const others = Object.values(table).reduce((sum, h) => sum + h.n, 0);
      const mine = this.host.runningIn(queue) + (this.reserved.get(queue) ?? 0);
      const take = Math.max(0, Math.min(want, maxRunning - others - mine));
      if (take === 0) return 0;
      this.reserved.set(queue, (this.reserved.get(queue) ?? 0) + take);
      table[this.host.workerId] = { n: mine + take, exp: now + this.host.leaseMs };
      if (await this.host.backend.setState(key, JSON.stringify(table), entry?.version ?? 0)) {
        this.written.set(queue, mine + take);
        return take;
      }
      this.reserved.set(queue, (this.reserved.get(queue) ?? 0) - take);
    }
    return 0;
  }

  private markDirty(queue: string): void {
    this.dirty.add(queue);
    this.kick();
  }

  /** One flush at a time; queues marked while it ran get the next one. */
  private kick(): void {
    if (this.flushing || this.dirty.size === 0) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      this.kick();
    });
  }

  /** Rewrites this worker's entry of each dirty queue with what it holds now (removed at 0). */
  private async flush(): Promise<void> {
    await Promise.resolve();
    while (this.dirty.size > 0) {
      const queues = [...this.dirty];
      this.dirty.clear();
      for (const q of queues) {
        try {
          await this.writeOwn(q);
        } catch (err) {
          this.host.warn(
            `updating the running-task slots of queue ${q} failed (they are rewritten at the next change, or expire with the lease): ${err instanceof Error ? err.message : String(err)}`,
            err,
          );
        }
      }
    }
    this.wake();
  }

  private async writeOwn(queue: string): Promise<void> {
    const key = runningStateKey(queue);
    for (let i = 0; i < CAS_TRIES; i++) {
      const entry = await this.host.backend.getState(key);
      const now = Date.now();
      const n = this.host.runningIn(queue) + (this.reserved.get(queue) ?? 0);
      const table = liveHolders(entry ? parseTable(entry.value) : {}, now);
      if (n > 0) table[this.host.workerId] = { n, exp: now + this.host.leaseMs };
      else delete table[this.host.workerId];
      if (!entry && n === 0) {
        this.written.delete(queue);
        return;
      }
      const done =
        entry && Object.keys(table).length === 0
          ? await this.host.backend.deleteState(key, entry.version)
          : (await this.host.backend.setState(key, JSON.stringify(table), entry?.version ?? 0)) !== null;
      if (done) {
        if (n > 0) this.written.set(queue, n);
        else this.written.delete(queue);
        return;
      }
    }
    throw new Error(`${CAS_TRIES} concurrent writers in a row`);
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleeper = done;
    });
  }

  private wake(): void {
    const wake = this.wakeSleeper;
    this.wakeSleeper = undefined;
    wake?.();
  }
}

/** `ms` plus up to half again, at random: workers that computed the same retry time from the same
 *  state do not all come back at once (on SQLite each losing compare-and-set still takes the write
 *  lock). The bucket's slack (burst) absorbs the delay, so no rate is lost. */
function jitter(ms: number): number {
  return Math.round(ms * (1 + Math.random() / 2));
}

/** The most tokens a bucket holds: how many tasks may start at once after an idle spell. */
export function burst(rate: RateLimit): number {
  return Math.max(1, Math.ceil(rate.max / 4));
}

function refill(b: Bucket, rate: RateLimit, now: number): number {
  return Math.min(burst(rate), b.t + (Math.max(0, now - b.at) * rate.max) / rate.perMs);
}

function parseBucket(text: string, now: number): Bucket {
  try {
    const v = JSON.parse(text) as Partial<Bucket>;
    if (typeof v.t === 'number' && typeof v.at === 'number' && Number.isFinite(v.t) && Number.isFinite(v.at)) return { t: v.t, at: v.at };
  } catch {
    // a bucket written by hand or damaged starts again empty
  }
  return { t: 0, at: now };
}

function parseTable(text: string): SlotTable {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
    const out: SlotTable = {};
    for (const [id, h] of Object.entries(v as Record<string, unknown>)) {
      const { n, exp } = (h ?? {}) as { n?: unknown; exp?: unknown };
      if (typeof n === 'number' && typeof exp === 'number' && n > 0) out[id] = { n, exp };
    }
    return out;
  } catch {
    return {};
  }
}

/** The holders whose entries have not expired, without `except` (this worker, counted apart). */
function liveHolders(table: SlotTable, now: number, except?: string): SlotTable {
  const out: SlotTable = {};
  for (const [id, h] of Object.entries(table)) if (h.exp > now && id !== except) out[id] = h;
  return out;
}
