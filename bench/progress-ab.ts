// `node dist/bench/progress-ab.js [--type memory|sqlite|postgres|redis|nats] [--tasks 10000] [--rounds 4]`:
// issue 13's "a handler that reports progress 100 times a second must not slow the worker's other
// tasks". One process, the two cases in turn (quiet, chatty, chatty, quiet, …) so both see the same
// moments of a loaded machine. Each round enqueues `tasks` sitq.echo tasks, then one worker with 11
// slots drains them; in a chatty round the 11th slot runs one task that calls ctx.progress and
// ctx.log every 10 ms (100 of each a second) for as long as the drain takes, in a quiet round that
// task only sleeps. So both cases leave the echo tasks the same 10 slots and differ only in the
// reporting. Prints the median echo processing rate and the process's CPU time per echo task of
// each case, and how many report writes the chatty task cost.
import { parseArgs } from 'node:util';
import { benchNamespace } from '../shared/bench/namespace.js';
import { createBackend, silentLogger, TaskQueue, Worker, type TaskContext } from '../shared/index.js';
import { localProfile } from './profiles.js';

const { values } = parseArgs({
  options: {
    type: { type: 'string', default: 'memory' },
    tasks: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '4' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log('usage: node dist/bench/progress-ab.js [--type <kind>] [--tasks 10000] [--rounds 4]');
  process.exit(0);
}
const TASKS = Number(values.tasks);
const ROUNDS = Number(values.rounds);
const CONFIG = localProfile(values.type).config;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type Figures = { processing: number; cpuUsPerTask: number; reportWrites: number; progressCalls: number };

async function round(chatty: boolean): Promise<Figures> {
  const ns = benchNamespace(CONFIG, `pr${chatty ? 'on' : 'off'}`);
  const backend = createBackend(ns.config);
  await backend.connect();
  let reportWrites = 0;
  const report = backend.report.bind(backend);
  backend.report = (reports) => {
    reportWrites++;
    return report(reports);
  };
  try {
    const queue = new TaskQueue(backend, { logger: silentLogger });
    for (let i = 0; i < TASKS; i += 500)
      await queue.enqueueMany(
        'sitq.echo',
        Array.from({ length: Math.min(500, TASKS - i) }, () => ({ n: i })),
      );
    // The reporter goes first (higher priority), so it holds its slot for the whole drain.
    await queue.enqueue('bench.reporter', null, { priority: 9 });
    let draining = true;
    let progressCalls = 0;
    let reporterStarted!: () => void;
    const started = new Promise<void>((r) => (reporterStarted = r));
    const reporter = async (_payload: null, ctx: TaskContext) => {
      reporterStarted();
      for (let i = 0; draining; i++) {
        if (chatty) {
          ctx.progress(i % 101);
          ctx.log(`step ${i}`);
          progressCalls++;
        }
        await sleep(10);
      }
    };
    let done = 0;
    let finished!: () => void;
    const all = new Promise<void>((r) => (finished = r));
    const worker = new Worker(backend, {
      tasks: { 'bench.reporter': reporter },
      maxConcurrency: 11,
      pollInterval: 50,
      logger: silentLogger,
    });
    worker.on('succeeded', (event) => {
      if (event.name === 'sitq.echo' && ++done === TASKS) finished();
    });
    await worker.start();
    await started;
    const writesBefore = reportWrites;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await all;
    const processing = TASKS / ((performance.now() - t0) / 1000);
    const cpu = process.cpuUsage(c0);
    const writes = reportWrites - writesBefore;
    draining = false;
    await worker.stop();
    await queue.close();
    return { processing, cpuUsPerTask: (cpu.user + cpu.system) / TASKS, reportWrites: writes, progressCalls };
  } finally {
    await ns.remove(backend);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const runs: Record<'quiet' | 'chatty', Figures[]> = { quiet: [], chatty: [] };
await round(true); // warm-up (JIT, connections), not counted
for (let i = 0; i < ROUNDS; i++) {
  for (const chatty of i % 2 === 0 ? [false, true] : [true, false]) runs[chatty ? 'chatty' : 'quiet'].push(await round(chatty));
}
const show = (name: keyof Figures, digits: number) => {
  const quiet = median(runs.quiet.map((r) => r[name]));
  const chatty = median(runs.chatty.map((r) => r[name]));
  const change = quiet === 0 ? '' : `, change ${(((chatty - quiet) / quiet) * 100).toFixed(1)} %`;
  console.log(
    `${values.type} ${name}: quiet ${quiet.toFixed(digits)}, chatty ${chatty.toFixed(digits)}${change} (medians of ${ROUNDS}; quiet: ${runs.quiet.map((r) => r[name].toFixed(digits)).join(' ')}; chatty: ${runs.chatty.map((r) => r[name].toFixed(digits)).join(' ')})`,
  );
};
show('processing', 0);
show('cpuUsPerTask', 1);
show('reportWrites', 0);
show('progressCalls', 0);
