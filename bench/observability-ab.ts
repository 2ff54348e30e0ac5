// `node dist/bench/observability-ab.js [--type memory|sqlite|postgres|redis|nats] [--tasks 20000] [--rounds 6]`:
// what the throughput history and the (no-SDK) OpenTelemetry calls cost a worker, measured in ONE
// process with the two settings taken in turn (off, on, on, off, …) so both see the same moments of
// a loaded machine. Each round enqueues `tasks` sitq.echo in batches of 500 (the producer counting
// them, or not), then one worker at concurrency 10 drains them; prints the median enqueue and
// processing rates of each setting and the change, and the process's CPU time per task in each
// phase (user + system, which a loaded machine disturbs far less than wall time). On `memory` the
// backend costs nearly nothing, so the change is the largest share of a worker's time the feature
// can take. The backend is the local profile of that kind (bench/profiles.ts).
import { parseArgs } from 'node:util';
import { benchNamespace } from '../shared/bench/namespace.js';
import { createBackend, silentLogger, TaskQueue, Worker } from '../shared/index.js';
import { localProfile } from './profiles.js';

const { values } = parseArgs({
  options: {
    type: { type: 'string', default: 'memory' },
    tasks: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '6' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log('usage: node dist/bench/observability-ab.js [--type <kind>] [--tasks 20000] [--rounds 6]');
  process.exit(0);
}
const TASKS = Number(values.tasks);
const ROUNDS = Number(values.rounds);
const CONFIG = localProfile(values.type).config;

type Figures = { enqueue: number; processing: number; enqueueCpuUs: number; processingCpuUs: number };
const cpuUs = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return d.user + d.system;
};

async function round(observed: boolean): Promise<Figures> {
  const ns = benchNamespace(CONFIG, `ab${observed ? 'on' : 'off'}`);
  const backend = createBackend(ns.config);
  await backend.connect();
  try {
    const queue = new TaskQueue(backend, { history: observed, tracing: observed, logger: silentLogger });
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < TASKS; i += 500)
      await queue.enqueueMany(
        'sitq.echo',
        Array.from({ length: Math.min(500, TASKS - i) }, () => ({ n: i })),
      );
    const enqueue = TASKS / ((performance.now() - t0) / 1000);
    const enqueueCpuUs = cpuUs(c0) / TASKS;
    let done = 0;
    let finished!: () => void;
    const all = new Promise<void>((r) => (finished = r));
    const worker = new Worker(backend, {
      maxConcurrency: 10,
      pollInterval: 50,
      logger: silentLogger,
      history: observed,
      tracing: observed,
    });
    worker.on('succeeded', () => {
      if (++done === TASKS) finished();
    });
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    await worker.start();
    await all;
    const processing = TASKS / ((performance.now() - t1) / 1000);
    const processingCpuUs = cpuUs(c1) / TASKS;
    await worker.stop();
    await queue.close();
    return { enqueue, processing, enqueueCpuUs, processingCpuUs };
  } finally {
    await backend.destroy().catch(() => {});
    await backend.close().catch(() => {});
    ns.removeFiles();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const FIGURES = ['enqueue', 'processing', 'enqueueCpuUs', 'processingCpuUs'] as const;
const runs: Record<'off' | 'on', Record<(typeof FIGURES)[number], number[]>> = {
  off: { enqueue: [], processing: [], enqueueCpuUs: [], processingCpuUs: [] },
  on: { enqueue: [], processing: [], enqueueCpuUs: [], processingCpuUs: [] },
};
await round(true); // warm-up (JIT, connections), not counted
for (let i = 0; i < ROUNDS; i++) {
  for (const observed of i % 2 === 0 ? [false, true] : [true, false]) {
    const r = await round(observed);
    const into = runs[observed ? 'on' : 'off'];
    for (const f of FIGURES) into[f].push(r[f]);
  }
}
for (const figure of FIGURES) {
  const off = median(runs.off[figure]);
  const on = median(runs.on[figure]);
  const unit = figure.endsWith('CpuUs') ? ' µs CPU/task' : '/s';
  const show = (n: number) => (figure.endsWith('CpuUs') ? n.toFixed(1) : String(Math.round(n)));
  console.log(
    `${values.type} ${figure}: off ${show(off)}${unit}, on ${show(on)}${unit}, change ${(((on - off) / off) * 100).toFixed(1)} % (medians of ${ROUNDS}; off: ${runs.off[figure].map(show).join(' ')}; on: ${runs.on[figure].map(show).join(' ')})`,
  );
}
