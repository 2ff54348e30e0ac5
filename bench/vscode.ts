// `npm run bench:vscode [-- options]`: how fast the VS Code extension gets going in a real VS Code
// (code-server 4.139 = VS Code 1.139). Each run starts code-server afresh with the packaged .vsix
// installed, opens the workbench in Chromium, checks that the extension did NOT activate on its
// own (activation is lazy), opens the sitq view and times:
//   - activation: the extension's activate() (it logs "activated in X ms"),
//   - core ready: spawning the core process until it said ready ("core ready in X ms"); the first
//     run is a first start after install (no compile cache yet), each later run starts with the
//     compile cache the run before it left in the extension's storage (NODE_COMPILE_CACHE,
//     shared/host/node-child.ts), as every start after the first does for a user,
//   - view ready: from the click on the activity bar to the Backends view's first profile row
//     (a local SQLite profile in the workspace's sitq.config.json), which needs activation, the
//     core and the first profile list (what the user waits for);
// and, in the last run, counts the tree change events the extension fires (SITQ_TREE_EVENTS) over
// a minute in which nothing changes: the profile expanded, its queue shown, a worker idle.
// Written as JSON + Markdown under bench/results/ (vscode-<date>.json/.md), like `npm run bench`.
import { Command, InvalidArgumentError } from 'commander';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { machineInfo, dateStamp } from '../shared/bench/report.js';
import { summarize } from '../shared/bench/stats.js';
import type { LatencySummary, MachineInfo } from '../shared/bench/types.js';
import { CODE_SERVER_VERSION, codeServerInstalled, extensionHostLog, extensionLog, startCodeServer } from '../test/vscode/code-server.js';
import { launchBrowser, Workbench } from '../test/vscode/workbench.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Run {
  activationMs: number;
  moduleLoadMs: number;
  coreReadyMs: number;
  viewReadyMs: number;
  /** The extension was not active before its view was opened. */
  lazy: boolean;
  /** In the core, ms since its process started: its modules loaded; ready sent (the rest of
   *  coreReadyMs is spawning the process and the host reading the message). */
  coreModulesLoadedMs?: number;
  coreReadyInCoreMs?: number;
  /** Whether the core found a compile cache from an earlier start (every start but a first). */
  compileCache: 'cold' | 'warm';
}

interface Idle {
  seconds: number;
  /** Tree change events fired while nothing changed, per minute. */
  eventsPerMinute: number;
  events: string[];
}

export interface VscodeBenchReport {
  kind: 'vscode-activation';
  date: string;
  command: string;
  machine: MachineInfo;
  versions: { sitq: string; codeServer: string; hostNode: string; coreNode: string };
  /** When the view was opened (--click). */
  click: 'settled' | 'startup';
  runs: Run[];
  activation: LatencySummary;
  /** Over the warm starts (all runs when there is only one). */
  coreReady: LatencySummary;
  /** The first start after install: no compile cache yet. */
  coreReadyFirstStartMs: number;
  viewReady: LatencySummary;
  idle?: Idle;
}

const positive = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('--runs must be a whole number >= 1');
  return n;
};
const program = new Command('npm run bench:vscode --')
  .description('Activation time of the VS Code extension in code-server: activate(), core start, first view.')
  .option('--runs <n>', 'code-server starts to measure', positive, 5)
  .option('--vsix <file>', 'an existing .vsix (default: package this checkout)')
  .option(
    '--idle <seconds>',
    'how long the last run watches for tree change events while nothing changes (0: not at all)',
    (v) => Number(v),
    60,
  )
  .option(
    '--click <when>',
    "when the sitq view is opened: 'settled' (once VS Code's own startup has ended: its eager extensions activated, then 3 s) or 'startup' (3 s after the workbench's first layout, while VS Code still starts its own extensions and language servers)",
    (v: string) => {
      if (v !== 'settled' && v !== 'startup') throw new InvalidArgumentError("--click takes 'settled' or 'startup'");
      return v;
    },
    'settled',
  )
  .option('--out <dir>', 'where results go', 'bench/results')
  .option('--name <name>', 'file name (without extension); default vscode-<date>');
program.parse(process.argv);
const opts = program.opts<{ runs: number; vsix?: string; out: string; name?: string; idle: number; click: 'settled' | 'startup' }>();
const clickAt = opts.click;

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium))
  program.error(`Chromium is not installed at ${chromium} (apt-get install chromium, or set CHROMIUM_PATH)`, { exitCode: 2 });
if (!codeServerInstalled())
  program.error('code-server is not installed: run `bash scripts/install-code-server.sh` once (cached under ~/.cache)', { exitCode: 2 });

const scratch = mkdtempSync(join(tmpdir(), 'sitq-bench-vscode-'));
const cleanup = () => rmSync(scratch, { recursive: true, force: true });
process.once('SIGINT', () => {
  cleanup();
  process.exit(130);
});

try {
  const vsix = opts.vsix ?? join(scratch, 'sitq.vsix');
  if (!opts.vsix) {
    process.stderr.write('packaging the extension…\n');
    execFileSync(process.execPath, [join(ROOT, 'scripts/package-extension.mjs'), '--out', vsix], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  const runs: Run[] = [];
  let hostNode = '';
  let coreNode = '';
  let idle: Idle | undefined;
  for (let i = 1; i <= opts.runs; i++) {
    const last = i === opts.runs && opts.idle > 0;
    const previous = i > 1 ? join(scratch, `run-${i - 1}`) : undefined;
    const { run, host, core, idle: watched } = await measure(vsix, join(scratch, `run-${i}`), last ? opts.idle : 0, previous);
    runs.push(run);
    hostNode = host;
    coreNode = core;
    idle = watched ?? idle;
    process.stderr.write(
      `run ${i}/${opts.runs}: activation ${run.activationMs} ms, core ready ${run.coreReadyMs} ms (${run.compileCache} compile cache; in the core: modules loaded at ${run.coreModulesLoadedMs ?? '?'} ms, ready at ${run.coreReadyInCoreMs ?? '?'} ms), view ready ${run.viewReadyMs} ms${run.lazy ? '' : ' (NOT lazy)'}${watched ? `; idle ${watched.seconds} s: ${watched.events.length} tree change events` : ''}\n`,
    );
  }
  const date = new Date().toISOString();
  const report: VscodeBenchReport = {
    kind: 'vscode-activation',
    date,
    command: `npm run bench:vscode -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, ''),
    machine: machineInfo(),
    versions: { sitq: packageVersion(), codeServer: CODE_SERVER_VERSION, hostNode, coreNode },
    click: clickAt,
    runs,
    activation: summarize(runs.map((r) => r.activationMs)),
    coreReady: summarize((runs.length > 1 ? runs.slice(1) : runs).map((r) => r.coreReadyMs)),
    coreReadyFirstStartMs: runs[0]!.coreReadyMs,
    viewReady: summarize(runs.map((r) => r.viewReadyMs)),
    ...(idle ? { idle } : {}),
  };
  mkdirSync(opts.out, { recursive: true });
  const name = opts.name ?? `vscode-${dateStamp(date)}`;
  const jsonPath = join(opts.out, `${name}.json`);
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(opts.out, `${name}.md`), toMarkdown(report));
  console.log(toMarkdown(report));
  console.log(`written: ${relative(process.cwd(), jsonPath)} (+ .md)`);
  if (runs.some((r) => !r.lazy)) process.exitCode = 1;
  if (idle && idle.events.length > 0) process.exitCode = 1;
} finally {
  cleanup();
}

async function measure(
  vsix: string,
  home: string,
  idleSeconds: number,
  previousHome: string | undefined,
): Promise<{ run: Run; host: string; core: string; idle?: Idle }> {
  // Only the compile cache carries over from the start before (not the editor's state: a restored
  // sitq view would activate the extension at startup).
  const cache = previousHome ? findDirectory(join(previousHome, 'user-data'), 'compile-cache') : undefined;
  if (cache) cpSync(cache, join(home, 'user-data', relative(join(previousHome!, 'user-data'), cache)), { recursive: true });
  const workspace = join(home, 'workspace');
  mkdirSync(workspace, { recursive: true });
  writeFileSync(join(workspace, 'sitq.config.json'), JSON.stringify({ profiles: { local: { type: 'sqlite', path: '.sitq/queue.db' } } }));
  const treeEvents = join(home, 'tree-events.log');
  writeFileSync(treeEvents, '');
  const server = await startCodeServer({
    home,
    workspace,
    vsix,
    settings: {
      'workbench.startupEditor': 'none',
      'security.workspace.trust.enabled': false,
      'chat.disableAIFeatures': true,
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
    },
    env: { SITQ_TREE_EVENTS: treeEvents },
  });
  const browser = await launchBrowser();
  try {
    const wb = await Workbench.open(browser, server.url, workspace);
    if (clickAt === 'settled') {
      // VS Code's own startup (git, the JSON language server, … each a process of its own) ends
      // with its eager extensions activated; clicked before that, the core starts in that storm
      // on two cores and its time is mostly VS Code's.
      const end = Date.now() + 120_000;
      while (!/Eager extensions activated/.test(extensionHostLog(server.userDataDir)) && Date.now() < end)
        await wb.page.waitForTimeout(250);
    }
    // Give the workbench time to do whatever it does at startup: the extension must stay asleep.
    await wb.page.waitForTimeout(3000);
    const lazy = !/activated in/.test(extensionLog(server.userDataDir));
    const clicked = performance.now();
    await wb.openContainer('sitq');
    // The first profile row once the core answered; "Restart Core" if it could not start.
    const profile = wb.treeRow('Backends', 'local');
    await wb.page
      .locator('[id="workbench.view.extension.sitq"] .monaco-list-row')
      .filter({ hasText: /^\s*(local|The sitq core is not running)/ })
      .first()
      .waitFor({ timeout: 90_000 });
    const viewReadyMs = Math.round(performance.now() - clicked);
    if (!(await profile.isVisible())) throw new Error(`the sitq core did not start:\n${extensionLog(server.userDataDir)}`);
    // The log file is flushed a little after the lines are written.
    let log = extensionLog(server.userDataDir);
    for (const end = Date.now() + 30_000; !/core ready in/.test(log) && Date.now() < end; log = extensionLog(server.userDataDir))
      await wb.page.waitForTimeout(200);
    const activated = /activated in ([\d.]+) ms \(module load ([\d.]+) ms\)/.exec(log);
    const ready = /core ready in (\d+) ms: Node (v[\d.]+)/.exec(log);
    const inCore = /modules loaded at (\d+) ms, init at \d+ ms, ready at (\d+) ms/.exec(log);
    if (!activated || !ready) throw new Error(`the extension's log lacks its activation or core-ready line:\n${log}`);
    const host = execFileSync(server.hostNode, ['--version'], { encoding: 'utf8' }).trim();
    const run = {
      activationMs: Number(activated[1]),
      moduleLoadMs: Number(activated[2]),
      coreReadyMs: Number(ready[1]),
      ...(inCore ? { coreModulesLoadedMs: Number(inCore[1]), coreReadyInCoreMs: Number(inCore[2]) } : {}),
      viewReadyMs,
      lazy,
      compileCache: cache ? ('warm' as const) : ('cold' as const),
    };
    if (idleSeconds <= 0) return { run, host, core: ready[2] };
    return { run, host, core: ready[2], idle: await watchIdle(wb, treeEvents, idleSeconds) };
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop().catch(() => undefined);
  }
}

/** A queue with finished tasks, the profile expanded, an idle worker: then nothing changes for
 *  `seconds` while the events the trees fire are counted. */
async function watchIdle(wb: Workbench, eventsFile: string, seconds: number): Promise<Idle> {
  await wb.treeRow('Backends', 'local', 'healthy').waitFor({ timeout: 60_000 });
  await wb.runCommand('sitq: Enqueue Test Tasks…');
  await wb.answer('which task?', 'sitq.echo', { pick: true });
  await wb.answer('how many?', '20');
  await wb.answer('into which queue?', 'default');
  await wb.runCommand('sitq: Start Worker…');
  await wb.answer('which queues?', 'default');
  await wb.answer('concurrency', '2');
  await wb.answer('which task handlers?', 'Built-in test tasks only', { pick: true });
  await wb.expand(wb.treeRow('Backends', 'local'));
  await wb.treeRow('Backends', 'default', '20 done').waitFor({ timeout: 60_000 });
  await wb.runCommand('Notifications: Clear All Notifications');
  await wb.page.waitForTimeout(3000);
  const before = readFileSync(eventsFile, 'utf8').split('\n').filter(Boolean).length;
  await wb.page.waitForTimeout(seconds * 1000);
  const events = readFileSync(eventsFile, 'utf8').split('\n').filter(Boolean).slice(before);
  return { seconds, eventsPerMinute: Math.round((events.length / seconds) * 60 * 10) / 10, events };
}

function toMarkdown(r: VscodeBenchReport): string {
  const row = (what: string, s: LatencySummary) => `| ${what} | ${s.p50Ms} | ${s.maxMs} | ${s.minMs} |`;
  return [
    `# sitq VS Code extension: activation (${r.date})`,
    '',
    `\`${r.command}\` — ${r.runs.length} fresh code-server ${r.versions.codeServer} starts (extension host ${r.versions.hostNode}, core on ${r.versions.coreNode}), ${r.machine.cpus} × ${r.machine.cpuModel}, load ${r.machine.loadAverage}; the sitq view opened ${r.click === 'settled' ? "once VS Code's own startup had ended (its eager extensions activated)" : "during VS Code's own startup (3 s after the workbench's first layout)"}.`,
    '',
    '| ms | p50 | max | min |',
    '| --- | --- | --- | --- |',
    row('activation (`activate()`)', r.activation),
    row(r.runs.length > 1 ? 'core ready (spawn → ready), starts after the first' : 'core ready (spawn → ready)', r.coreReady),
    row('view ready (click → first profile row)', r.viewReady),
    '',
    ...(r.runs.length > 1
      ? [`Core ready at the first start after install (no compile cache yet): ${r.coreReadyFirstStartMs} ms.`, '']
      : []),
    ...inCoreLine(r.runs.length > 1 ? r.runs.slice(1) : r.runs),
    `Lazy: ${r.runs.every((x) => x.lazy) ? 'yes — the extension never activated before its view was opened' : 'NO — the extension activated before its view was opened'}.`,
    '',
    `Budget (issue 9): activation p50 ${r.activation.p50Ms} ms — ${r.activation.p50Ms <= 50 ? 'met' : 'NOT met'} (≤ 50 ms); core ready p50 ${r.coreReady.p50Ms} ms${r.runs.length > 1 ? ' (starts after the first)' : ''} — ${r.coreReady.p50Ms <= 1000 ? 'met' : 'NOT met'} (≤ 1 s).`,
    '',
    ...(r.idle
      ? [
          `Idle: ${r.idle.events.length} tree change events in ${r.idle.seconds} s with nothing changing (${r.idle.eventsPerMinute} per minute; budget 0): a profile expanded with its queue, an idle worker, health checked every 5 s.`,
          '',
        ]
      : []),
  ].join('\n');
}

/** Where the core's own start went (its process clock), p50 over `runs`. */
function inCoreLine(runs: Run[]): string[] {
  const loaded = runs.flatMap((r) => (r.coreModulesLoadedMs === undefined ? [] : [r.coreModulesLoadedMs]));
  const ready = runs.flatMap((r) => (r.coreReadyInCoreMs === undefined ? [] : [r.coreReadyInCoreMs]));
  if (!loaded.length || !ready.length) return [];
  return [
    `In the core's own clock (p50): modules loaded at ${summarize(loaded).p50Ms} ms, ready sent at ${summarize(ready).p50Ms} ms after its process started; the rest of core ready is the spawn and the extension host reading the message.`,
    '',
  ];
}

/** The first folder named `name` under `dir`, depth first. */
function findDirectory(dir: string, name: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const path = join(dir, entry.name);
    const found = entry.name === name ? path : findDirectory(path, name);
    if (found) return found;
  }
  return undefined;
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}
