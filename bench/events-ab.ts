// `node dist/bench/events-ab.js [--type sqlite|redis|postgres|nats|memory] [--tasks 5000] [--rounds 6] <dist> <dist>`:
// the standard workload's two rates (batch enqueue, one worker at concurrency 10 draining sitq.echo)
// for two builds in ONE process, rounds taken in turn (A, B, B, A, …) so both see the same moments
// of a loaded machine (separate runs minutes apart differ by 2x here). Built for issue 13's events:
// A = the build before them, B = with them, and B again with a live events() subscriber
// (`--subscribed`), the cost when someone listens. A build is a compiled tree (its dist folder).
// The backend is the local profile of that kind (bench/profiles.ts), in a namespace of its own.
//
// `node dist/bench/events-ab.js --latency [--type <kind>] [--tasks 1000] [--rate 100] <dist>`:
// issue 13's delivery target (an event within 100 ms of its transition) for one build. A
// subscriber in a process of its own (its own backend instance and connection; on SQLite it
// learns of the writes by PRAGMA data_version) times every event of queue `lat` from the
// transition's timestamp to its arrival, while this process enqueues `--tasks` tasks one by one at
// `--rate` a second and one worker (concurrency 10) runs them: `enqueued`, `started` and
// `succeeded` of each. Prints p50/p95/p99/max and the share within 100 ms.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadBuild, type LoadedBuild } from './builds.js';
import { localProfile } from './profiles.js';

const { values, positionals } = parseArgs({
  options: {
    type: { type: 'string', default: 'sqlite' },
    tasks: { type: 'string' },
    rounds: { type: 'string', default: '6' },
    subscribed: { type: 'boolean', default: false },
    latency: { type: 'boolean', default: false },
    rate: { type: 'string', default: '100' },
    /** Internal: this process is the --latency subscriber (the backend config as JSON). */
    'subscriber-of': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  allowPositionals: true,
});
if (values.help || positionals.length !== (values.latency || values['subscriber-of'] ? 1 : 2)) {
  console.log('usage: node dist/bench/events-ab.js [--type <kind>] [--tasks 5000] [--rounds 6] [--subscribed] <A dist> <B dist>');
  console.log('       node dist/bench/events-ab.js --latency [--type <kind>] [--tasks 1000] [--rate 100] <dist>');
  process.exit(values.help ? 0 : 1);
}
const CONFIG = localProfile(values.type).config;
if (values['subscriber-of']) {
  await latencySubscriber(positionals[0], JSON.parse(values['subscriber-of']) as typeof CONFIG);
  process.exit(0);
}
if (values.latency) {
  await latency(positionals[0], Number(values.tasks ?? 1000), Number(values.rate));
  process.exit(0);
}
const TASKS = Number(values.tasks ?? 5000);

type LatencyMessage = { ready: true } | { delays: Record<string, number[]> };
type EventsOf = { events(filter: { queue: string }): EventStreamOf };
type EventStreamOf = {
  ready: Promise<void>;
  on(e: 'event', f: (event: { kind: string; at: number }) => void): void;
  on(e: 'gap', f: (gap: { reason: string }) => void): void;
  close(): Promise<void>;
};

/** The --latency subscriber process: times every event of queue `lat` until told to stop. */
async function latencySubscriber(dir: string, config: typeof CONFIG): Promise<void> {
  const build = await loadBuild(dir);
  const backend = build.sitq.createBackend(config);
  await backend.connect();
  const delays: Record<string, number[]> = {};
  const stream = (new build.sitq.TaskQueue(backend) as unknown as EventsOf).events({ queue: 'lat' });
  stream.on('event', (event) => (delays[event.kind] ??= []).push(Date.now() - event.at));
  stream.on('gap', (gap) => console.log(`  subscriber: gap (${gap.reason})`));
  await stream.ready;
  const stopped = new Promise<void>((resolve) => process.once('message', () => resolve()));
  process.send!({ ready: true } satisfies LatencyMessage);
  await stopped;
  await stream.close();
  await backend.close();
  await new Promise<void>((resolve) => process.send!({ delays } satisfies LatencyMessage, () => resolve()));
}

async function latency(dir: string, tasks: number, rate: number): Promise<void> {
  const build = await loadBuild(dir);
  const ns = build.benchNamespace(CONFIG, 'evlat');
  const backend = build.sitq.createBackend(ns.config);
  await backend.connect();
  const child = fork(fileURLToPath(import.meta.url), ['--type', values.type!, '--subscriber-of', JSON.stringify(ns.config), dir]);
  const messages: LatencyMessage[] = [];
  let arrived: () => void = () => {};
  child.on('message', (m: LatencyMessage) => {
    messages.push(m);
    arrived();
  });
  const next = async () => {
    while (messages.length === 0) await new Promise<void>((resolve) => (arrived = resolve));
    return messages.shift()!;
  };
  try {
    await next(); // ready
    const queue = new build.sitq.TaskQueue(backend);
    let done = 0;
    let finished!: () => void;
    const all = new Promise<void>((r) => (finished = r));
    const worker = new build.sitq.Worker(backend, {
      queues: ['lat'],
      maxConcurrency: 10,
      pollInterval: 50,
      logger: build.sitq.silentLogger,
    });
    worker.on('succeeded', () => {
      if (++done === tasks) finished();
    });
    await worker.start();
    const t0 = performance.now();
    for (let i = 0; i < tasks; i++) {
      await queue.enqueue('sitq.echo', { n: i }, { queue: 'lat' });
      const wait = t0 + ((i + 1) * 1000) / rate - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await all;
    await worker.stop({ timeout: 5000 });
    await new Promise((r) => setTimeout(r, 1000)); // the last events on their way
    child.send('stop');
    const { delays } = (await next()) as { delays: Record<string, number[]> };
    const all_ = Object.values(delays).flat();
    const line = (label: string, xs: number[]) => {
      const d = [...xs].sort((a, b) => a - b);
      const pct = (p: number) => d[Math.min(d.length - 1, Math.floor((d.length * p) / 100))];
      const within = d.filter((x) => x <= 100).length;
      return `${label.padEnd(10)} ${String(d.length).padStart(6)} events  p50 ${pct(50)} ms  p95 ${pct(95)} ms  p99 ${pct(99)} ms  max ${d.at(-1)} ms  within 100 ms ${((100 * within) / d.length).toFixed(1)} %`;
    };
    console.log(`${values.type}: ${tasks} tasks at ${rate}/s, ${all_.length} of ${3 * tasks} events arrived`);
    console.log(`  ${line('all', all_)}`);
    for (const kind of ['enqueued', 'started', 'succeeded']) if (delays[kind]) console.log(`  ${line(kind, delays[kind])}`);
  } finally {
    if (child.exitCode === null) child.kill();
    await backend.destroy();
    await backend.close();
    ns.removeFiles();
  }
}

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
