// `node dist/bench/idle-ab.js [--type nats] [--samples 300] <dist dir> <dist dir> ...`: idle
// enqueue→start on the local profile of --type (bench/profiles.ts; NATS by default) for two or
// more builds in ONE process, samples taken in turn (A, B, B, A, …), so every build sees the same
// moment of a loaded machine — separate processes minutes apart differ by 2x on this machine for
// the same build. Each build gets its own namespace and one idle worker
// (concurrency 10), 50 warm-up samples, a 2 ms gap; prints p50 of enqueue→start, of the enqueue
// call, and of the difference (the worker's part). A build is a compiled tree, e.g.
// `git worktree add --detach /tmp/old <commit>`, node_modules copied, `node scripts/build.mjs`.
import { parseArgs } from 'node:util';
import type * as Sitq from '../shared/index.js';
import { loadBuild } from './builds.js';
import { localProfile } from './profiles.js';

const { values, positionals } = parseArgs({
  options: {
    samples: { type: 'string', default: '300' },
    type: { type: 'string', default: 'nats' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  allowPositionals: true,
});
if (values.help || positionals.length === 0) {
  console.log('usage: node dist/bench/idle-ab.js [--type <kind>] [--samples 300] <dist dir> <dist dir> ...');
  process.exit(values.help ? 0 : 1);
}
const CONFIG = localProfile(values.type).config;
const samples = Number(values.samples);
const WARMUP = 50;

interface Build {
  dir: string;
  removeFiles: () => void;
  backend: Sitq.Backend;
  queue: Sitq.TaskQueue;
  worker: Sitq.Worker;
  next: { started: (at: number) => void; finished: () => void } | undefined;
  toStart: number[];
  call: number[];
}

async function open(dir: string): Promise<Build> {
  const { sitq, benchNamespace } = await loadBuild(dir);
  const ns = benchNamespace(CONFIG, 'ab');
  const backend = sitq.createBackend(ns.config);
  await backend.connect();
  const worker = new sitq.Worker(backend, { queues: ['bench'], maxConcurrency: 10, logger: sitq.silentLogger });
  const build: Build = {
    dir,
    removeFiles: ns.removeFiles,
    backend,
    queue: new sitq.TaskQueue(backend),
    worker,
    next: undefined,
    toStart: [],
    call: [],
  };
  worker.on('started', () => build.next?.started(performance.now()));
  worker.on('succeeded', () => build.next?.finished());
  await worker.start();
  return build;
}

async function sample(b: Build, keep: boolean): Promise<void> {
  let started!: (at: number) => void;
  let finished!: () => void;
  const startAt = new Promise<number>((r) => (started = r));
  const done = new Promise<void>((r) => (finished = r));
  b.next = { started, finished };
  const t0 = performance.now();
  await b.queue.enqueue('sitq.echo', { data: 'x'.repeat(54) }, { queue: 'bench' });
  const t1 = performance.now();
  const at = await startAt;
  await done;
  if (keep) {
    b.toStart.push(at - t0);
    b.call.push(t1 - t0);
  }
  await new Promise((r) => setTimeout(r, 2));
}

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length / 2) - 1].toFixed(3);

const builds: Build[] = [];
for (const dir of positionals) builds.push(await open(dir));
for (let i = 0; i < WARMUP + samples; i++) for (const b of i % 2 ? [...builds].reverse() : builds) await sample(b, i >= WARMUP);
for (const b of builds) {
  console.log(
    `${b.dir}\tenqueue→start p50 ${p50(b.toStart)} ms\tenqueue call p50 ${p50(b.call)} ms\tdifference p50 ${p50(b.toStart.map((v, i) => v - b.call[i]))} ms`,
  );
  await b.worker.stop({ timeout: 5000 });
  await b.backend.destroy();
  await b.backend.close();
  b.removeFiles();
}
