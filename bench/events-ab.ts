// `node dist/bench/events-ab.js [--type sqlite|redis|postgres|nats|memory] [--tasks 5000] [--rounds 6] <dist> <dist>`:
// the standard workload's two rates (batch enqueue, one worker at concurrency 10 draining sitq.echo)
// for two builds in ONE process, rounds taken in turn (A, B, B, A, …) so both see the same moments
// of a loaded machine (separate runs minutes apart differ by 2x here). Built for issue 13's events:
// A = the build before them, B = with them, and B again with a live events() subscriber
// (`--subscribed`), the cost when someone listens. A build is a compiled tree (its dist folder).
// The backend is the local profile of that kind (bench/profiles.ts), in a namespace of its own.
import { parseArgs } from 'node:util';
import { loadBuild, type LoadedBuild } from './builds.js';
import { localProfile } from './profiles.js';

const { values, positionals } = parseArgs({
  options: {
    type: { type: 'string', default: 'sqlite' },
    tasks: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '6' },
    subscribed: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  allowPositionals: true,
});
if (values.help || positionals.length !== 2) {
  console.log('usage: node dist/bench/events-ab.js [--type <kind>] [--tasks 5000] [--rounds 6] [--subscribed] <A dist> <B dist>');
  process.exit(values.help ? 0 : 1);
}
const TASKS = Number(values.tasks);
const CONFIG = localProfile(values.type).config;

interface Build extends LoadedBuild {
  label: string;
  subscribe: boolean;
  enqueue: number[];
  processing: number[];
}

async function load(dir: string, label: string, subscribe: boolean): Promise<Build> {
  return {
    ...(await loadBuild(dir)),
    label,
    subscribe,
    enqueue: [],
    processing: [],
  };
}

async function round(b: Build, n: number): Promise<void> {
  const ns = b.benchNamespace(CONFIG, `evab${n}`);
  const backend = b.sitq.createBackend(ns.config);
  await backend.connect();
  const queue = new b.sitq.TaskQueue(backend);
  let events = 0;
  const stream = b.subscribe
    ? (queue as unknown as { events(): { ready: Promise<void>; on(e: 'event', f: () => void): void; close(): Promise<void> } }).events()
    : undefined;
  if (stream) {
    stream.on('event', () => events++);
    await stream.ready;
  }
  try {
    const t0 = performance.now();
    for (let i = 0; i < TASKS; i += 500)
      await queue.enqueueMany(
        'sitq.echo',
        Array.from({ length: Math.min(500, TASKS - i) }, () => ({ n: i })),
      );
    b.enqueue.push(TASKS / ((performance.now() - t0) / 1000));
    let done = 0;
    let finished!: () => void;
    const all = new Promise<void>((r) => (finished = r));
    const worker = new b.sitq.Worker(backend, { maxConcurrency: 10, pollInterval: 50, logger: b.sitq.silentLogger });
    worker.on('succeeded', () => {
      if (++done === TASKS) finished();
    });
    const t1 = performance.now();
    await worker.start();
    await all;
    b.processing.push(TASKS / ((performance.now() - t1) / 1000));
    await worker.stop({ timeout: 5000 });
    if (stream && events < TASKS) console.log(`  ${b.label}: only ${events} events seen`);
  } finally {
    await stream?.close();
    await backend.destroy();
    await backend.close();
    ns.removeFiles();
  }
}

const median = (xs: number[]) => [...xs].sort((a, c) => a - c)[Math.floor(xs.length / 2)];
const builds = [
  await load(positionals[0], 'A', false),
  await load(positionals[1], values.subscribed ? 'B+subscriber' : 'B', values.subscribed!),
];
for (let r = 0; r < Number(values.rounds); r++) {
  const order = r % 2 === 0 ? builds : [...builds].reverse();
  for (const b of order) await round(b, r);
}
for (const b of builds)
  console.log(
    `${values.type} ${b.label}: enqueue ${median(b.enqueue).toFixed(0)}/s, processing ${median(b.processing).toFixed(0)}/s (rounds: ${b.processing.map((x) => x.toFixed(0)).join(' ')})`,
  );
const [a, c] = builds;
console.log(
  `${values.type} change ${c.label} vs A: enqueue ${((median(c.enqueue) / median(a.enqueue) - 1) * 100).toFixed(1)} %, processing ${((median(c.processing) / median(a.processing) - 1) * 100).toFixed(1)} %`,
);
