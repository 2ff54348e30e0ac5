// `node dist/bench/enqueue-ab.js [--type sqlite] [--calls 1000] [--warmup 200] <dist dir> [<dist dir> ...]`:
// one awaited `TaskQueue.enqueue` (issue 14's "enqueue 1-by-1") of each build against the raw
// enqueue floor (`enqueueOne` in shared/bench/floors/), in ONE process and call by call: a floor
// write, then one enqueue of each build (the builds' order alternates), so the floor and every
// build see the same moment of a loaded machine — separate runs minutes apart differ by 2x here.
// The local profile of --type (bench/profiles.ts), a namespace per build; the TaskQueue as the
// benchmark makes it (history and tracing on, `{ queue: 'bench' }`, the 64-byte payload).
// Prints per build the call's p50 and mean, this process's CPU per call, and the ratios floor /
// build of the p50s and of the summed times (above 0.8: issue 14's target met). A build is a
// compiled tree, e.g. `git worktree add --detach /tmp/old <commit>`, node_modules linked,
// `npm run build` there.
import { parseArgs } from 'node:util';
import type * as Sitq from '../shared/index.js';
import { loadBuild } from './builds.js';
import { floorDriver } from '../shared/bench/floors/index.js';
import { BENCH_QUEUE, makePayload } from '../shared/bench/options.js';
import { localProfile } from './profiles.js';

const { values, positionals } = parseArgs({
  options: {
    type: { type: 'string', default: 'sqlite' },
    calls: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '200' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  allowPositionals: true,
});
if (values.help || positionals.length === 0) {
  console.log('usage: node dist/bench/enqueue-ab.js [--type <kind>] [--calls 1000] [--warmup 200] <dist dir> [<dist dir> ...]');
  process.exit(values.help ? 0 : 1);
}
const CONFIG = localProfile(values.type).config;
const CALLS = Number(values.calls);
const WARMUP = Number(values.warmup);
const PAYLOAD_BYTES = 64;

/** Call times (ms) and this process's CPU (µs) over the measured calls. */
interface Samples {
  ms: number[];
  cpuUs: number;
}

interface Build {
  dir: string;
  removeFiles: () => void;
  backend: Sitq.Backend;
  queue: Sitq.TaskQueue;
  samples: Samples;
}

async function open(dir: string): Promise<Build> {
  const { sitq, benchNamespace } = await loadBuild(dir);
  const ns = benchNamespace(CONFIG, 'enqab');
  const backend = sitq.createBackend(ns.config);
  await backend.connect();
  const queue = new sitq.TaskQueue(backend, { logger: sitq.silentLogger });
  return { dir, removeFiles: ns.removeFiles, backend, queue, samples: { ms: [], cpuUs: 0 } };
}

/** Times one call into `into` (when `keep`). */
async function timed(into: Samples, keep: boolean, call: () => Promise<unknown>): Promise<void> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await call();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (!keep) return;
  into.ms.push(ms);
  into.cpuUs += cpu.user + cpu.system;
}

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length / 2) - 1];
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;

const payload = makePayload(PAYLOAD_BYTES);
const floorPayload = Buffer.alloc(PAYLOAD_BYTES, 0x78);
const floor = floorDriver(CONFIG);
const floorSamples: Samples = { ms: [], cpuUs: 0 };
const builds: Build[] = [];
try {
  await floor.setup(0, floorPayload);
  for (const dir of positionals) builds.push(await open(dir));
  for (let i = 0; i < WARMUP + CALLS; i++) {
    const keep = i >= WARMUP;
    await timed(floorSamples, keep, () => floor.enqueueOne(floorPayload));
    for (const b of i % 2 ? [...builds].reverse() : builds)
      await timed(b.samples, keep, () => b.queue.enqueue('sitq.echo', payload, { queue: BENCH_QUEUE }));
  }
  const line = (label: string, s: Samples) =>
    `${label}\tp50 ${us(p50(s.ms))}\tmean ${us(sum(s.ms) / s.ms.length)}\tCPU ${(s.cpuUs / s.ms.length).toFixed(1)} µs/call`;
  console.log(`${values.type}: ${CALLS} calls each after ${WARMUP} warm-up, in turn`);
  console.log(line('floor', floorSamples));
  for (const b of builds)
    console.log(
      `${line(b.dir, b.samples)}\tratio p50 ${(p50(floorSamples.ms) / p50(b.samples.ms)).toFixed(2)}\ttotal ${(sum(floorSamples.ms) / sum(b.samples.ms)).toFixed(2)}`,
    );
} finally {
  await floor.teardown();
  for (const b of builds) {
    // The history's last counts first (close() writes them), then the namespace goes.
    await b.queue.close().catch(() => {});
    await b.backend.connect().catch(() => {});
    await b.backend.destroy().catch(() => {});
    await b.backend.close().catch(() => {});
    b.removeFiles();
  }
}
