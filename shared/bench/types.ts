// The benchmark's typed inputs and results. Every figure says its unit in its name (Ms, PerSec)
// so a JSON file read years later still means one thing.
import type { BackendKind } from '../backends/descriptors.js';

/** What runBenchmark runs. Every field has a default (the standard workload). */
export interface BenchmarkOptions {
  /** Tasks measured (warm-up excluded). Default 10,000. */
  tasks?: number;
  /** Worker maxConcurrency. Default 10. */
  concurrency?: number;
  /** Approximate JSON size of each payload in bytes. Default 64. */
  payloadBytes?: number;
  /** Task name the worker runs. Default `sitq.echo` (a no-op that returns its payload). */
  task?: string;
  /** Tasks processed before anything is measured, excluded from every count. Default 200. */
  warmup?: number;
  /** Of `tasks`, how many are enqueued one at a time (the rest go in batches). Default min(1000, tasks / 2). */
  singleEnqueue?: number;
  /** Tasks per enqueueMany call. Default 500. */
  batchSize?: number;
  /** Samples of enqueue-to-start latency on an idle worker. Default 500; 0 skips it. */
  idleSamples?: number;
  /** Pause between idle samples so the worker is back in its waiting claim. Default 2 ms. */
  idleGapMs?: number;
  /** Also measure the raw floors (see rawFloor, rawEnqueueFloor) in the same run. Default true. */
  floor?: boolean;
  /** The producer's and workers' throughput history and OpenTelemetry spans, as a user gets them
   *  by default; false measures without (what they cost). Default true. */
  observability?: boolean;
  /** Floor + enqueue + processing this many times; rates are the median round's. Default 1. */
  rounds?: number;
  /** Gives up on a phase that has made no progress for this long (ms). Default 60,000. */
  stallTimeoutMs?: number;
  /** Profile name shown in tables. Default: the backend type. */
  profile?: string;
}

export type ResolvedBenchmarkOptions = Required<BenchmarkOptions>;

export type BenchPhase =
  | 'connect'
  | 'floor'
  | 'enqueue-floor'
  | 'scale-empty'
  | 'scale-fill'
  | 'scale-full'
  | 'warmup'
  | 'enqueue-single'
  | 'enqueue-batch'
  | 'processing'
  | 'idle-latency'
  | 'cleanup';

export interface BenchProgress {
  profile: string;
  phase: BenchPhase;
  /** 1-based round of the floor/enqueue/processing phases; 0 outside them. */
  round: number;
  /** Units done in this phase (tasks, samples). */
  done: number;
  total: number;
  /** ms since the benchmark started. */
  elapsedMs: number;
}

export interface BenchHooks {
  onProgress?: (progress: BenchProgress) => void;
  /** Aborting stops the run at the next step, cleans up, and rejects with BenchmarkAbortedError. */
  signal?: AbortSignal;
}

/** Distribution of a set of durations, in ms. Percentiles by the nearest-rank method. */
export interface LatencySummary {
  count: number;
  minMs: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface RateFigure {
  tasks: number;
  durationMs: number;
  perSec: number;
}

export interface FloorResult {
  kind: BackendKind;
  /** The claim loop in one line, e.g. `UPDATE ... RETURNING (batch of 10) + UPDATE ack`. */
  method: string;
  tasks: number;
  concurrency: number;
  /** First claim to last confirmed ack. */
  durationMs: number;
  perSec: number;
  /** Round trips the loop made to claim (a batch claim counts once). */
  claimCalls: number;
  /** In runBenchmark: the floor of every round; perSec (with the other fields) is the median's. */
  runsPerSec?: number[];
}

/** The raw enqueue floor: plain single writes awaited one after another (see rawEnqueueFloor). */
export interface EnqueueFloorResult extends RateFigure {
  kind: BackendKind;
  /** The write in one line, e.g. `INSERT INTO jobs (payload) VALUES ($1)`. */
  method: string;
  latency: LatencySummary;
  /** In runBenchmark: the enqueue floor of every round; perSec (with the other fields) is the median's. */
  runsPerSec?: number[];
}

export interface ErrorTally {
  /** Where it happened: enqueue, worker backend-error, task failure, lease-lost, ... */
  source: string;
  message: string;
  count: number;
}

export interface TargetCheck {
  name: string;
  /** Human form of the threshold, e.g. `>= 0.8x floor`. */
  threshold: string;
  /** The measured value in the threshold's unit (undefined when not measured). */
  value: number | undefined;
  met: boolean | undefined;
}

export interface BenchmarkResult {
  kind: 'benchmark';
  profile: string;
  backend: BackendKind;
  /** Redacted address of the benchmark's own namespace. */
  address: string;
  /** The namespace the run created and destroyed, e.g. `schema sitq_bench_run_0a1b2c3d4e`. */
  namespace: string;
  serverVersion: string;
  settings: ResolvedBenchmarkOptions;
  startedAt: string;
  /** backend.connect() on a fresh namespace, which includes creating its structures. */
  connectMs: number;
  enqueue: {
    /** TaskQueue.enqueue awaited one after another. */
    single: RateFigure & { latency: LatencySummary };
    /** TaskQueue.enqueueMany in batches of settings.batchSize. */
    batch: RateFigure & { batchSize: number };
  };
  /** One worker draining the backlog of `tasks`: first start to last confirmed completion. */
  processing: RateFigure & {
    /** Includes the time tasks waited in the backlog (enqueuedAt has ms resolution). */
    toStart: LatencySummary;
    toFinish: LatencySummary;
  };
  /** One task at a time on an idle worker: from calling enqueue to the handler starting / the
   *  completion being confirmed. This is the latency target. */
  idle: {
    toStart: LatencySummary;
    toFinish: LatencySummary;
    /** The enqueue call alone (its round trip and commit), part of toStart: what is left is pickup. */
    enqueueCall: LatencySummary;
  };
  succeeded: number;
  /** Tasks that ended dead or were not finished when the run gave up. */
  failed: number;
  /** succeeded / tasks (0..1). */
  successRate: number;
  errors: ErrorTally[];
  floor?: FloorResult;
  /** processing / floor: the median of the rounds' ratios (each round's own floor). */
  floorRatio?: number;
  /** The raw enqueue floor (plain single writes, one at a time), measured in each round just
   *  before the one-by-one enqueue; the median round's. */
  enqueueFloor?: EnqueueFloorResult;
  /** enqueue 1-by-1 / raw enqueue floor: the median of the rounds' ratios. */
  enqueueFloorRatio?: number;
  /** Every round's rates (the headline figures are the median round's). */
  rounds: {
    singleEnqueuePerSec: number;
    batchEnqueuePerSec: number;
    processingPerSec: number;
    floorPerSec?: number;
    floorRatio?: number;
    enqueueFloorPerSec?: number;
    enqueueFloorRatio?: number;
    succeeded: number;
  }[];
  /** Worker process memory in bytes, sampled after the warm-up and at the end. */
  memory: { rssStart: number; rssEnd: number; heapUsedStart: number; heapUsedEnd: number };
  targets: TargetCheck[];
}

/** One round of runBenchmark, as measured (internal; the result keeps its rates). */
export interface RoundResult {
  single: RateFigure & { latency: LatencySummary };
  batch: RateFigure & { batchSize: number };
  processing: BenchmarkResult['processing'];
  floor: FloorResult | undefined;
  enqueueFloor: EnqueueFloorResult | undefined;
  succeeded: number;
  /** Some tasks never finished (the round gave up after stallTimeoutMs without progress). */
  stalled: boolean;
}

export interface SweepCell {
  /** PostgreSQL poolSize / Redis maxConnections. */
  poolSize: number;
  /** Enqueue calls in flight at once. */
  concurrency: number;
  tasks: number;
  durationMs: number;
  perSec: number;
  latency: LatencySummary;
  errors: number;
  /** Set when the cell could not run at all. */
  error?: string;
}

export interface SweepResult {
  kind: 'sweep';
  profile: string;
  backend: BackendKind;
  /** The option swept (`poolSize`, `maxConnections`), or undefined when the backend has none. */
  option: string | undefined;
  /** Why this sweep means what it means (or why there is none). */
  note: string;
  startedAt: string;
  cells: SweepCell[];
}

export interface SoakResult {
  kind: 'soak';
  profile: string;
  backend: BackendKind;
  startedAt: string;
  tasks: number;
  concurrency: number;
  /** Node flags the worker process ran with besides --expose-gc (absent in results from before
   *  they were recorded: none then). */
  workerNodeFlags?: string[];
  durationMs: number;
  perSec: number;
  succeeded: number;
  /** Samples of the worker process (its own process), after a forced GC. */
  samples: { processed: number; rss: number; heapUsed: number }[];
  rssStart: number;
  rssEnd: number;
  heapUsedStart: number;
  heapUsedEnd: number;
  targets: TargetCheck[];
}

export interface MachineInfo {
  hostname: string;
  platform: string;
  arch: string;
  cpuModel: string;
  cpus: number;
  memoryBytes: number;
  /** 1-minute load average when the run started: other work on the machine skews every figure. */
  loadAverage: number;
}

export interface VersionInfo {
  sitq: string;
  /** The git commit measured, when run from a checkout. */
  commit?: string;
  node: string;
  /** Client library versions: pg, ioredis, nats, better-sqlite3. */
  clients: Record<string, string>;
  /** Server versions by profile name. */
  servers: Record<string, string>;
}

/** Another task queue run with the same workload on the same server (`npm run bench -- --peers`). */
export interface PeerResult {
  kind: 'peer';
  /** Library and version, e.g. `BullMQ 6.7.6`. */
  peer: string;
  /** The sitq profile whose server it used (its figures are compared with that profile's). */
  profile: string;
  /** The peer's settings in one line: its own recommended options, as used. */
  settings: string;
  concurrency: number;
  /** One awaited add at a time, and its batch add in batches of `batchSize`. */
  enqueue: BenchmarkResult['enqueue'];
  /** One worker draining the backlog: first start to last completion the peer reports as written. */
  processing: RateFigure;
  /** One job at a time on an idle worker, from calling add. */
  idle: { toStart: LatencySummary; toFinish: LatencySummary };
}

/** One measurement of runScale: enqueue, processing and the inspection calls. */
export interface ScaleFigures {
  /** One awaited enqueue at a time. */
  enqueuePerSec: number;
  /** One worker draining the measured backlog. */
  processingPerSec: number;
  /** Each inspection call's median of 3, ms. */
  calls: { call: string; ms: number }[];
}

/** runScale: the same measurements on an empty store and on one filled with waiting and finished tasks. */
export interface ScaleResult {
  kind: 'scale';
  profile: string;
  backend: BackendKind;
  startedAt: string;
  settings: {
    waiting: number;
    finished: number;
    singleEnqueue: number;
    tasks: number;
    concurrency: number;
    payloadBytes: number;
    fillBatch: number;
    fillConcurrency: number;
  };
  /** Filling: enqueueing and running the finished tasks, then enqueueing the waiting ones. */
  fillMs: number;
  empty: ScaleFigures;
  full: ScaleFigures;
  errors: ErrorTally[];
}

/** Several results with the facts needed to read them later. What saveResult writes. */
export interface BenchReport {
  kind: 'report';
  date: string;
  machine: MachineInfo;
  versions: VersionInfo;
  /** The command or call that produced it, when known. */
  command?: string;
  settings: ResolvedBenchmarkOptions | undefined;
  results: BenchmarkResult[];
  /** Profiles that were not benchmarked, and why. */
  skipped: { profile: string; reason: string }[];
  sweeps: SweepResult[];
  soaks: SoakResult[];
  /** `--peers`: the same workload through other task queues on the same servers. */
  peers?: PeerResult[];
  /** `--scale`: the store empty and filled. */
  scales?: ScaleResult[];
}

export type AnyBenchResult = BenchReport | BenchmarkResult | SweepResult | SoakResult;

/** One figure of a run compared with an earlier run. */
export interface FigureChange {
  profile: string;
  figure: string;
  current: number;
  earlier: number;
  /** (current - earlier) / earlier × 100; undefined when earlier is 0. */
  changePct: number | undefined;
  /** Whether the change is an improvement (higher rate / lower latency). */
  better: boolean | undefined;
  /** Which part of the run the figure belongs to (`Throughput`, `Latency on an idle worker`, ...). */
  group: string;
  /** Human name with its unit, e.g. `idle enqueue→finish p95 (ms)`. */
  label: string;
  /** How the value reads: `ms`, `/s` (per second), `x` (ratio), `share` (0..1), `MiB`, `count`. */
  unit: 'ms' | '/s' | 'x' | 'share' | 'MiB' | 'count';
  /** True when the change lies inside the spread the runs show themselves (see compare.ts). */
  noise: boolean;
}

export interface ComparisonVerdict {
  tone: 'better' | 'worse' | 'mixed' | 'same';
  /** One sentence, e.g. `Processing is 12 % faster; latency unchanged (within the runs' spread).` */
  text: string;
}

export interface RunComparison {
  kind: 'comparison';
  currentDate: string | undefined;
  earlierDate: string | undefined;
  changes: FigureChange[];
  /** Profiles present in only one of the two runs. */
  unmatched: string[];
  verdict: ComparisonVerdict;
  /** How the two runs' workloads or machines differ (`tasks: 200 → 2,000`); empty when alike. */
  workloadDifferences: string[];
}
