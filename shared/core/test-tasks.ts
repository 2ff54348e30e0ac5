// Built-in tasks the tools enqueue to exercise a backend and a worker. Every worker knows them.
import { setTimeout as sleep } from 'node:timers/promises';
import { defineTask, type TaskContext, type TaskDefinition } from './tasks.js';

const numberOr = (value: unknown, key: string, fallback: number): number => {
  if (typeof value === 'number') return value;
  if (value && typeof value === 'object' && typeof (value as Record<string, unknown>)[key] === 'number')
    return (value as Record<string, number>)[key];
  return fallback;
};

/** Returns its payload. */
export const echoTask = defineTask('sitq.echo', <P>(payload: P): P => payload);

/** Waits `ms` (payload `{ ms }` or a number); stops early if aborted. */
export const sleepTask = defineTask('sitq.sleep', async (payload: { ms: number } | number, ctx: TaskContext) => {
  const ms = numberOr(payload, 'ms', 100);
  await sleep(ms, undefined, { signal: ctx.signal });
  return { sleptMs: ms };
});

export interface FailPayload {
  /** Fail the first N attempts, then succeed. */
  times?: number;
  /** Or fail each attempt with this probability (0..1). */
  probability?: number;
  message?: string;
}

/** Fails the first `times` attempts (default: every attempt), or with `probability`. */
export const failTask = defineTask('sitq.fail', (payload: FailPayload | null, ctx: TaskContext) => {
  const p = payload ?? {};
  const message = p.message ?? 'sitq.fail failed on purpose';
  if (typeof p.probability === 'number') {
    if (Math.random() < p.probability) throw new Error(`${message} (probability ${p.probability}, attempt ${ctx.attempt})`);
    return { attempt: ctx.attempt };
  }
  const times = typeof p.times === 'number' ? p.times : Number.POSITIVE_INFINITY;
  if (ctx.attempt <= times) throw new Error(`${message} (attempt ${ctx.attempt} of ${ctx.maxAttempts})`);
  return { attempt: ctx.attempt };
});

/** Burns `ms` of CPU (payload `{ ms }` or a number), checking its signal between slices. */
export const cpuTask = defineTask('sitq.cpu', (payload: { ms: number } | number, ctx: TaskContext) => {
  const ms = numberOr(payload, 'ms', 50);
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    for (let i = 0; i < 10_000; i++) x = (x * 31 + i) % 1_000_003;
  }
  return { burnedMs: ms, checksum: x };
});

/** Takes `steps` steps of `ms` each (payload `{ steps, ms }`), reporting its progress (0-100) and
 *  logging a line at every step: what the task views show live. Stops early if aborted. */
export const progressTask = defineTask('sitq.progress', async (payload: { steps?: number; ms?: number } | null, ctx: TaskContext) => {
  const steps = Math.max(1, Math.min(10_000, Math.floor(numberOr(payload, 'steps', 10))));
  const ms = numberOr(payload, 'ms', 200);
  ctx.progress(0);
  for (let i = 1; i <= steps; i++) {
    await sleep(ms, undefined, { signal: ctx.signal });
    ctx.log(`step ${i} of ${steps} done`);
    ctx.progress(Math.round((i / steps) * 1000) / 10);
  }
  return { steps };
});

export const TEST_TASKS: readonly TaskDefinition<never, unknown>[] = [
  echoTask,
  sleepTask,
  failTask,
  cpuTask,
  progressTask,
] as unknown as readonly TaskDefinition<never, unknown>[];
