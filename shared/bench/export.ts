// Markdown and CSV views of results. Markdown is for people (the committed baseline, the CLI's
// --out); CSV is one flat table for spreadsheets.
import { BENCHMARK_FIGURES, mib, SOAK_FIGURES, SWEEP_FIGURES } from './figures.js';
import { toReport } from './report.js';
import { SCALE_CALL_TARGET_MS, SCALE_RATE_TARGET } from './scale.js';
import type {
  AnyBenchResult,
  BenchmarkResult,
  BenchReport,
  PeerResult,
  RunComparison,
  ScaleResult,
  SoakResult,
  SweepResult,
  TargetCheck,
} from './types.js';

const fmt = (x: number | undefined, digits = 0): string => {
  if (x === undefined || !Number.isFinite(x)) return '–';
  return digits === 0 && Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(digits);
};
/** Any figure: integers with separators from 100 up, else two (or three below 1) decimals. */
const num = (x: number | undefined) => (x === undefined ? '–' : Math.abs(x) >= 100 ? fmt(x) : fmt(x, Math.abs(x) >= 1 || x === 0 ? 2 : 3));
const ms = (x: number | undefined) => fmt(x, x !== undefined && x >= 100 ? 0 : 2);
const row = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
const table = (head: readonly string[], rows: readonly (readonly string[])[]) =>
  [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
const met = (t: TargetCheck) => (t.met === undefined ? 'not measured' : t.met ? 'met' : '**missed**');

export function toMarkdown(result: AnyBenchResult | RunComparison): string {
  if (result.kind === 'comparison') return comparisonMarkdown(result);
  const r = toReport(result);
  const out: string[] = [`# sitq benchmark, ${r.date}`, '', describeRun(r), ''];
  if (r.results.length) out.push(resultsMarkdown(r.results), '');
  if (r.skipped.length)
    out.push(
      '## Skipped',
      '',
      table(
        ['profile', 'reason'],
        r.skipped.map((s) => [s.profile, s.reason]),
      ),
      '',
    );
  for (const s of r.sweeps) out.push(sweepMarkdown(s), '');
  if (r.soaks.length) out.push(soakMarkdown(r.soaks), '');
  if (r.peers?.length) out.push(peersMarkdown(r.peers, r.results), '');
  if (r.scales?.length) out.push(scaleMarkdown(r.scales), '');
  return `${out.join('\n').trimEnd()}\n`;
}

function describeRun(r: BenchReport): string {
  const m = r.machine;
  const clients = Object.entries(r.versions.clients)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const servers = Object.entries(r.versions.servers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');
  const lines = [
    `- Machine: ${m.cpuModel}, ${m.cpus} CPUs, ${fmt(m.memoryBytes / 2 ** 30, 1)} GiB, ${m.platform} ${m.arch} (${m.hostname}); load average ${fmt(m.loadAverage, 2)} at the start`,
    `- sitq ${r.versions.sitq}${r.versions.commit ? ` at ${r.versions.commit}` : ''}, Node ${r.versions.node}; clients: ${clients}`,
  ];
  if (servers) lines.push(`- Servers: ${servers}`);
  if (r.command) lines.push(`- Command: \`${r.command}\``);
  const s = r.settings;
  if (s) {
    lines.push(
      `- Workload: ${fmt(s.tasks)} × \`${s.task}\`, worker concurrency ${s.concurrency}, payload ${s.payloadBytes} B; ` +
        `${fmt(s.singleEnqueue)} enqueued one at a time, ${fmt(s.tasks - s.singleEnqueue)} in batches of ${s.batchSize}; ` +
        `warm-up ${s.warmup} tasks (excluded from every figure); ${s.idleSamples} idle-latency samples; ` +
        `${s.rounds} round${s.rounds === 1 ? '' : 's'} of floor + enqueue + processing (the median round is shown)` +
        `${s.observability === false ? '; without throughput history and spans' : ''}.`,
    );
  }
  return lines.join('\n');
}

function resultsMarkdown(results: readonly BenchmarkResult[]): string {
  const throughput = table(
    [
      'profile',
      'server',
      'connect ms',
      'enqueue 1-by-1 /s',
      'raw enqueue floor /s',
      'enqueue / floor',
      'enqueue batch /s',
      'processing /s',
      'raw floor /s',
      'processing / floor',
      'success',
      'errors',
    ],
    results.map((r) => [
      r.profile,
      r.serverVersion,
      ms(r.connectMs),
      fmt(r.enqueue.single.perSec),
      fmt(r.enqueueFloor?.perSec),
      r.enqueueFloorRatio === undefined ? '–' : `${r.enqueueFloorRatio.toFixed(2)}x`,
      fmt(r.enqueue.batch.perSec),
      fmt(r.processing.perSec),
      fmt(r.floor?.perSec),
      r.floorRatio === undefined ? '–' : `${r.floorRatio.toFixed(2)}x`,
      `${(r.successRate * 100).toFixed(2)}%`,
      fmt(r.errors.reduce((n, e) => n + e.count, 0)),
    ]),
  );
  const latency = table(
    [
      'profile',
      'idle →start p50',
      'p95',
      'p99',
      'max',
      'enqueue call p50',
      'idle →finish p50',
      'p99',
      'backlog →start p50',
      'p99',
      'backlog →finish p50',
      'p99',
    ],
    results.map((r) => [
      r.profile,
      ms(r.idle.toStart.p50Ms),
      ms(r.idle.toStart.p95Ms),
      ms(r.idle.toStart.p99Ms),
      ms(r.idle.toStart.maxMs),
      ms(r.idle.enqueueCall?.p50Ms),
      ms(r.idle.toFinish.p50Ms),
      ms(r.idle.toFinish.p99Ms),
      ms(r.processing.toStart.p50Ms),
      ms(r.processing.toStart.p99Ms),
      ms(r.processing.toFinish.p50Ms),
      ms(r.processing.toFinish.p99Ms),
    ]),
  );
  const targets = table(
    ['profile', 'target', 'threshold', 'measured', 'result'],
    results.flatMap((r) => r.targets.map((t) => [r.profile, t.name, t.threshold, t.value === undefined ? '–' : String(t.value), met(t)])),
  );
  const floors = results.filter((r) => r.floor);
  const out = [
    '## Throughput',
    '',
    throughput,
    '',
    '## Latency (ms)',
    '',
    '"idle": one task at a time on an idle worker, from calling enqueue (its round trip included) to the handler starting / the completion being confirmed. ' +
      '"backlog": during the processing run, from enqueuedAt (ms resolution) — mostly time spent waiting in the backlog.',
    '',
    latency,
    '',
    '## Targets',
    '',
    targets,
  ];
  if (floors.length) {
    const runs = (r: BenchmarkResult) => (r.floor!.runsPerSec ?? [r.floor!.perSec]).map((x) => fmt(x)).join(' / ');
    out.push(
      '',
      '## Raw floors',
      '',
      "Measured at the start of every round; the median counts, and the ratio is the median of each round's processing / floor.",
      '',
      table(
        ['profile', 'claim loop', 'tasks', 'runs /s', 'median /s', 'claim calls'],
        floors.map((r) => [r.profile, r.floor!.method, fmt(r.floor!.tasks), runs(r), fmt(r.floor!.perSec), fmt(r.floor!.claimCalls)]),
      ),
    );
  }
  const enqueueFloors = results.filter((r) => r.enqueueFloor);
  if (enqueueFloors.length) {
    const runs = (r: BenchmarkResult) => (r.enqueueFloor!.runsPerSec ?? [r.enqueueFloor!.perSec]).map((x) => fmt(x)).join(' / ');
    out.push(
      '',
      '## Raw enqueue floors',
      '',
      "Plain single writes awaited one at a time, measured in every round right before the one-by-one enqueue; the ratio is the median of each round's enqueue 1-by-1 / floor.",
      '',
      table(
        ['profile', 'write', 'tasks', 'runs /s', 'median /s', 'call p50 ms', 'sitq call p50 ms'],
        enqueueFloors.map((r) => [
          r.profile,
          r.enqueueFloor!.method,
          fmt(r.enqueueFloor!.tasks),
          runs(r),
          fmt(r.enqueueFloor!.perSec),
          ms(r.enqueueFloor!.latency.p50Ms),
          ms(r.enqueue.single.latency.p50Ms),
        ]),
      ),
    );
  }
  const errors = results.flatMap((r) => r.errors.map((e) => [r.profile, e.source, e.message, String(e.count)]));
  if (errors.length) out.push('', '## Errors', '', table(['profile', 'where', 'message', 'count'], errors));
  return out.join('\n');
}

function sweepMarkdown(s: SweepResult): string {
  const pools = [...new Set(s.cells.map((c) => c.poolSize))];
  const concurrencies = [...new Set(s.cells.map((c) => c.concurrency))];
  const cell = (p: number, c: number) => {
    const found = s.cells.find((x) => x.poolSize === p && x.concurrency === c);
    if (!found) return '–';
    if (found.error && found.tasks === 0) return `failed: ${found.error}`;
    return `${fmt(found.perSec)}/s, p50 ${ms(found.latency.p50Ms)} p99 ${ms(found.latency.p99Ms)} ms${found.errors ? `, ${found.errors} errors` : ''}`;
  };
  const head = [s.option ?? 'pool', ...concurrencies.map((c) => `${c} concurrent`)];
  return [
    `## Pool sweep: ${s.profile} (${s.backend})`,
    '',
    s.note,
    '',
    table(
      head,
      pools.map((p) => [String(p), ...concurrencies.map((c) => cell(p, c))]),
    ),
  ].join('\n');
}

function soakMarkdown(soaks: readonly SoakResult[]): string {
  const rows = soaks.map((s) => [
    s.profile,
    s.workerNodeFlags?.length ? s.workerNodeFlags.map((f) => `\`${f}\``).join(' ') : 'none',
    fmt(s.tasks),
    fmt(s.perSec),
    fmt(mib(s.rssStart), 1),
    fmt(mib(s.rssEnd), 1),
    fmt(mib(s.heapUsedStart), 1),
    fmt(mib(s.heapUsedEnd), 1),
    s.targets.every((t) => t.met) ? 'flat' : '**grew**',
  ]);
  const samples = soaks.map(
    (s) =>
      `- ${s.profile}: heap / RSS after GC (MiB) at ${s.samples.map((x) => `${fmt(x.processed)}: ${fmt(mib(x.heapUsed), 1)} / ${fmt(mib(x.rss), 1)}`).join(', ')}`,
  );
  return [
    '## Soak (worker memory)',
    '',
    'The worker runs in a process of its own (`node --expose-gc` and the flags shown); memory is read after a forced GC.',
    '',
    table(
      [
        'profile',
        'worker node flags',
        'tasks',
        'processing /s',
        'RSS start MiB',
        'RSS end MiB',
        'heap start MiB',
        'heap end MiB',
        'memory',
      ],
      rows,
    ),
    '',
    ...samples,
  ].join('\n');
}

function comparisonMarkdown(c: RunComparison): string {
  const rows = c.changes.map((x) => [
    x.profile,
    x.figure,
    num(x.earlier),
    num(x.current),
    x.changePct === undefined
      ? '–'
      : `${x.changePct > 0 ? '+' : ''}${x.changePct.toFixed(1)}%${x.better === undefined ? '' : x.better ? ' (better)' : ' (worse)'}`,
  ]);
  const out = [
    `# sitq benchmark comparison`,
    '',
    `Current run ${c.currentDate ?? '?'} against ${c.earlierDate ?? '?'}.`,
    '',
    table(['profile', 'figure', 'earlier', 'current', 'change'], rows),
  ];
  if (c.unmatched.length) out.push('', `In one run only: ${c.unmatched.join(', ')}.`);
  return `${out.join('\n')}\n`;
}

// --- CSV -------------------------------------------------------------------------------------

export type CsvTable = 'results' | 'sweeps' | 'soaks';

function csvCell(v: string | number | undefined): string {
  if (v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
const csv = (rows: readonly (readonly (string | number | undefined)[])[]) => `${rows.map((r) => r.map(csvCell).join(',')).join('\n')}\n`;

/**
 * One flat table: benchmark results (one row per profile, one column per figure) by default;
 * `sweeps` (one row per cell), `soaks`, or for a RunComparison its changes. Without `table`,
 * the first non-empty one of results, sweeps, soaks is chosen.
 */
export function toCsv(result: AnyBenchResult | RunComparison, options: { table?: CsvTable } = {}): string {
  if (result.kind === 'comparison') {
    return csv([
      ['profile', 'figure', 'earlier', 'current', 'changePct'],
      ...result.changes.map((x) => [x.profile, x.figure, x.earlier, x.current, x.changePct]),
    ]);
  }
  const r = toReport(result);
  const which = options.table ?? (r.results.length ? 'results' : r.sweeps.length ? 'sweeps' : r.soaks.length ? 'soaks' : 'results');
  switch (which) {
    case 'sweeps':
      return csv([
        ['profile', 'backend', 'option', 'poolSize', 'concurrency', 'tasks', 'durationMs', ...SWEEP_FIGURES.map((f) => f.key), 'error'],
        ...r.sweeps.flatMap((s) =>
          s.cells.map((c) => [
            s.profile,
            s.backend,
            s.option ?? '',
            c.poolSize,
            c.concurrency,
            c.tasks,
            c.durationMs,
            ...SWEEP_FIGURES.map((f) => f.get(c)),
            c.error,
          ]),
        ),
      ]);
    case 'soaks':
      return csv([
        ['profile', 'backend', 'tasks', ...SOAK_FIGURES.map((f) => f.key)],
        ...r.soaks.map((s) => [s.profile, s.backend, s.tasks, ...SOAK_FIGURES.map((f) => f.get(s))]),
      ]);
    default:
      return csv([
        ['profile', 'backend', 'serverVersion', 'tasks', 'concurrency', ...BENCHMARK_FIGURES.map((f) => f.key)],
        ...r.results.map((b) => [
          b.profile,
          b.backend,
          b.serverVersion,
          b.settings.tasks,
          b.settings.concurrency,
          ...BENCHMARK_FIGURES.map((f) => f.get(b)),
        ]),
      ]);
  }
}

/** Each peer beside the sitq profile on the same server, with sitq / peer for every figure
 *  (above 1 = sitq ahead; for latencies the peer's p50 over sitq's). */
function peersMarkdown(peers: readonly PeerResult[], results: readonly BenchmarkResult[]): string {
  const ratio = (a: number | undefined, b: number | undefined) =>
    a !== undefined && b !== undefined && b > 0 ? `${(a / b).toFixed(2)}x` : '–';
  const rows = peers.map((p) => {
    const sitq = results.find((r) => r.profile === p.profile);
    const idle = sitq && sitq.idle.toStart.count > 0 ? sitq.idle.toStart.p50Ms : undefined;
    return [
      p.peer,
      p.profile,
      fmt(p.concurrency),
      `${fmt(p.enqueue.single.perSec)} (sitq ${fmt(sitq?.enqueue.single.perSec)}, ${ratio(sitq?.enqueue.single.perSec, p.enqueue.single.perSec)})`,
      `${fmt(p.enqueue.batch.perSec)} (sitq ${fmt(sitq?.enqueue.batch.perSec)}, ${ratio(sitq?.enqueue.batch.perSec, p.enqueue.batch.perSec)})`,
      `${fmt(p.processing.perSec)} (sitq ${fmt(sitq?.processing.perSec)}, ${ratio(sitq?.processing.perSec, p.processing.perSec)})`,
      `${ms(p.idle.toStart.p50Ms)} (sitq ${ms(idle)}, ${ratio(p.idle.toStart.p50Ms, idle)})`,
      ms(p.idle.toStart.p99Ms),
    ];
  });
  return [
    '## Peers',
    '',
    "The same workload through other task queues on the same servers, in the same run (one round each, after sitq's). In brackets: sitq's figure on that server and sitq / peer (for the idle p50: peer / sitq), so above 1x means sitq is ahead.",
    '',
    table(
      ['peer', 'server of', 'concurrency', 'enqueue 1-by-1 /s', 'enqueue batch /s', 'processing /s', 'idle →start p50 ms', 'p99 ms'],
      rows,
    ),
    '',
    table(
      ['peer', 'settings'],
      peers.map((p) => [p.peer, p.settings]),
    ),
  ].join('\n');
}

/** Empty against filled, per profile: the rates as filled / empty, every call against its limit. */
function scaleMarkdown(scales: readonly ScaleResult[]): string {
  const out = ['## Scale (empty store against a filled one)', ''];
  for (const s of scales) {
    const ratio = (full: number, empty: number) => (empty > 0 ? full / empty : 0);
    const rateRow = (name: string, empty: number, full: number) => {
      const r = ratio(full, empty);
      return [name, fmt(empty), fmt(full), `${r.toFixed(2)}x`, r >= SCALE_RATE_TARGET ? 'met' : '**missed**'];
    };
    out.push(
      `### ${s.profile}: ${fmt(s.settings.waiting)} waiting + ${fmt(s.settings.finished)} finished (filled in ${fmt(s.fillMs / 1000, 1)} s)`,
      '',
      table(
        ['figure', 'empty /s', 'filled /s', 'filled / empty', `target >= ${SCALE_RATE_TARGET}x`],
        [
          rateRow('enqueue 1-by-1', s.empty.enqueuePerSec, s.full.enqueuePerSec),
          rateRow('processing', s.empty.processingPerSec, s.full.processingPerSec),
        ],
      ),
      '',
      table(
        ['call', 'empty ms', 'filled ms', `target <= ${SCALE_CALL_TARGET_MS} ms`],
        s.full.calls.map((c) => {
          const empty = s.empty.calls.find((e) => e.call === c.call);
          return [c.call, ms(empty?.ms), ms(c.ms), c.ms <= SCALE_CALL_TARGET_MS ? 'met' : '**missed**'];
        }),
      ),
      '',
    );
    if (s.errors.length)
      out.push(
        table(
          ['where', 'message', 'count'],
          s.errors.map((e) => [e.source, e.message, String(e.count)]),
        ),
        '',
      );
  }
  return out.join('\n').trimEnd();
}
