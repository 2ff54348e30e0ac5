// sweepPools: the seed's "connection pooling optimization", measured. For each pool size a
// backend is connected with that size (in a namespace of its own); for each concurrency that many
// producers enqueue one task at a time until the cell's tasks are stored. Throughput and the
// latency of each enqueue call per cell.
import { createBackend, optionsOf, registrationOf, type BackendConfig } from '../backends/index.js';
import { TaskQueue } from '../core/queue.js';
import { BenchmarkAbortedError, throwIfAborted } from './abort.js';
import { benchNamespace } from './namespace.js';
import { BENCH_QUEUE, makePayload } from './options.js';
import { rate, Samples } from './stats.js';
import type { BenchProgress, SweepCell, SweepResult } from './types.js';

export const DEFAULT_POOL_SIZES = [1, 5, 10, 20, 50] as const;
export const DEFAULT_SWEEP_CONCURRENCIES = [5, 10, 20, 50] as const;

export interface SweepOptions {
  poolSizes?: readonly number[];
  concurrencies?: readonly number[];
  /** Tasks enqueued per cell. Default 2000. */
  tasksPerCell?: number;
  payloadBytes?: number;
  task?: string;
  profile?: string;
  onProgress?: (progress: BenchProgress) => void;
  signal?: AbortSignal;
}

interface PoolSetting {
  option: string | undefined;
  note: string;
  /** The config for one pool size. */
  apply(config: BackendConfig, size: number): BackendConfig;
}

/** The backend's pool option (its descriptor) and how a size applies (its registration). */
function poolSetting(config: BackendConfig): PoolSetting {
  const registration = registrationOf(config.type);
  return {
    option: registration.descriptor.poolOption,
    note: registration.pool.note,
    apply: (c, size) => ({ ...registration.pool.apply(optionsOf(c), size), type: c.type }) as BackendConfig,
  };
}

export async function sweepPools(config: BackendConfig, options: SweepOptions = {}): Promise<SweepResult> {
  const setting = poolSetting(config);
  const poolSizes = setting.option ? [...(options.poolSizes ?? DEFAULT_POOL_SIZES)] : [1];
  const concurrencies = [...(options.concurrencies ?? DEFAULT_SWEEP_CONCURRENCIES)];
  const tasksPerCell = options.tasksPerCell ?? 2000;
  const payload = makePayload(options.payloadBytes ?? 64);
  const task = options.task ?? 'sitq.echo';
  const profile = options.profile ?? config.type;
  const total = poolSizes.length * concurrencies.length;
  const t0 = performance.now();
  const progress = (done: number) =>
    options.onProgress?.({ profile, phase: 'enqueue-single', round: 0, done, total, elapsedMs: Math.round(performance.now() - t0) });
  const result: SweepResult = {
    kind: 'sweep',
    profile,
    backend: config.type,
    option: setting.option,
    note: setting.note,
    startedAt: new Date().toISOString(),
    cells: [],
  };

  for (const poolSize of poolSizes) {
    throwIfAborted(options.signal, 'the pool sweep');
    const ns = benchNamespace(setting.apply(config, poolSize), 'sweep');
    const backend = createBackend(ns.config);
    try {
      await backend.connect();
      const queue = new TaskQueue(backend);
      await queue.enqueue(task, payload, { queue: BENCH_QUEUE }); // opens the first connection before timing
      for (const concurrency of concurrencies) {
        throwIfAborted(options.signal, 'the pool sweep');
        result.cells.push(await runCell(queue, { poolSize, concurrency, tasks: tasksPerCell, task, payload, signal: options.signal }));
        progress(result.cells.length);
      }
    } catch (err) {
      if (err instanceof BenchmarkAbortedError) throw err;
      const message = err instanceof Error ? err.message : String(err);
      for (const concurrency of concurrencies) {
        if (!result.cells.some((c) => c.poolSize === poolSize && c.concurrency === concurrency)) {
          result.cells.push({
            poolSize,
            concurrency,
            tasks: 0,
            durationMs: 0,
            perSec: 0,
            latency: new Samples().summary(),
            errors: 1,
            error: message,
          });
        }
      }
    } finally {
      await ns.remove(backend);
    }
  }
  return result;
}

interface CellSpec {
  poolSize: number;
  concurrency: number;
  tasks: number;
  task: string;
  payload: unknown;
  signal: AbortSignal | undefined;
}

/** `concurrency` producers share a counter and enqueue one task at a time each. */
async function runCell(queue: TaskQueue, spec: CellSpec): Promise<SweepCell> {
  const latency = new Samples(spec.tasks);
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const producer = async () => {
    while (next < spec.tasks) {
      if (spec.signal?.aborted) return;
      next++;
      const t = performance.now();
      try {
        await queue.enqueue(spec.task, spec.payload, { queue: BENCH_QUEUE });
        latency.push(performance.now() - t);
      } catch (err) {
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: spec.concurrency }, producer));
  throwIfAborted(spec.signal, 'the pool sweep');
  const figure = rate(latency.length, performance.now() - t0);
  const cell: SweepCell = { poolSize: spec.poolSize, concurrency: spec.concurrency, ...figure, latency: latency.summary(), errors };
  if (firstError !== undefined) cell.error = firstError;
  return cell;
}
