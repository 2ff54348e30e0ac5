// Defaults of the standard workload and validation of what a caller passes.
import { z } from 'zod';
import { TASK_NAME } from '../core/enqueue-options.js';
import { parseOptions } from '../core/validate.js';
import type { BenchmarkOptions, ResolvedBenchmarkOptions } from './types.js';

/** The standard workload of the issue: 10,000 no-op tasks, concurrency 10, small payload. */
export const STANDARD_WORKLOAD = { tasks: 10_000, concurrency: 10, payloadBytes: 64, task: 'sitq.echo' } as const;

/** The queue every benchmark task goes to (inside the benchmark's own namespace). */
export const BENCH_QUEUE = 'bench';

const count = (min: number, max: number) => z.number().int().min(min).max(max);

const schema = z.strictObject({
  tasks: count(1, 10_000_000).optional(),
  concurrency: count(1, 10_000).optional(),
  payloadBytes: count(0, 16 * 1024 * 1024).optional(),
  task: z.string().regex(TASK_NAME, 'a task name').optional(),
  warmup: count(0, 1_000_000).optional(),
  singleEnqueue: count(0, 10_000_000).optional(),
  batchSize: count(1, 100_000).optional(),
  idleSamples: count(0, 1_000_000).optional(),
  idleGapMs: count(0, 60_000).optional(),
  floor: z.boolean().optional(),
  observability: z.boolean().optional(),
  rounds: count(1, 100).optional(),
  stallTimeoutMs: count(100, 3_600_000).optional(),
  profile: z.string().min(1).max(200).optional(),
});

export function resolveBenchmarkOptions(input: BenchmarkOptions | undefined, defaultProfile: string): ResolvedBenchmarkOptions {
  const o = parseOptions(schema, input ?? {}, 'benchmark');
  const tasks = o.tasks ?? STANDARD_WORKLOAD.tasks;
  return {
    tasks,
    concurrency: o.concurrency ?? STANDARD_WORKLOAD.concurrency,
    payloadBytes: o.payloadBytes ?? STANDARD_WORKLOAD.payloadBytes,
    task: o.task ?? STANDARD_WORKLOAD.task,
    warmup: o.warmup ?? 200,
    singleEnqueue: Math.min(tasks, o.singleEnqueue ?? Math.min(1000, Math.ceil(tasks / 2))),
    batchSize: o.batchSize ?? 500,
    idleSamples: o.idleSamples ?? 500,
    idleGapMs: o.idleGapMs ?? 2,
    floor: o.floor ?? true,
    observability: o.observability ?? true,
    rounds: o.rounds ?? 1,
    stallTimeoutMs: o.stallTimeoutMs ?? 60_000,
    profile: o.profile ?? defaultProfile,
  };
}

/** A JSON payload of about `bytes` bytes: `{"data":"xxx…"}`. */
export function makePayload(bytes: number): { data: string } {
  const overhead = JSON.stringify({ data: '' }).length;
  return { data: 'x'.repeat(Math.max(0, bytes - overhead)) };
}
