// `node dist/bench/worker-ab.js [--type sqlite] [--tasks 5000] [--rounds 6] <dist dir> [<dist dir> ...]`:
// the worker's processing cost of several builds, in ONE process and in turn (each round runs every
// build, the order alternating), so every build sees the same moments of a loaded machine — where
// separate runs minutes apart differ by 2x in wall time. Each round and build: a fresh namespace
// (the local profile of --type, bench/profiles.ts), `tasks` sitq.echo enqueued in batches of 500
// (not measured), then one Worker at concurrency 10 as the benchmark makes it (history and tracing
// on) drains them. Measured from the worker's start to its last `succeeded` event: this process's
// CPU time (user + system) per task, the time spent in garbage collection per task, and the rate.
// Prints each build's medians and each figure against the first build's. A build is a compiled
// tree, e.g. `git worktree add --detach /tmp/old <commit>`, node_modules linked, `npm run build`.
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadBuild, type LoadedBuild } from './builds.js';
import { BENCH_QUEUE, makePayload } from '../shared/bench/options.js';
import { localProfile } from './profiles.js';

const { values, positionals } = parseArgs({
  options: {
    type: { type: 'string', default: 'sqlite' },
    tasks: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '6' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  allowPositionals: true,
});
if (values.help || positionals.length === 0) {
  console.log('usage: node dist/bench/worker-ab.js [--type <kind>] [--tasks 5000] [--rounds 6] <dist dir> [<dist dir> ...]');
  process.exit(values.help ? 0 : 1);
}
const CONFIG = localProfile(values.type).config;
const TASKS = Number(values.tasks);
const ROUNDS = Number(values.rounds);
const BATCH = 500;

interface Figures {
  perSec: number;
  cpuUs: number;
  gcUs: number;
}

/** GC pauses (ms) seen since the last take(). */
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });

async function round(build: LoadedBuild): Promise<Figures> {
  const { sitq } = build;
  const ns = build.benchNamespace(CONFIG, 'wab');
  const backend = sitq.createBackend(ns.config);
  await backend.connect();
  try {
    const queue = new sitq.TaskQueue(backend, { logger: sitq.silentLogger, history: false });
    const payload = makePayload(64);
    for (let i = 0; i < TASKS; i += BATCH)
      await queue.enqueueMany('sitq.echo', Array<unknown>(Math.min(BATCH, TASKS - i)).fill(payload), { queue: BENCH_QUEUE });
    const worker = new sitq.Worker(backend, { queues: [BENCH_QUEUE], maxConcurrency: 10, logger: sitq.silentLogger });
    let done = 0;
    let finished!: () => void;
    const all = new Promise<void>((resolve) => (finished = resolve));
    worker.on('succeeded', () => {
      if (++done === TASKS) finished();
    });
    await new Promise((resolve) => setImmediate(resolve));
    gcMs = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await worker.start();
    await all;
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    // GC entries are delivered after the fact: one more turn lets the last ones in.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const figures = { perSec: (TASKS * 1000) / ms, cpuUs: (cpu.user + cpu.system) / TASKS, gcUs: (gcMs * 1000) / TASKS };
    await worker.stop();
    return figures;
  } finally {
    await backend.destroy().catch(() => {});
    await backend.close().catch(() => {});
    ns.removeFiles();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const builds = await Promise.all(positionals.map((dir) => loadBuild(dir)));
const runs = builds.map(() => [] as Figures[]);
// A first round of each, not kept: module loading, JIT warm-up, the file system's caches.
for (const b of builds) await round(b);
for (let r = 0; r < ROUNDS; r++) {
  const order = builds.map((_, i) => i);
  if (r % 2) order.reverse();
  for (const i of order) runs[i].push(await round(builds[i]));
}
const med = runs.map((rs) => ({
  perSec: median(rs.map((f) => f.perSec)),
  cpuUs: median(rs.map((f) => f.cpuUs)),
  gcUs: median(rs.map((f) => f.gcUs)),
}));
const pct = (x: number, base: number) => `${x >= base ? '+' : ''}${(((x - base) / base) * 100).toFixed(1)} %`;
console.log(`${values.type}: ${TASKS} tasks a round, ${ROUNDS} rounds in turn; medians (range)`);
builds.forEach((b, i) => {
  const range = (k: keyof Figures, digits: number) =>
    `${Math.min(...runs[i].map((f) => f[k])).toFixed(digits)}-${Math.max(...runs[i].map((f) => f[k])).toFixed(digits)}`;
  const m = med[i];
  const vs =
    i === 0 ? '' : `\tvs first: CPU ${pct(m.cpuUs, med[0].cpuUs)}, GC ${pct(m.gcUs, med[0].gcUs)}, rate ${pct(m.perSec, med[0].perSec)}`;
  console.log(
    `${b.dir}\tCPU ${m.cpuUs.toFixed(1)} µs/task (${range('cpuUs', 1)})\tGC ${m.gcUs.toFixed(1)} µs/task (${range('gcUs', 1)})\t${Math.round(m.perSec)} tasks/s (${range('perSec', 0)})${vs}`,
  );
});
