// runScale: does a store that holds many tasks stay as fast as an empty one? One namespace:
// measure enqueue (one by one), processing and the inspection calls while it is empty; then fill
// it — `finished` tasks run to the end by a worker, then `waiting` tasks left pending — and measure
// the same again. The measured tasks go to the same queue as the waiting ones at priority 9, so
// they are claimed first (the waiting backlog stays in the way of every index, never in the
// claim's path by luck of queue naming).
import { createBackend, type BackendConfig } from '../backends/index.js';
import { silentLogger } from '../core/logger.js';
import { TaskQueue } from '../core/queue.js';
import type { TaskState } from '../core/types.js';
import { Worker } from '../core/worker.js';
import { throwIfAborted } from './abort.js';
import { ErrorLog, TaskCollector } from './collector.js';
import { benchNamespace } from './namespace.js';
import { BENCH_QUEUE, makePayload } from './options.js';
import { rate, round3 } from './stats.js';
import type { BenchProgress, ScaleFigures, ScaleResult } from './types.js';

export interface ScaleOptions {
  /** Tasks left pending in the filled store. Default 1,000,000. */
  waiting?: number;
  /** Tasks run to the end (succeeded) in the filled store. Default 1,000,000. */
  finished?: number;
  /** Tasks enqueued one at a time per measurement. Default 1000. */
  singleEnqueue?: number;
  /** Tasks processed per measurement. Default 10,000. */
  tasks?: number;
  concurrency?: number;
  payloadBytes?: number;
  /** Tasks per enqueueMany while filling. Default 1000. */
  fillBatch?: number;
  /** Worker concurrency while running the finished tasks. Default 50. */
  fillConcurrency?: number;
  profile?: string;
  stallTimeoutMs?: number;
  onProgress?: (progress: BenchProgress) => void;
  signal?: AbortSignal;
}

/** ≤ this many ms for counts, a listTasks page and getTask in the filled store. */
export const SCALE_CALL_TARGET_MS = 50;
/** Enqueue and processing in the filled store within this share of the empty store's. */
export const SCALE_RATE_TARGET = 0.8;

const MEASURED_PRIORITY = 9;
const PAGE = 50;

export async function runScale(config: BackendConfig, options: ScaleOptions = {}): Promise<ScaleResult> {
  const o = {
    waiting: options.waiting ?? 1_000_000,
    finished: options.finished ?? 1_000_000,
    singleEnqueue: options.singleEnqueue ?? 1000,
    tasks: options.tasks ?? 10_000,
    concurrency: options.concurrency ?? 10,
    payloadBytes: options.payloadBytes ?? 64,
    fillBatch: options.fillBatch ?? 1000,
    fillConcurrency: options.fillConcurrency ?? 50,
    stallTimeoutMs: options.stallTimeoutMs ?? 120_000,
  };
  const profile = options.profile ?? config.type;
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const report = (phase: BenchProgress['phase'], done: number, total: number) =>
    options.onProgress?.({ profile, phase, round: 0, done, total, elapsedMs: Math.round(performance.now() - t0) });
  const ns = benchNamespace(config, 'scale');
  const backend = createBackend(ns.config);
  const queue = new TaskQueue(backend);
  const payload = makePayload(o.payloadBytes);
  const errors = new ErrorLog();
  const ids = { waiting: '', finished: '' };

  const drain = async (count: number, concurrency: number, phase: BenchProgress['phase']) => {
    const worker = new Worker(backend, { queues: [BENCH_QUEUE], maxConcurrency: concurrency, logger: silentLogger });
    const collector = new TaskCollector(new Set(), errors);
    collector.attach(worker);
    await worker.start();
    const done = await collector.waitFinished(count, o.stallTimeoutMs, options.signal, () => report(phase, collector.finished, count));
    collector.detach();
    await worker.stop({ timeout: 10_000 });
    if (!done) errors.add(phase, `stalled at ${collector.finished} of ${count}`);
    const ms =
      collector.firstStartAt !== undefined && collector.lastFinishAt !== undefined ? collector.lastFinishAt - collector.firstStartAt : 0;
    return rate(collector.finished, ms).perSec;
  };

  const measure = async (phase: 'scale-empty' | 'scale-full'): Promise<ScaleFigures> => {
    throwIfAborted(options.signal, 'the scale run');
    const measured = { queue: BENCH_QUEUE, priority: MEASURED_PRIORITY };
    const e0 = performance.now();
    let lastMeasured = '';
    for (let i = 0; i < o.singleEnqueue; i++) lastMeasured = await queue.enqueue('sitq.echo', payload, measured);
    const enqueuePerSec = rate(o.singleEnqueue, performance.now() - e0).perSec;
    for (let done = o.singleEnqueue; done < o.tasks; done += o.fillBatch) {
      await queue.enqueueMany('sitq.echo', new Array<unknown>(Math.min(o.fillBatch, o.tasks - done)).fill(payload), measured);
    }
    report(phase, 0, o.tasks);
    const processingPerSec = await drain(o.tasks, o.concurrency, phase);
    const calls: ScaleFigures['calls'] = [];
    const time = async (call: string, fn: () => Promise<unknown>) => {
      const runs: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        await fn();
        runs.push(performance.now() - t);
      }
      calls.push({ call, ms: round3(runs.sort((a, b) => a - b)[1]) });
    };
    await time('counts()', () => queue.counts());
    for (const state of ['pending', 'succeeded'] as TaskState[]) {
      const { total } = await queue.listTasks({ queue: BENCH_QUEUE, state, limit: 1 });
      await time(`listTasks ${state} first page`, () => queue.listTasks({ queue: BENCH_QUEUE, state, limit: PAGE }));
      await time(`listTasks ${state} last page`, () =>
        queue.listTasks({ queue: BENCH_QUEUE, state, limit: PAGE, offset: Math.max(0, total - PAGE) }),
      );
    }
    const { total } = await queue.listTasks({ queue: BENCH_QUEUE, limit: 1 });
    await time('listTasks all first page', () => queue.listTasks({ queue: BENCH_QUEUE, limit: PAGE }));
    await time('listTasks all last page', () => queue.listTasks({ queue: BENCH_QUEUE, limit: PAGE, offset: Math.max(0, total - PAGE) }));
    await time('getTask (a measured task)', () => queue.getTask(lastMeasured));
    if (ids.waiting) await time('getTask (a waiting fill task)', () => queue.getTask(ids.waiting));
    if (ids.finished) await time('getTask (a finished fill task)', () => queue.getTask(ids.finished));
    return { enqueuePerSec, processingPerSec, calls };
  };

  try {
    report('connect', 0, 1);
    await queue.connect();
    const empty = await measure('scale-empty');
    const f0 = performance.now();
    for (let done = 0; done < o.finished; done += o.fillBatch) {
      throwIfAborted(options.signal, 'the scale run');
      const got = await queue.enqueueMany('sitq.echo', new Array<unknown>(Math.min(o.fillBatch, o.finished - done)).fill(payload), {
        queue: BENCH_QUEUE,
      });
      if (done === 0) ids.finished = got[0];
      report('scale-fill', done, o.finished + o.waiting);
    }
    if (o.finished > 0) await drain(o.finished, o.fillConcurrency, 'scale-fill');
    for (let done = 0; done < o.waiting; done += o.fillBatch) {
      throwIfAborted(options.signal, 'the scale run');
      const got = await queue.enqueueMany('sitq.echo', new Array<unknown>(Math.min(o.fillBatch, o.waiting - done)).fill(payload), {
        queue: BENCH_QUEUE,
      });
      if (done === 0) ids.waiting = got[0];
      report('scale-fill', o.finished + done, o.finished + o.waiting);
    }
    const fillMs = round3(performance.now() - f0);
    const full = await measure('scale-full');
    return {
      kind: 'scale',
      profile,
      backend: config.type,
      startedAt,
      settings: o,
      fillMs,
      empty,
      full,
      errors: errors.list(),
    };
  } finally {
    report('cleanup', 0, 1);
    await ns.remove(backend);
    report('cleanup', 1, 1);
  }
}
