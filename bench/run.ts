// `npm run bench [-- options]`: the standard workload on every local profile whose server
// answers, with the raw floor of each, written as JSON + Markdown under bench/results/.
// `--sweep` runs the pool sweep instead, `--soak` the 100,000-task memory run.
import { Command, InvalidArgumentError, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  BenchmarkAbortedError,
  compareProfiles,
  compareRuns,
  emptyReport,
  loadResult,
  runScale,
  runSoak,
  WORKER_NODE_FLAGS,
  saveResult,
  sweepPools,
  toMarkdown,
  type BenchProgress,
  type BenchReport,
} from '../shared/bench/index.js';
import { dateStamp } from '../shared/bench/report.js';
import { portAnswers } from '../shared/backends/servers.js';
import { LOCAL_PROFILES, type LocalProfile } from './profiles.js';

const positive = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number >= 1`);
  return n;
};
const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const program = new Command('npm run bench --')
  .description(
    'Benchmarks sitq on the local servers (SQLite temp file, PostgreSQL 127.0.0.1:5432 db test, Redis 127.0.0.1:6379, NATS 127.0.0.1:4222).',
  )
  .option('--profiles <names>', `comma-separated subset of ${LOCAL_PROFILES.map((p) => p.name).join(', ')}`, list)
  .option('--tasks <n>', 'measured tasks (default 10000; soak 100000)', positive('--tasks'))
  .option('--concurrency <n>', 'worker concurrency', positive('--concurrency'), 10)
  .option('--payload-bytes <n>', 'payload size', positive('--payload-bytes'), 64)
  .option('--rounds <n>', 'floor + enqueue + processing this many times; the median round is reported', positive('--rounds'), 3)
  .option('--no-floor', 'skip the raw floor')
  .option(
    '--no-observability',
    'without the throughput history and OpenTelemetry spans (to measure what they cost: run once without, then with --compare)',
  )
  .addOption(new Option('--sweep', 'run the pool sweep instead of the standard workload').conflicts('soak'))
  .option('--soak', 'run the soak (worker memory over 100,000 tasks) instead of the standard workload')
  .option(
    '--soak-node-flags <flags>',
    `Node flags of the soak's worker process, space-separated, or "none" for Node's defaults (a library user's own process); default "${WORKER_NODE_FLAGS.join(' ')}"`,
    (value: string) => (value.trim() === 'none' ? [] : value.trim().split(/\s+/)),
  )
  .addOption(
    new Option(
      '--scale',
      'instead of the standard workload: enqueue, processing and inspection on an empty store and on one filled with waiting and finished tasks',
    ).conflicts(['sweep', 'soak']),
  )
  .option('--scale-waiting <n>', 'tasks left waiting in the filled store (--scale; default 1000000)', positive('--scale-waiting'))
  .option('--scale-finished <n>', 'tasks run to the end in the filled store (--scale; default 1000000)', positive('--scale-finished'))
  .addOption(
    new Option(
      '--peers',
      'also run BullMQ on the Redis profile and graphile-worker on the PostgreSQL profile with the same workload (dev dependencies)',
    ).conflicts(['sweep', 'soak']),
  )
  .option('--out <dir>', 'where results go', 'bench/results')
  .option('--name <name>', 'file name (without extension) for the results; default <kind>-<date>')
  .option('--compare <file>', 'also compare with an earlier result file (writes <name>.compare.md)')
  .option('--quiet', 'no progress on stderr');

program.parse(process.argv);
const opts = program.opts<{
  profiles?: string[];
  tasks?: number;
  concurrency: number;
  rounds: number;
  payloadBytes: number;
  floor: boolean;
  observability: boolean;
  sweep?: boolean;
  soak?: boolean;
  soakNodeFlags?: string[];
  peers?: boolean;
  scale?: boolean;
  scaleWaiting?: number;
  scaleFinished?: number;
  out: string;
  name?: string;
  compare?: string;
  quiet?: boolean;
}>();

const unknown = (opts.profiles ?? []).filter((n) => !LOCAL_PROFILES.some((p) => p.name === n));
if (unknown.length)
  program.error(`unknown profile(s): ${unknown.join(', ')} (known: ${LOCAL_PROFILES.map((p) => p.name).join(', ')})`, { exitCode: 2 });

const controller = new AbortController();
process.once('SIGINT', () => {
  process.stderr.write('\ncancelling (cleaning up the benchmark namespaces)...\n');
  controller.abort();
});

const progress = makeProgress(Boolean(opts.quiet));
const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, '');

const wanted = LOCAL_PROFILES.filter((p) => !opts.profiles || opts.profiles.includes(p.name));
const reachable: LocalProfile[] = [];
const skipped: { profile: string; reason: string }[] = [];
for (const p of wanted) {
  if (!p.probe || (await portAnswers(p.probe.host, p.probe.port))) reachable.push(p);
  else skipped.push({ profile: p.name, reason: `no server answers at ${p.probe.host}:${p.probe.port}` });
}
for (const s of skipped) process.stderr.write(`skipping ${s.profile}: ${s.reason}\n`);

let report: BenchReport;
try {
  report = await run();
} catch (err) {
  if (!(err instanceof BenchmarkAbortedError)) throw err;
  process.stderr.write('cancelled; the benchmark namespaces were removed and nothing was written\n');
  process.exit(130);
}
report.command = command;
report.skipped.unshift(...skipped);
const kind = opts.soak ? 'soak' : opts.sweep ? 'sweep' : opts.scale ? 'scale' : 'bench';
const name = opts.name ?? `${kind}-${dateStamp(report.date)}`;
const jsonPath = saveResult(report, opts.out, { name });
const mdPath = join(opts.out, `${name}.md`);
writeFileSync(mdPath, toMarkdown(report));
process.stdout.write(`${toMarkdown(report)}\nwrote ${relative(process.cwd(), jsonPath)} and ${relative(process.cwd(), mdPath)}\n`);
if (opts.compare) {
  const comparePath = join(opts.out, `${name}.compare.md`);
  writeFileSync(comparePath, toMarkdown(compareRuns(report, loadResult(opts.compare))));
  process.stdout.write(`wrote ${relative(process.cwd(), comparePath)}\n`);
}
process.exit(report.results.length + report.sweeps.length + report.soaks.length + (report.scales?.length ?? 0) > 0 ? 0 : 1);

async function run(): Promise<BenchReport> {
  const hooks = { onProgress: progress, signal: controller.signal };
  if (opts.scale) {
    const report: BenchReport = { ...emptyReport(), scales: [] };
    for (const p of reachable) {
      try {
        report.scales!.push(
          await runScale(p.config, {
            profile: p.name,
            waiting: opts.scaleWaiting,
            finished: opts.scaleFinished,
            tasks: opts.tasks,
            concurrency: opts.concurrency,
            payloadBytes: opts.payloadBytes,
            ...hooks,
          }),
        );
      } catch (err) {
        if (controller.signal.aborted) throw err;
        report.skipped.push({ profile: p.name, reason: err instanceof Error ? err.message : String(err) });
      }
    }
    return report;
  }
  if (!opts.sweep && !opts.soak) {
    const report = await compareProfiles(
      reachable,
      {
        tasks: opts.tasks,
        concurrency: opts.concurrency,
        payloadBytes: opts.payloadBytes,
        floor: opts.floor,
        observability: opts.observability,
        rounds: opts.rounds,
      },
      hooks,
    );
    if (opts.peers && report.settings) report.peers = await runPeers(report.settings, report.skipped);
    return report;
  }
  const report = emptyReport();
  for (const p of reachable) {
    try {
      if (opts.sweep) report.sweeps.push(await sweepPools(p.config, { profile: p.name, payloadBytes: opts.payloadBytes, ...hooks }));
      else
        report.soaks.push(
          await runSoak(p.config, {
            profile: p.name,
            tasks: opts.tasks ?? 100_000,
            concurrency: opts.concurrency,
            payloadBytes: opts.payloadBytes,
            workerNodeFlags: opts.soakNodeFlags,
            ...hooks,
          }),
        );
    } catch (err) {
      if (controller.signal.aborted) throw err;
      report.skipped.push({ profile: p.name, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  return report;
}

/** BullMQ and graphile-worker (loaded only for --peers) on the servers of the benchmarked profiles. */
async function runPeers(
  settings: NonNullable<BenchReport['settings']>,
  skipped: BenchReport['skipped'],
): Promise<NonNullable<BenchReport['peers']>> {
  const { peersFor, runPeer } = await import('./peers.js');
  const results: NonNullable<BenchReport['peers']> = [];
  for (const { profile, driver } of await peersFor(reachable, settings.concurrency)) {
    if (controller.signal.aborted) throw new BenchmarkAbortedError('the peers');
    const t0 = performance.now();
    try {
      results.push(
        await runPeer(profile, driver, settings, (phase) =>
          progress({
            profile: driver.peer,
            phase: phase as BenchProgress['phase'],
            round: 0,
            done: 0,
            total: 1,
            elapsedMs: Math.round(performance.now() - t0),
          }),
        ),
      );
    } catch (err) {
      if (controller.signal.aborted) throw err;
      skipped.push({ profile: driver.peer, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  return results;
}

/** One updating line on a terminal; otherwise a line per phase and per tenth of it (logs stay
 *  readable). */
function makeProgress(quiet: boolean): (p: BenchProgress) => void {
  if (quiet) return () => {};
  const tty = process.stderr.isTTY;
  let lastKey = '';
  return (p) => {
    const key = `${p.profile} ${p.phase} ${p.round} ${p.total > 0 ? Math.floor((10 * p.done) / p.total) : 0}`;
    const line = `${p.profile.padEnd(10)} ${(p.round ? `${p.phase} #${p.round}` : p.phase).padEnd(18)} ${String(p.done).padStart(7)}/${p.total} (${(p.elapsedMs / 1000).toFixed(1)} s)`;
    if (tty) process.stderr.write(`\r${line}\x1b[K${p.phase === 'cleanup' && p.done === p.total ? '\n' : ''}`);
    else if (key !== lastKey) process.stderr.write(`${line}\n`);
    lastKey = key;
  };
}
