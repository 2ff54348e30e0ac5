// `npm run faults [-- options]`: the fault-injection run. For each backend × scenario: a steady
// load, worker processes, one fault, then the ledgers are checked for lost and repeated tasks.
// By default it targets the standard loopback services (and restarts them in the server-restart
// scenario); `--private` starts throwaway servers on spare ports instead. Exits 1 if any task was
// lost or any check failed.
import { Command, InvalidArgumentError } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createBackend, kitOf, optionsOf, type BackendConfig } from '../../shared/backends/index.js';
import { machineInfo, versionInfo } from '../../shared/bench/index.js';
import { dateStamp } from '../../shared/bench/report.js';
import { BACKEND_KINDS, descriptorOf, type BackendKind } from '../../shared/backends/descriptors.js';
import type { BackendKit } from '../../shared/backends/kit.js';
import { portAnswers } from '../../shared/backends/servers.js';
import { toMarkdown, toTable } from './report.js';
import { harnessErrors, runScenario, type RunTarget } from './runner.js';
import { SCENARIO_LIST } from './scenarios.js';
import { mainServer, privateServer, serverBackends, type ServerControl } from './servers.js';
import { SCENARIOS, type FaultReport, type FaultRow, type RunSettings } from './types.js';

// Every backend whose tasks other processes can see (the workers run in processes of their own);
// what the run knows about each comes from its kit.
const BACKENDS: readonly BackendKind[] = BACKEND_KINDS.filter((kind) => !descriptorOf(kind).inProcess);
const KITS = new Map<BackendKind, BackendKit>();
for (const kind of BACKENDS) KITS.set(kind, await kitOf(kind));
const SERVER_BACKENDS = (await serverBackends()).filter((b) => BACKENDS.includes(b.kind));
const portOption = (kind: BackendKind) => `${kind}Port`;

const positive = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number >= 1`);
  return n;
};
const oneOf = (name: string, known: readonly string[]) => (value: string) => {
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.filter((v) => !known.includes(v));
  if (bad.length) throw new InvalidArgumentError(`unknown ${name}: ${bad.join(', ')} (known: ${known.join(', ')})`);
  return list;
};

const program = new Command('npm run faults --')
  .description(
    'Injects faults while worker processes drain a load, on every backend, and checks that no task is lost. ' +
      `Default targets: the standard services on 127.0.0.1 (${SERVER_BACKENDS.map((b) => [b.server.label, b.mainPort, b.server.note].filter(Boolean).join(' ')).join(', ')}); the ` +
      'server-restart scenario stops and restarts them (started again with ../shared/services.sh; override with ' +
      `SITQ_FAULTS_STOP_<${SERVER_BACKENDS.map((b) => b.kind.toUpperCase()).join('|')}> and SITQ_FAULTS_START_<...> shell commands). --private runs on ` +
      `throwaway servers started on spare ports instead (${SERVER_BACKENDS.map((b) => `${b.server.label} ${b.server.privatePorts.join('-')}`).join(', ')}).`,
  )
  .option('--private', 'start throwaway servers for the run and remove them afterwards')
  .option('--backends <names>', `comma-separated subset of ${BACKENDS.join(', ')}`, oneOf('backend', BACKENDS))
  .option('--scenarios <names>', `comma-separated subset of ${SCENARIOS.join(', ')}`, oneOf('scenario', SCENARIOS))
  .option('--tasks <n>', 'load tasks per run', positive('--tasks'), 5000)
  .option('--task-ms <n>', 'handler time of one load task (ms)', positive('--task-ms'), 20)
  .option('--workers <n>', 'worker processes (2 or more)', positive('--workers'), 2)
  .option('--concurrency <n>', 'tasks at once per worker process', positive('--concurrency'), 8)
  .option('--lease <ms>', 'worker lease (ms)', positive('--lease'), 3000)
  .option('--drain-timeout <s>', 'longest wait for a run to drain after its fault (s)', positive('--drain-timeout'), 180);
for (const b of SERVER_BACKENDS)
  program.option(`--${b.kind}-port <n>`, `port of the main ${b.server.label}`, positive(`--${b.kind}-port`), b.mainPort);
program
  .option('--out <dir>', 'where results go', 'bench/results')
  .option('--name <name>', 'file name (without extension); default faults-<date>')
  .option('--quiet', 'no progress on stderr');

program.parse(process.argv);
const opts = program.opts<{
  private?: boolean;
  backends?: BackendKind[];
  scenarios?: string[];
  tasks: number;
  taskMs: number;
  workers: number;
  concurrency: number;
  lease: number;
  drainTimeout: number;
  out: string;
  name?: string;
  quiet?: boolean;
}>();
const ports = opts as unknown as Record<string, number>;
if (opts.workers < 2) program.error('--workers must be 2 or more (the faults need a survivor)', { exitCode: 2 });

const log = (m: string) => {
  if (!opts.quiet) process.stderr.write(`faults: ${m}\n`);
};
const settings: RunSettings = {
  tasks: opts.tasks,
  taskMs: opts.taskMs,
  workers: opts.workers,
  concurrency: opts.concurrency,
  lease: opts.lease,
  drainTimeoutMs: opts.drainTimeout * 1000,
};
const wanted = BACKENDS.filter((b) => !opts.backends || opts.backends.includes(b));
const scenarios = SCENARIO_LIST.filter((s) => !opts.scenarios || opts.scenarios.includes(s.name));

// A client of the harness that throws outside any call (an 'error' event nobody handles) is a
// finding of the current run, not a reason to abandon the others.
process.on('uncaughtException', (err) => {
  harnessErrors.push(err);
  log(`uncaught error in the harness: ${err.message}`);
});

const servers: ServerControl[] = [];
let interrupted = false;
process.once('SIGINT', () => {
  interrupted = true;
  process.stderr.write('\nfaults: stopping after the current run (Ctrl-C again to quit at once)\n');
  process.once('SIGINT', () => process.exit(130));
});

const report: FaultReport = {
  kind: 'faults',
  date: new Date().toISOString(),
  command: `npm run faults -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, ''),
  target: opts.private ? 'private' : 'main',
  machine: machineInfo(),
  versions: versionInfo(),
  servers: [],
  settings,
  rows: [],
};

try {
  for (const kind of wanted) {
    if (interrupted) break;
    const kit = KITS.get(kind)!;
    const mine = scenarios.filter((s) => s.supports(kit));
    if (mine.length === 0) continue;
    let target: RunTarget;
    // A backend without a server runs on its defaults, in the namespace the run gives it.
    if (!kit.server) target = { kind, kit, config: { type: kind } as BackendConfig };
    else {
      let server: ServerControl;
      try {
        server = opts.private ? await privateServer(kind) : await mainServer(kind, ports[portOption(kind)]);
      } catch (err) {
        report.rows.push(...mine.map((s) => failedRow(kind, s.name, `no server: ${(err as Error).message}`)));
        continue;
      }
      servers.push(server);
      if (!(await portAnswers(server.host, server.port))) {
        report.rows.push(
          ...mine.map((s) =>
            failedRow(
              kind,
              s.name,
              `no server answers at ${server.host}:${server.port} (start it with ../shared/services.sh, or use --private)`,
            ),
          ),
        );
        continue;
      }
      target = { kind, kit, config: server.config(), server };
    }
    const version = await serverVersion(target.config, kit);
    report.servers.push({ backend: kind, address: target.server?.label ?? 'temp file', version });
    log(`${kind}: ${version} (${target.server?.label ?? 'temp file'})`);
    for (const scenario of mine) {
      if (interrupted) break;
      const row = await runScenario(target, scenario, settings, log);
      report.rows.push(row);
      log(
        `${kind} ${scenario.name}: ${row.pass ? 'pass' : 'FAIL'} (lost ${row.lost}, duplicates ${row.duplicates}, ${(row.durationMs / 1000).toFixed(0)} s)`,
      );
    }
    if (opts.private && target.server) {
      await target.server.dispose();
      servers.splice(servers.indexOf(target.server), 1);
    }
  }
} finally {
  for (const s of servers) if (opts.private) await s.dispose().catch(() => {});
}

mkdirSync(opts.out, { recursive: true });
const name = opts.name ?? `faults-${dateStamp(report.date)}`;
const jsonPath = join(opts.out, `${name}.json`);
const mdPath = join(opts.out, `${name}.md`);
writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(mdPath, toMarkdown(report));
process.stdout.write(`${toTable(report.rows)}\n\nwrote ${relative(process.cwd(), jsonPath)} and ${relative(process.cwd(), mdPath)}\n`);
const ok = report.rows.length > 0 && report.rows.every((r) => r.pass) && !interrupted;
process.exit(ok ? 0 : 1);

async function serverVersion(config: BackendConfig, kit: BackendKit): Promise<string> {
  const options = optionsOf(config);
  const backend = createBackend({ type: config.type, ...(kit.versionOptions?.(options) ?? options) } as BackendConfig);
  try {
    await backend.connect();
    return (await backend.ping()).serverVersion;
  } catch (err) {
    return `unknown (${(err as Error).message})`;
  } finally {
    await backend.close().catch(() => {});
  }
}

function failedRow(backend: BackendKind, scenario: FaultRow['scenario'], error: string): FaultRow {
  return { backend, scenario, tasks: 0, lost: 0, duplicates: 0, extraRuns: 0, pass: false, checks: [], notes: [], error, durationMs: 0 };
}
