// The producer's side of a benchmark: enqueue one at a time, enqueue in batches, and the
// idle-worker latency probe (one task in flight at a time).
import type { TaskQueue } from '../core/queue.js';
import { raceAbort, sleep, throwIfAborted } from './abort.js';
import { epochNow, type TaskCollector } from './collector.js';
import { BENCH_QUEUE } from './options.js';
import { rate, Samples } from './stats.js';
import type { LatencySummary, RateFigure } from './types.js';

export interface ProducerSettings {
  task: string;
  payload: unknown;
  signal: AbortSignal | undefined;
  /** Called with the number done so far, now and then. */
  progress: (done: number) => void;
}

const PROGRESS_EVERY = 100;

/** A backend that answers synchronously (SQLite) resolves each enqueue as a microtask: without a
 *  macrotask turn now and then, a 2,000,000-task enqueue kept the host's event loop from sending
 *  anything (the dashboard's answer to bench.start, its progress, a cancel) until it was done. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Awaits TaskQueue.enqueue `n` times in a row; returns the ids, the rate and each call's latency. */
export async function enqueueOneByOne(
  queue: TaskQueue,
  n: number,
  s: ProducerSettings,
): Promise<{ ids: string[]; figure: RateFigure & { latency: LatencySummary } }> {
  const ids: string[] = [];
  const latency = new Samples(n);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    if (i % PROGRESS_EVERY === 0) {
      throwIfAborted(s.signal, 'the benchmark');
      s.progress(i);
      await yieldToEventLoop();
    }
    const t = performance.now();
    ids.push(await queue.enqueue(s.task, s.payload, { queue: BENCH_QUEUE }));
    latency.push(performance.now() - t);
  }
  const figure = { ...rate(n, performance.now() - t0), latency: latency.summary() };
  s.progress(n);
  return { ids, figure };
}

/** TaskQueue.enqueueMany in batches of `batchSize`, awaited one after another. */
export async function enqueueInBatches(
  queue: TaskQueue,
  n: number,
  batchSize: number,
  s: ProducerSettings,
): Promise<{ ids: string[]; figure: RateFigure & { batchSize: number } }> {
  const ids: string[] = [];
  const t0 = performance.now();
  for (let done = 0; done < n;) {
    throwIfAborted(s.signal, 'the benchmark');
    const size = Math.min(batchSize, n - done);
    const batch = new Array<unknown>(size).fill(s.payload);
    for (const id of await queue.enqueueMany(s.task, batch, { queue: BENCH_QUEUE })) ids.push(id);
    done += size;
    s.progress(done);
    await yieldToEventLoop();
  }
  return { ids, figure: { ...rate(n, performance.now() - t0), batchSize } };
}

/**
 * Enqueues one task, waits until the (idle, running) worker has started and completed it, then
 * the next, `samples` times. Measured from calling enqueue, so the enqueue round trip counts:
 * that is what a producer waits for.
 */
export async function probeIdleLatency(
  queue: TaskQueue,
  collector: TaskCollector,
  samples: number,
  gapMs: number,
  stallMs: number,
  s: ProducerSettings,
): Promise<{ toStart: Samples; toFinish: Samples; enqueueCall: Samples }> {
  const toStart = new Samples(samples);
  const toFinish = new Samples(samples);
  const enqueueCall = new Samples(samples);
  // Exactly one task is in flight, so the next start/finish event is this sample's.
  let onStart: ((at: number) => void) | undefined;
  let onFinish: ((at: number, ok: boolean) => void) | undefined;
  collector.hooks = {
    onStart: (_id, at) => onStart?.(at),
    onFinish: (_id, at, ok) => onFinish?.(at, ok),
  };
  collector.recordLatency = false;
  try {
    for (let i = 0; i < samples; i++) {
      if (i % 20 === 0) s.progress(i);
      const started = new Promise<number>((resolve) => (onStart = resolve));
      const finished = new Promise<{ at: number; ok: boolean }>((resolve) => (onFinish = (at, ok) => resolve({ at, ok })));
      const t0 = epochNow();
      await queue.enqueue(s.task, s.payload, { queue: BENCH_QUEUE });
      enqueueCall.push(epochNow() - t0);
      const both = Promise.all([started, finished]);
      const [startAt, end] = await raceAbort(withStall(both, stallMs, i), s.signal, 'the benchmark');
      toStart.push(startAt - t0);
      if (end.ok) toFinish.push(end.at - t0);
      if (gapMs > 0) await sleep(gapMs, s.signal);
    }
  } finally {
    collector.hooks = {};
    collector.recordLatency = true;
  }
  s.progress(samples);
  return { toStart, toFinish, enqueueCall };
}

class StallError extends Error {}

function withStall<T>(work: Promise<T>, ms: number, sample: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new StallError(`idle-latency sample ${sample + 1} did not finish within ${ms} ms`)), ms);
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
