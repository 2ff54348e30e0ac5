// runBenchmark: one profile, the whole measurement, in a namespace of its own.
//
// connect (fresh namespace) → warm-up (a worker of its own; excluded from everything) → rounds,
// each: raw floor → raw enqueue floor → enqueue one at a time → enqueue in batches (no worker running: a backlog of
// `tasks`) → processing (a fresh worker drains the backlog; first start to last confirmed
// completion) → idle latency (one task in flight at a time) → cleanup (destroy + remove files).
// With several rounds every rate is the median round's, and the floor ratio the median of the
// rounds' ratios: a floor and a processing run measured minutes apart on a busy machine compare
// badly, the two halves of one round compare well.
import { kindOf } from '../backends/descriptors.js';
import { createBackend, type BackendConfig } from '../backends/index.js';
import type { Backend } from '../core/backend.js';
import { silentLogger } from '../core/logger.js';
import { TaskQueue } from '../core/queue.js';
import { Worker } from '../core/worker.js';
import { BenchmarkAbortedError, raceAbort, throwIfAborted } from './abort.js';
import { ErrorLog, TaskCollector } from './collector.js';
import { rawEnqueueFloor, rawFloor } from './floors/index.js';
import { benchNamespace } from './namespace.js';
import { BENCH_QUEUE, makePayload, resolveBenchmarkOptions } from './options.js';
import { rate, round3, summarize } from './stats.js';
import { checkTargets } from './targets.js';
import type {
  BenchHooks,
  BenchmarkOptions,
  BenchmarkResult,
  BenchPhase,
  EnqueueFloorResult,
  FloorResult,
  ResolvedBenchmarkOptions,
  RoundResult,
} from './types.js';
import { enqueueInBatches, enqueueOneByOne, probeIdleLatency, type ProducerSettings } from './workload.js';

type Report = (phase: BenchPhase, done: number, total: number) => void;

interface Run {
  backend: Backend;
  queue: TaskQueue;
  settings: ResolvedBenchmarkOptions;
  errors: ErrorLog;
  workers: Worker[];
  report: Report;
  producer: (phase: BenchPhase, total: number) => ProducerSettings;
  signal: AbortSignal | undefined;
}

export async function runBenchmark(
  config: BackendConfig,
  options: BenchmarkOptions = {},
  hooks: BenchHooks = {},
): Promise<BenchmarkResult> {
  const settings = resolveBenchmarkOptions(options, config.type);
  const { signal } = hooks;
  const t0 = performance.now();
  let round = 0;
  const report: Report = (phase, done, total) =>
    hooks.onProgress?.({ profile: settings.profile, phase, round, done, total, elapsedMs: Math.round(performance.now() - t0) });
  throwIfAborted(signal, 'the benchmark');

  const ns = benchNamespace(config);
  const backend = createBackend(ns.config);
  const startedAt = new Date().toISOString();
  const observed = settings.observability;
  const queue = new TaskQueue(backend, { history: observed, tracing: observed, logger: silentLogger });
  const payload = makePayload(settings.payloadBytes);
  const run: Run = {
    backend,
    queue,
    settings,
    errors: new ErrorLog(),
    workers: [],
    report,
    signal,
    producer: (phase, total) => ({ task: settings.task, payload, signal, progress: (done) => report(phase, done, total) }),
  };
  try {
    report('connect', 0, 1);
    const c0 = performance.now();
    await raceAbort(backend.connect(), signal, 'the benchmark');
    const connectMs = round3(performance.now() - c0);
    const serverVersion = (await backend.ping()).serverVersion;
    report('connect', 1, 1);

    const excluded = await warmUp(run);
    const memStart = process.memoryUsage();
    const rounds: RoundResult[] = [];
    for (round = 1; round <= settings.rounds; round++) {
      const floor = settings.floor ? await measureFloor(config, run) : undefined;
      const thisRound = await measureRound(config, run, excluded, floor);
      rounds.push(thisRound);
      // A stalled round leaves tasks behind that the next round would count as its own.
      if (thisRound.stalled) break;
    }
    round = 0;
    const memEnd = process.memoryUsage();
    const idle = await measureIdle(run, excluded);

    const median = medianBy(rounds, (r) => r.processing.perSec);
    const floors = rounds.map((r) => r.floor).filter((f): f is FloorResult => f !== undefined);
    const succeeded = rounds.reduce((n, r) => n + r.succeeded, 0);
    const measured = settings.tasks * rounds.length;
    const result: BenchmarkResult = {
      kind: 'benchmark',
      profile: settings.profile,
      backend: kindOf(backend),
      address: backend.address,
      namespace: ns.label,
      serverVersion,
      settings,
      startedAt,
      connectMs,
      enqueue: { single: medianBy(rounds, (r) => r.single.perSec).single, batch: medianBy(rounds, (r) => r.batch.perSec).batch },
      processing: median.processing,
      idle,
      succeeded,
      failed: measured - succeeded,
      successRate: Math.round((succeeded / measured) * 10_000) / 10_000,
      errors: run.errors.list(),
      memory: { rssStart: memStart.rss, rssEnd: memEnd.rss, heapUsedStart: memStart.heapUsed, heapUsedEnd: memEnd.heapUsed },
      rounds: rounds.map(compactRound),
      targets: [],
    };
    if (floors.length > 0) {
      result.floor = { ...medianBy(floors, (f) => f.perSec), runsPerSec: floors.map((f) => f.perSec) };
      const ratios = rounds.filter((r) => r.floor && r.floor.perSec > 0).map((r) => r.processing.perSec / r.floor!.perSec);
      result.floorRatio = Math.round(medianBy(ratios, (x) => x) * 1000) / 1000;
    }
    const enqueueFloors = rounds.map((r) => r.enqueueFloor).filter((f): f is EnqueueFloorResult => f !== undefined);
    if (enqueueFloors.length > 0) {
      result.enqueueFloor = { ...medianBy(enqueueFloors, (f) => f.perSec), runsPerSec: enqueueFloors.map((f) => f.perSec) };
      const ratios = rounds.filter((r) => r.enqueueFloor && r.enqueueFloor.perSec > 0).map((r) => r.single.perSec / r.enqueueFloor!.perSec);
      result.enqueueFloorRatio = Math.round(medianBy(ratios, (x) => x) * 1000) / 1000;
    }
    result.targets = checkTargets(result);
    return result;
  } finally {
    round = 0;
    report('cleanup', 0, 1);
    for (const w of run.workers) await w.stop({ timeout: 2000 }).catch(() => {});
    await ns.remove(backend);
    report('cleanup', 1, 1);
  }
}

/** Runs the warm-up tasks to the end on a worker of their own; returns their ids (excluded). */
async function warmUp(run: Run): Promise<Set<string>> {
  const { settings, queue, report } = run;
  const ids = new Set<string>();
  if (settings.warmup === 0) return ids;
  const worker = newWorker(run);
  const warm = new TaskCollector(new Set(), new ErrorLog());
  warm.attach(worker);
  await worker.start();
  const single = Math.min(50, settings.warmup);
  for (const id of (await enqueueOneByOne(queue, single, run.producer('warmup', settings.warmup))).ids) ids.add(id);
  for (const id of (await enqueueInBatches(queue, settings.warmup - single, settings.batchSize, run.producer('warmup', settings.warmup)))
    .ids)
    ids.add(id);
  const done = await warm.waitFinished(settings.warmup, settings.stallTimeoutMs, run.signal, () =>
    report('warmup', warm.finished, settings.warmup),
  );
  if (!done) run.errors.add('warm-up', `only ${warm.finished} of ${settings.warmup} warm-up tasks finished`);
  warm.detach();
  await worker.stop({ timeout: 5000 });
  return ids;
}

async function measureFloor(config: BackendConfig, run: Run): Promise<FloorResult> {
  const { settings } = run;
  run.report('floor', 0, settings.tasks);
  const floor = await rawFloor(config, {
    tasks: settings.tasks,
    concurrency: settings.concurrency,
    payloadBytes: settings.payloadBytes,
    signal: run.signal,
  });
  run.report('floor', settings.tasks, settings.tasks);
  return floor;
}

/** Plain single writes awaited one at a time, as many as the one-by-one enqueue that follows. */
async function measureEnqueueFloor(config: BackendConfig, run: Run): Promise<EnqueueFloorResult> {
  const { settings } = run;
  run.report('enqueue-floor', 0, settings.singleEnqueue);
  const floor = await rawEnqueueFloor(config, { tasks: settings.singleEnqueue, payloadBytes: settings.payloadBytes, signal: run.signal });
  run.report('enqueue-floor', settings.singleEnqueue, settings.singleEnqueue);
  return floor;
}

/** Enqueue phases (the raw enqueue floor right before the one-by-one enqueue), then a fresh
 *  worker drains the backlog. */
async function measureRound(
  config: BackendConfig,
  run: Run,
  excluded: ReadonlySet<string>,
  floor: FloorResult | undefined,
): Promise<RoundResult> {
  const { settings, queue } = run;
  const enqueueFloor = settings.floor && settings.singleEnqueue > 0 ? await measureEnqueueFloor(config, run) : undefined;
  const single = await enqueueOneByOne(queue, settings.singleEnqueue, run.producer('enqueue-single', settings.singleEnqueue));
  const batchCount = settings.tasks - settings.singleEnqueue;
  const batch = await enqueueInBatches(queue, batchCount, settings.batchSize, run.producer('enqueue-batch', batchCount));

  const worker = newWorker(run);
  const collector = new TaskCollector(excluded, run.errors);
  collector.attach(worker);
  run.report('processing', 0, settings.tasks);
  await worker.start();
  const complete = await collector.waitFinished(settings.tasks, settings.stallTimeoutMs, run.signal, () =>
    run.report('processing', collector.finished, settings.tasks),
  );
  if (!complete)
    run.errors.add(
      'processing',
      `stalled: ${settings.tasks - collector.finished} of ${settings.tasks} tasks not finished after ${settings.stallTimeoutMs} ms without progress`,
    );
  const ms =
    collector.firstStartAt !== undefined && collector.lastFinishAt !== undefined ? collector.lastFinishAt - collector.firstStartAt : 0;
  run.report('processing', collector.finished, settings.tasks);
  collector.detach();
  await worker.stop({ timeout: 5000 });
  return {
    single: single.figure,
    batch: batch.figure,
    processing: { ...rate(collector.finished, ms), toStart: collector.toStart.summary(), toFinish: collector.toFinish.summary() },
    floor,
    enqueueFloor,
    succeeded: collector.succeeded,
    stalled: !complete,
  };
}

/** A fresh, idle worker; one task at a time. Failures here are reported, not thrown. */
async function measureIdle(run: Run, excluded: ReadonlySet<string>): Promise<BenchmarkResult['idle']> {
  const { settings } = run;
  const empty = { toStart: summarize([]), toFinish: summarize([]), enqueueCall: summarize([]) };
  if (settings.idleSamples === 0) return empty;
  const worker = newWorker(run);
  const collector = new TaskCollector(excluded, run.errors);
  collector.attach(worker);
  await worker.start();
  run.report('idle-latency', 0, settings.idleSamples);
  try {
    const idle = await probeIdleLatency(
      run.queue,
      collector,
      settings.idleSamples,
      settings.idleGapMs,
      settings.stallTimeoutMs,
      run.producer('idle-latency', settings.idleSamples),
    );
    return { toStart: idle.toStart.summary(), toFinish: idle.toFinish.summary(), enqueueCall: idle.enqueueCall.summary() };
  } catch (err) {
    if (err instanceof BenchmarkAbortedError) throw err;
    run.errors.add('idle latency', err instanceof Error ? err.message : String(err));
    return empty;
  } finally {
    collector.detach();
    await worker.stop({ timeout: 5000 });
  }
}

function newWorker(run: Run): Worker {
  const observed = run.settings.observability;
  const worker = new Worker(run.backend, {
    queues: [BENCH_QUEUE],
    maxConcurrency: run.settings.concurrency,
    logger: silentLogger,
    history: observed,
    tracing: observed,
  });
  worker.on('warning', (message) => {
    if (!/ stopped$/.test(message)) run.errors.add('worker warning', message);
  });
  run.workers.push(worker);
  return worker;
}

/** The middle element by `key` (the lower middle of an even count). */
export function medianBy<T>(items: readonly T[], key: (x: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** A round as stored in the result: rates only (the median round's latencies are the headline). */
function compactRound(r: RoundResult): BenchmarkResult['rounds'][number] {
  const out: BenchmarkResult['rounds'][number] = {
    singleEnqueuePerSec: r.single.perSec,
    batchEnqueuePerSec: r.batch.perSec,
    processingPerSec: r.processing.perSec,
    succeeded: r.succeeded,
  };
  if (r.floor) {
    out.floorPerSec = r.floor.perSec;
    out.floorRatio = r.floor.perSec > 0 ? Math.round((r.processing.perSec / r.floor.perSec) * 1000) / 1000 : undefined;
  }
  if (r.enqueueFloor) {
    out.enqueueFloorPerSec = r.enqueueFloor.perSec;
    out.enqueueFloorRatio = r.enqueueFloor.perSec > 0 ? Math.round((r.single.perSec / r.enqueueFloor.perSec) * 1000) / 1000 : undefined;
  }
  return out;
}
