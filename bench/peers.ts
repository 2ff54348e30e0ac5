// `npm run bench -- --peers`: the same workload through another library on the same server (each
// backend's kit names its peer: BullMQ on Redis, graphile-worker on PostgreSQL; see
// shared/backends/<kind>/peer.ts), in the same run, so sitq's figures can be read beside theirs on
// one machine. Dev dependencies only (neither this file nor the peers are part of the published
// library). Each peer runs with its own recommended settings (stated in `settings` and in
// bench/README.md), in a namespace of its own that is removed afterwards.
import { kitOf, optionsOf } from '../shared/backends/index.js';
import type { PeerDriver } from '../shared/backends/kit.js';
import type { PeerResult, ResolvedBenchmarkOptions } from '../shared/bench/index.js';
import { makePayload } from '../shared/bench/options.js';
import { rate, summarize } from '../shared/bench/stats.js';
import type { LocalProfile } from './profiles.js';

/** The peers of the profiles that were benchmarked, each from its backend's kit (BullMQ for Redis,
 *  graphile-worker for PostgreSQL); a backend whose kit names none has no peer. */
export async function peersFor(profiles: readonly LocalProfile[], concurrency: number): Promise<{ profile: string; driver: PeerDriver }[]> {
  const out: { profile: string; driver: PeerDriver }[] = [];
  for (const p of profiles) {
    const peer = (await kitOf(p.config.type)).peer;
    if (peer) out.push({ profile: p.name, driver: await peer(optionsOf(p.config), concurrency) });
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
