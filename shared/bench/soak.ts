// runSoak: a long run (100,000 tasks by default) to show a worker's memory stays flat. The worker
// runs in a process of its own (so the producer's memory is not counted) started with
// --expose-gc and WORKER_NODE_FLAGS, and reports its RSS and heap after a forced GC: after the
// warm-up, every tenth of the run, and at the end. The producer keeps a bounded backlog ahead of it.
import { fork, type ChildProcess } from 'node:child_process';
import { descriptorOf } from '../backends/descriptors.js';
import { createBackend, type BackendConfig } from '../backends/index.js';
import { SitqError } from '../core/errors.js';
import { TaskQueue } from '../core/queue.js';
import { BenchmarkAbortedError, throwIfAborted } from './abort.js';
import { benchNamespace } from './namespace.js';
import { BENCH_QUEUE, makePayload } from './options.js';
import type { FromSoakWorker, ToSoakWorker } from './soak-messages.js';
import { rate } from './stats.js';
import { checkSoakTargets } from './targets.js';
import type { BenchProgress, SoakResult } from './types.js';

/**
 * The Node flags of a worker process sitq starts itself (this soak's worker; `sitq worker` takes
 * them through NODE_OPTIONS, see shared/cli/README.md). V8 grows a busy process's young generation
 * to two 16 MiB semi-spaces (it doubles whenever the bytes that survived scavenges since the last
 * growth exceed its size, which a long-running worker always reaches) and keeps them while the
 * process allocates: 31.5 MiB of a worker's ~100 MiB RSS, beside 13-17 MiB of live heap. A 1 MiB
 * semi-space holds it at 2 MiB; processing speed did not change in interleaved runs
 * (bench/README.md, "Worker RSS"). A library user's own process keeps Node's default unless it
 * passes the flag.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

export interface SoakOptions {
  /** Measured tasks. Default 100,000. */
  tasks?: number;
  concurrency?: number;
  payloadBytes?: number;
  task?: string;
  /** Tasks run before the first memory sample. Default 2000. */
  warmup?: number;
  /** Most tasks waiting ahead of the worker. Default 5000. */
  backlog?: number;
  /** Memory samples besides the first (evenly spaced). Default 10. */
  samples?: number;
  profile?: string;
  /** Node flags of the worker process besides --expose-gc. Default WORKER_NODE_FLAGS; `[]` runs
   *  it with Node's defaults, as a library user's own process is. */
  workerNodeFlags?: readonly string[];
  /** Gives up when the worker finishes nothing for this long (ms). Default 60,000. */
  stallTimeoutMs?: number;
  onProgress?: (progress: BenchProgress) => void;
  signal?: AbortSignal;
}

export class SoakWorkerError extends SitqError {}

type MemorySample = Extract<FromSoakWorker, { type: 'memory' }>;

/** The child process and a way to wait for its next message of a kind. */
class SoakChild {
  processed = 0;
  private readonly waiters: { type: FromSoakWorker['type']; resolve: (m: FromSoakWorker) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | undefined;

  constructor(readonly proc: ChildProcess) {
    proc.on('message', (m: FromSoakWorker) => {
      if (m.type === 'progress') this.processed = m.processed + m.failed;
      if (m.type === 'memory') this.processed = m.processed;
      if (m.type === 'error') return this.fail(new SoakWorkerError(`the soak worker process failed: ${m.message}`));
      const i = this.waiters.findIndex((w) => w.type === m.type);
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(m);
    });
    proc.on('exit', (code) => this.fail(new SoakWorkerError(`the soak worker process exited (code ${code})`)));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  request<T extends FromSoakWorker['type']>(message: ToSoakWorker | undefined, type: T): Promise<Extract<FromSoakWorker, { type: T }>> {
    if (this.failure) return Promise.reject(this.failure);
    const answer = new Promise<FromSoakWorker>((resolve, reject) => this.waiters.push({ type, resolve, reject }));
    if (message) this.proc.send(message);
    return answer as Promise<Extract<FromSoakWorker, { type: T }>>;
  }

  check(): void {
    if (this.failure) throw this.failure;
  }
}

export async function runSoak(config: BackendConfig, options: SoakOptions = {}): Promise<SoakResult> {
  const descriptor = descriptorOf(config.type);
  if (descriptor.inProcess)
    throw new SoakWorkerError(`${descriptor.label} keeps its tasks in one process, and a soak's worker runs in a process of its own`);
  const tasks = options.tasks ?? 100_000;
  const concurrency = options.concurrency ?? 10;
  const warmup = options.warmup ?? 2000;
  const backlog = options.backlog ?? 5000;
  const sampleCount = options.samples ?? 10;
  const stallMs = options.stallTimeoutMs ?? 60_000;
  const profile = options.profile ?? config.type;
  const task = options.task ?? 'sitq.echo';
  const workerNodeFlags = [...(options.workerNodeFlags ?? WORKER_NODE_FLAGS)];
  const payload = makePayload(options.payloadBytes ?? 64);
  const { signal } = options;
  const t0 = performance.now();
  const progress = (done: number, total: number) =>
    options.onProgress?.({ profile, phase: 'processing', round: 0, done, total, elapsedMs: Math.round(performance.now() - t0) });
  throwIfAborted(signal, 'the soak run');

  const ns = benchNamespace(config, 'soak');
  const backend = createBackend(ns.config);
  let child: SoakChild | undefined;
  const startedAt = new Date().toISOString();
  try {
    await backend.connect();
    const queue = new TaskQueue(backend);
    child = new SoakChild(
      fork(new URL('./soak-worker.js', import.meta.url), [], {
        execArgv: ['--expose-gc', ...workerNodeFlags],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    await child.request({ type: 'start', config: ns.config, concurrency, queue: BENCH_QUEUE }, 'ready');

    let enqueued = 0;
    const feed = async (upTo: number) => {
      // Keep at most `backlog` tasks ahead of the worker; wait for progress otherwise.
      let last = child!.processed;
      let lastChange = performance.now();
      while (child!.processed < upTo) {
        throwIfAborted(signal, 'the soak run');
        child!.check();
        if (enqueued < upTo && enqueued - child!.processed < backlog) {
          const n = Math.min(1000, upTo - enqueued);
          await queue.enqueueMany(task, new Array<unknown>(n).fill(payload), { queue: BENCH_QUEUE });
          enqueued += n;
          continue;
        }
        await new Promise((r) => setTimeout(r, 20));
        if (child!.processed !== last) {
          last = child!.processed;
          lastChange = performance.now();
          progress(Math.max(0, last - warmup), tasks);
        } else if (performance.now() - lastChange > stallMs) {
          throw new SoakWorkerError(`the soak worker finished nothing for ${stallMs} ms (${last} of ${upTo} done)`);
        }
      }
    };

    await feed(warmup);
    const samples: MemorySample[] = [await child.request({ type: 'memory' }, 'memory')];
    const start = performance.now();
    for (let i = 1; i <= sampleCount; i++) {
      await feed(warmup + Math.round((tasks * i) / sampleCount));
      samples.push(await child.request({ type: 'memory' }, 'memory'));
    }
    const durationMs = performance.now() - start;
    const first = samples[0];
    const last = samples[samples.length - 1];
    const figure = rate(tasks, durationMs);
    const result: SoakResult = {
      kind: 'soak',
      profile,
      backend: config.type,
      startedAt,
      tasks,
      concurrency,
      workerNodeFlags,
      durationMs: figure.durationMs,
      perSec: figure.perSec,
      succeeded: last.processed - first.processed,
      samples: samples.map((s) => ({ processed: s.processed - first.processed, rss: s.rss, heapUsed: s.heapUsed })),
      rssStart: first.rss,
      rssEnd: last.rss,
      heapUsedStart: first.heapUsed,
      heapUsedEnd: last.heapUsed,
      targets: [],
    };
    result.targets = checkSoakTargets(result);
    return result;
  } catch (err) {
    if (signal?.aborted && !(err instanceof BenchmarkAbortedError)) throw new BenchmarkAbortedError('the soak run');
    throw err;
  } finally {
    if (child) {
      await Promise.race([child.request({ type: 'stop' }, 'stopped').catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
      child.proc.kill();
    }
    await ns.remove(backend);
  }
}
