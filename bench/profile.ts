// `npm run build && node dist/bench/profile.js [--profiles redis,postgres] [--tasks 10000]`:
// where the time goes when a worker drains a backlog, next to the raw floor on the same server.
// For each profile it reports, for three runs over the same number of no-op tasks:
//   core    the Worker with an in-memory backend that answers at once (the core's own cost),
//   floor   the raw claim loop (shared/bench/floors),
//   worker  the Worker on the real backend,
// the rate, this process's CPU per task, claim and ack/complete calls with their mean time and
// size, and the server's CPU per task where the backend's kit can read it (its serverCpu:
// PostgreSQL the backend processes of the run's connections, Redis INFO commandstats, NATS the
// whole nats-server process).
import { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createBackend, kitOf, optionsOf, type BackendConfig } from '../shared/backends/index.js';
import type { ServerCpuProbe } from '../shared/backends/kit.js';
import type { Backend } from '../shared/core/backend.js';
import { jsonSerializer } from '../shared/core/serializers.js';
import { silentLogger } from '../shared/core/logger.js';
import { TaskQueue } from '../shared/core/queue.js';
import type { TaskReport } from '../shared/core/progress.js';
import type { ClaimedTask, ClaimRequest, Completion } from '../shared/core/types.js';
import { Worker } from '../shared/core/worker.js';
import { floorDriver } from '../shared/bench/floors/index.js';
import { resolveFloorOptions, runFloorLoop } from '../shared/bench/floors/loop.js';
import { benchNamespace } from '../shared/bench/namespace.js';
import { BENCH_QUEUE, makePayload } from '../shared/bench/options.js';
import { LOCAL_PROFILES } from './profiles.js';

interface Calls {
  count: number;
  items: number;
  ms: number;
}
interface Row {
  profile: string;
  run: 'core' | 'floor' | 'worker';
  perSec: number;
  cpuUsPerTask: number;
  serverCpuUsPerTask: number | undefined;
  claim: Calls;
  ack: Calls;
}

const program = new Command('node dist/bench/profile.js')
  .option('--profiles <names>', 'comma-separated', (v: string) => v.split(','))
  .option('--tasks <n>', 'tasks per run', (v: string) => Number(v), 10_000)
  .option('--concurrency <n>', 'worker concurrency', (v: string) => Number(v), 10)
  .option('--repeat <n>', 'run everything n times and show the median of each figure', (v: string) => Number(v), 1)
  .option('--cpuprofile <dir>', 'write a V8 CPU profile of each measured run (drain only) into this folder')
  .option('--runs <names>', 'comma-separated subset of core, floor, worker (e.g. to --cpu-prof one)', (v: string) => v.split(','), [
    'core',
    'floor',
    'worker',
  ])
  .parse(process.argv);
const opts = program.opts<{
  profiles?: string[];
  tasks: number;
  concurrency: number;
  runs: string[];
  repeat: number;
  cpuprofile?: string;
}>();

const calls = (): Calls => ({ count: 0, items: 0, ms: 0 });
async function timed<T>(c: Calls, items: number, fn: () => Promise<T>, size?: (r: T) => number): Promise<T> {
  const t = performance.now();
  const r = await fn();
  c.ms += performance.now() - t;
  c.count++;
  c.items += size ? size(r) : items;
  return r;
}

/** CPU (µs) this process used while `fn` ran; with --cpuprofile, also a V8 profile of just that. */
async function cpu<T>(label: string, fn: () => Promise<T>): Promise<[T, number]> {
  const session = opts.cpuprofile ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const start = process.cpuUsage();
  const r = await fn();
  const used = process.cpuUsage(start);
  if (session && opts.cpuprofile) {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(opts.cpuprofile, { recursive: true });
    writeFileSync(join(opts.cpuprofile, `${label}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
  return [r, used.user + used.system];
}

// --- server CPU --------------------------------------------------------------------------------

/** The kit's probe of the server's CPU during `run` (`options`: the run's own, with its namespace). */
async function probeFor(config: BackendConfig, run: 'floor' | 'worker', options = config): Promise<ServerCpuProbe | undefined> {
  return (await kitOf(config.type)).serverCpu?.(run, optionsOf(options));
}

// --- the three runs ----------------------------------------------------------------------------

async function coreRun(profile: string, n: number, concurrency: number): Promise<Row> {
  const payload = jsonSerializer.serialize(makePayload(64));
  const claim = calls();
  const ack = calls();
  let next = 0;
  const record = (i: number) => ({
    id: `t${i}`,
    queue: BENCH_QUEUE,
    name: 'sitq.echo',
    payload,
    serializer: 'json',
    priority: 0,
    runAt: 0,
    enqueuedAt: Date.now(),
    maxAttempts: 3,
    backoff: { type: 'fixed' as const, baseMs: 1, maxMs: 1, jitter: 0 },
    state: 'running' as const,
    attempts: 1,
  });
  // Every call the worker makes answers at once; the rest say they are not part of this run.
  // Typed as a whole Backend, so a call the worker starts making shows here at compile time
  // (a stand-in that lacked the state calls made this run hang once the worker read settings).
  const unused = (name: string) => () => Promise.reject(new Error(`the core run's stand-in backend does not serve ${name}`));
  const backend: Backend = {
    kind: 'memory',
    address: 'memory (core only)',
    connect: async () => {},
    close: async () => {},
    ping: async () => ({ serverVersion: 'core only' }),
    nodes: async () => [],
    taskSizeLimit: () => ({ bytes: 256 * 1024 * 1024, source: "the core run's stand-in" }),
    enqueue: unused('enqueue'),
    cancel: unused('cancel'),
    getTask: async () => null,
    waitForFinish: async () => null,
    listQueues: async () => [BENCH_QUEUE],
    counts: async () => [],
    listTasks: unused('listTasks'),
    subscribe: async () => () => Promise.resolve(),
    requeue: unused('requeue'),
    purge: unused('purge'),
    prune: async () => 0,
    getState: async () => null,
    setState: async (key: string, value: string) => ({ key, value, version: 1 }),
    deleteState: async () => true,
    listState: async () => [],
    listWorkers: async () => [],
    destroy: async () => {},
    async report(reports: readonly TaskReport[]) {
      return reports.map(() => true);
    },
    async claim(r: ClaimRequest & { waitMs?: number; signal?: AbortSignal }): Promise<ClaimedTask[]> {
      claim.count++;
      const out: ClaimedTask[] = [];
      while (out.length < r.max && next < n) {
        const i = next++;
        out.push({ lease: { taskId: `t${i}`, owner: r.workerId, token: 1 }, record: record(i) });
      }
      claim.items += out.length;
      if (out.length === 0)
        await new Promise<void>((res) => {
          const onAbort = () => {
            clearTimeout(t);
            res();
          };
          const t = setTimeout(() => {
            r.signal?.removeEventListener('abort', onAbort);
            res();
          }, r.waitMs ?? 0);
          r.signal?.addEventListener('abort', onAbort, { once: true });
        });
      return out;
    },
    async complete(c: readonly Completion[]) {
      ack.count++;
      ack.items += c.length;
      return c.map(() => true);
    },
    async renew(l: readonly unknown[]) {
      return l.map(() => true);
    },
    async release() {},
    async heartbeat() {},
    async removeWorker() {},
  };
  const [perSec, us] = await cpu(`${profile}-core`, () => drain(backend, n, concurrency));
  return { profile, run: 'core', perSec, cpuUsPerTask: us / n, serverCpuUsPerTask: undefined, claim, ack };
}

/** Starts a worker on `backend` and resolves with the rate once `n` tasks succeeded. */
async function drain(backend: Backend, n: number, concurrency: number): Promise<number> {
  const worker = new Worker(backend, { queues: [BENCH_QUEUE], maxConcurrency: concurrency, logger: silentLogger });
  let done = 0;
  let first = 0;
  let last = 0;
  worker.on('started', () => (first ||= performance.now()));
  const finished = new Promise<void>((resolve) =>
    worker.on('succeeded', () => {
      if (++done === n) {
        last = performance.now();
        resolve();
      }
    }),
  );
  await worker.start();
  await finished;
  await worker.stop();
  return Math.round((n * 1000) / (last - first));
}

async function floorRun(profile: string, config: BackendConfig, n: number, concurrency: number): Promise<Row> {
  const driver = floorDriver(config);
  const claim = calls();
  const ack = calls();
  const probe = await probeFor(config, 'floor');
  const setup = driver.setup.bind(driver);
  const teardown = driver.teardown.bind(driver);
  const rawClaim = driver.claim.bind(driver);
  const rawAck = driver.ack.bind(driver);
  // CPU is counted from the end of setup (filling the backlog) to the start of teardown.
  let cpuStart: NodeJS.CpuUsage | undefined;
  let cpuUsed = 0;
  let server: number | undefined;
  driver.setup = async (tasks, payload) => {
    await setup(tasks, payload);
    await probe?.start();
    cpuStart = process.cpuUsage();
  };
  driver.claim = (max) =>
    timed(
      claim,
      0,
      () => rawClaim(max),
      (r) => r.length,
    );
  driver.ack = (h) => timed(ack, h.length, () => rawAck(h));
  driver.teardown = async () => {
    if (cpuStart) {
      const used = process.cpuUsage(cpuStart);
      cpuUsed = used.user + used.system;
    }
    server = await probe?.stop();
    await teardown();
  };
  const [m] = await cpu(`${profile}-floor`, () => runFloorLoop(driver, resolveFloorOptions({ tasks: n, concurrency })));
  return {
    profile,
    run: 'floor',
    perSec: m.perSec,
    cpuUsPerTask: cpuUsed / n,
    serverCpuUsPerTask: server === undefined ? undefined : server / n,
    claim,
    ack,
  };
}

async function workerRun(profile: string, config: BackendConfig, n: number, concurrency: number): Promise<Row> {
  const ns = benchNamespace(config, 'profile');
  const backend = createBackend(ns.config);
  await backend.connect();
  try {
    const queue = new TaskQueue(backend);
    const payload = makePayload(64);
    for (let i = 0; i < n; i += 500)
      await queue.enqueueMany('sitq.echo', new Array<unknown>(Math.min(500, n - i)).fill(payload), { queue: BENCH_QUEUE });
    const claim = calls();
    const ack = calls();
    const rawClaim = backend.claim.bind(backend);
    const rawComplete = backend.complete.bind(backend);
    backend.claim = (r) =>
      timed(
        claim,
        0,
        () => rawClaim(r),
        (x) => x.length,
      );
    backend.complete = (c) => timed(ack, c.length, () => rawComplete(c));
    const probe = await probeFor(config, 'worker', ns.config);
    await probe?.start();
    const [perSec, us] = await cpu(`${profile}-worker`, () => drain(backend, n, concurrency));
    const server = await probe?.stop();
    return {
      profile,
      run: 'worker',
      perSec,
      cpuUsPerTask: us / n,
      serverCpuUsPerTask: server === undefined ? undefined : server / n,
      claim,
      ack,
    };
  } finally {
    await ns.remove(backend);
  }
}

const fmt = (x: number | undefined, d = 1) => (x === undefined ? '–' : x.toFixed(d));
const per = (c: Calls) => `${c.count} × ${fmt(c.items / Math.max(1, c.count))} items, ${fmt(c.ms / Math.max(1, c.count), 3)} ms`;

const rows: Row[] = [];
for (let i = 0; i < opts.repeat; i++) {
  for (const p of LOCAL_PROFILES.filter((x) => !opts.profiles || opts.profiles.includes(x.name))) {
    if (opts.runs.includes('core')) rows.push(await coreRun(p.name, opts.tasks, opts.concurrency));
    if (opts.runs.includes('floor')) rows.push(await floorRun(p.name, p.config, opts.tasks, opts.concurrency));
    if (opts.runs.includes('worker')) rows.push(await workerRun(p.name, p.config, opts.tasks, opts.concurrency));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const medianOf = (list: Row[], f: (r: Row) => number | undefined) => {
  const xs = list.map(f).filter((x): x is number => x !== undefined);
  return xs.length ? median(xs) : undefined;
};
const medianCalls = (list: Row[], f: (r: Row) => Calls): Calls => ({
  count: medianOf(list, (r) => f(r).count) ?? 0,
  items: medianOf(list, (r) => f(r).items) ?? 0,
  ms: medianOf(list, (r) => f(r).ms) ?? 0,
});

console.log(
  `${opts.tasks} tasks, concurrency ${opts.concurrency}${opts.repeat > 1 ? `, median of ${opts.repeat} runs` : ''}; load average ${loadavg()[0].toFixed(2)} at the end`,
);
console.log('| profile | run | tasks/s | client CPU µs/task | server CPU µs/task | claims | acks / completes |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
const keys = [...new Set(rows.map((r) => `${r.profile}\u0000${r.run}`))];
for (const key of keys) {
  const list = rows.filter((r) => `${r.profile}\u0000${r.run}` === key);
  const r = list[0];
  const perSec = medianOf(list, (x) => x.perSec) ?? 0;
  console.log(
    `| ${r.profile} | ${r.run} | ${perSec} | ${fmt(medianOf(list, (x) => x.cpuUsPerTask))} | ${fmt(medianOf(list, (x) => x.serverCpuUsPerTask))} | ${per(medianCalls(list, (x) => x.claim))} | ${per(medianCalls(list, (x) => x.ack))} |`,
  );
}
