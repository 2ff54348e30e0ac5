// runBenchmark: one profile, the whole measurement, in a namespace of its own.
//
// Phases: connect (fresh namespace) → raw floor → warm-up (worker A, excluded from everything) →
// enqueue one at a time → enqueue in batches (no worker running: a backlog of `tasks`) →
// processing (worker B drains the backlog; first start to last confirmed completion) →
// idle latency (worker B idle; one task in flight at a time) → raw floor again → cleanup (destroy + remove files).
import { createBackend, type BackendConfig } from '../backends/index.js';
import type { Backend } from '../core/backend.js';
import { silentLogger } from '../core/logger.js';
import { TaskQueue } from '../core/queue.js';
import { Worker } from '../core/worker.js';
import { raceAbort, throwIfAborted } from './abort.js';
import { ErrorLog, TaskCollector } from './collector.js';
import { rawFloor } from './floors/index.js';
import { benchNamespace } from './namespace.js';
import { BENCH_QUEUE, makePayload, resolveBenchmarkOptions } from './options.js';
import { rate, round3 } from './stats.js';
import { checkTargets } from './targets.js';
import type { BenchHooks, BenchmarkOptions, BenchmarkResult, BenchPhase, FloorResult, ResolvedBenchmarkOptions } from './types.js';
import { enqueueInBatches, enqueueOneByOne, probeIdleLatency, type ProducerSettings } from './workload.js';

export async function runBenchmark(config: BackendConfig, options: BenchmarkOptions = {}, hooks: BenchHooks = {}): Promise<BenchmarkResult> {
  const settings = resolveBenchmarkOptions(options, config.type);
  const { signal } = hooks;
  const t0 = performance.now();
  const report = (phase: BenchPhase, done: number, total: number) =>
    hooks.onProgress?.({ profile: settings.profile, phase, done, total, elapsedMs: Math.round(performance.now() - t0) });
  throwIfAborted(signal, 'the benchmark');

  const ns = benchNamespace(config);
  const backend = createBackend(ns.config);
  const errors = new ErrorLog();
  const workers: Worker[] = [];
  const startedAt = new Date().toISOString();
  try {
    report('connect', 0, 1);
    const c0 = performance.now();
    await raceAbort(backend.connect(), signal, 'the benchmark');
    const connectMs = round3(performance.now() - c0);
    const serverVersion = (await backend.ping()).serverVersion;
    report('connect', 1, 1);

    const floors: FloorResult[] = [];
    const measureFloor = async () => {
      if (!settings.floor) return;
      report('floor', 0, settings.tasks);
      floors.push(await rawFloor(config, { tasks: settings.tasks, concurrency: settings.concurrency, payloadBytes: settings.payloadBytes, signal }));
      report('floor', settings.tasks, settings.tasks);
    };
    await measureFloor();

    const queue = new TaskQueue(backend);
    const payload = makePayload(settings.payloadBytes);
    const producer = (phase: BenchPhase, total: number): ProducerSettings => ({ task: settings.task, payload, signal, progress: (done) => report(phase, done, total) });

    // Warm-up: a worker of its own runs these to the end; their ids are excluded everywhere.
    const warmupIds = new Set<string>();
    if (settings.warmup > 0) {
      const worker = newWorker(backend, settings, errors);
      workers.push(worker);
      const warm = new TaskCollector(new Set(), new ErrorLog());
      warm.attach(worker);
      await worker.start();
      const single = Math.min(50, settings.warmup);
      for (const id of (await enqueueOneByOne(queue, single, producer('warmup', settings.warmup))).ids) warmupIds.add(id);
      for (const id of (await enqueueInBatches(queue, settings.warmup - single, settings.batchSize, producer('warmup', settings.warmup))).ids) warmupIds.add(id);
      const done = await warm.waitFinished(settings.warmup, settings.stallTimeoutMs, signal, () => report('warmup', warm.finished, settings.warmup));
      if (!done) errors.add('warm-up', `only ${warm.finished} of ${settings.warmup} warm-up tasks finished`);
      warm.detach();
      await worker.stop({ timeout: 5000 });
    }

    const memStart = process.memoryUsage();
    const single = await enqueueOneByOne(queue, settings.singleEnqueue, producer('enqueue-single', settings.singleEnqueue));
    const batchCount = settings.tasks - settings.singleEnqueue;
    const batch = await enqueueInBatches(queue, batchCount, settings.batchSize, producer('enqueue-batch', batchCount));

    // Processing: a fresh worker drains the backlog.
    const worker = newWorker(backend, settings, errors);
    workers.push(worker);
    const collector = new TaskCollector(warmupIds, errors);
    collector.attach(worker);
    report('processing', 0, settings.tasks);
    await worker.start();
    const complete = await collector.waitFinished(settings.tasks, settings.stallTimeoutMs, signal, () => report('processing', collector.finished, settings.tasks));
    if (!complete) errors.add('processing', `stalled: ${settings.tasks - collector.finished} of ${settings.tasks} tasks not finished after ${settings.stallTimeoutMs} ms without progress`);
    const processed = collector.finished;
    const processingMs = collector.firstStartAt !== undefined && collector.lastFinishAt !== undefined ? collector.lastFinishAt - collector.firstStartAt : 0;
    const processing = { ...rate(processed, processingMs), toStart: collector.toStart.summary(), toFinish: collector.toFinish.summary() };
    report('processing', processed, settings.tasks);
    const memEnd = process.memoryUsage();
    const succeeded = collector.succeeded;

    report('idle-latency', 0, settings.idleSamples);
    const idle = await probeIdleLatency(queue, collector, settings.idleSamples, settings.idleGapMs, settings.stallTimeoutMs, producer('idle-latency', settings.idleSamples)).catch((err: unknown) => {
      if (err instanceof Error && err.name === 'BenchmarkAbortedError') throw err;
      errors.add('idle latency', err instanceof Error ? err.message : String(err));
      return undefined;
    });
    collector.detach();
    await worker.stop({ timeout: 5000 });
    // Measured again at the end: a machine busy with other work skews one run, rarely both.
    await measureFloor();
    const floor = bestFloor(floors);

    const floorRatio = floor && floor.perSec > 0 ? Math.round((processing.perSec / floor.perSec) * 1000) / 1000 : undefined;
    const idleSummary = {
      toStart: idle ? idle.toStart.summary() : emptySummary(),
      toFinish: idle ? idle.toFinish.summary() : emptySummary(),
      enqueueCall: idle ? idle.enqueueCall.summary() : emptySummary(),
    };
    const result: BenchmarkResult = {
      kind: 'benchmark',
      profile: settings.profile,
      backend: backend.kind,
      address: backend.address,
      namespace: ns.label,
      serverVersion,
      settings,
      startedAt,
      connectMs,
      enqueue: { single: single.figure, batch: batch.figure },
      processing,
      idle: idleSummary,
      succeeded,
      failed: settings.tasks - succeeded,
      successRate: Math.round((succeeded / settings.tasks) * 10_000) / 10_000,
      errors: errors.list(),
      memory: { rssStart: memStart.rss, rssEnd: memEnd.rss, heapUsedStart: memStart.heapUsed, heapUsedEnd: memEnd.heapUsed },
      targets: [],
    };
    if (floor) result.floor = floor;
    if (floorRatio !== undefined) result.floorRatio = floorRatio;
    result.targets = checkTargets(result);
    return result;
  } finally {
    report('cleanup', 0, 1);
    for (const w of workers) await w.stop({ timeout: 2000 }).catch(() => {});
    await backend.destroy().catch(() => {});
    await backend.close().catch(() => {});
    ns.removeFiles();
    report('cleanup', 1, 1);
  }
}

function newWorker(backend: Backend, settings: ResolvedBenchmarkOptions, errors: ErrorLog): Worker {
  const worker = new Worker(backend, {
    queues: [BENCH_QUEUE],
    maxConcurrency: settings.concurrency,
    logger: silentLogger,
  });
  worker.on('warning', (message) => {
    if (!/ stopped$/.test(message)) errors.add('worker warning', message);
  });
  return worker;
}

function bestFloor(runs: FloorResult[]): FloorResult | undefined {
  if (runs.length === 0) return undefined;
  const best = runs.reduce((a, b) => (b.perSec > a.perSec ? b : a));
  return { ...best, runsPerSec: runs.map((r) => r.perSec) };
}

function emptySummary() {
  return { count: 0, minMs: 0, meanMs: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0 };
}
