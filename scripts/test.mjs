// Runs every compiled test file (dist/test/**/*.test.js) with node's test runner, two files at a
// time, and ends with one line that sums them up: `sitq: N passed, N failed, N skipped`.
// - Node 20 takes no globs, and given a folder it would also run every .js file under a directory
//   named `test` (fixtures, helpers), so the list is made here.
// - Each file gets a time limit: a file whose tests pass but whose process never exits (a handle
//   left open) is killed and counted as a failure instead of hanging CI.
// - Two files at a time (SITQ_TEST_JOBS, default 2; 1 runs them one by one as before): most tests
//   wait on servers, timers and child processes, so a second file uses the time the first spends
//   waiting.
//   Files do not share state on the servers (each test makes a fresh PostgreSQL schema, Redis key
//   prefix, NATS stream; private servers listen on port 0 or on fixed ports no two files share), so
//   they can run side by side. Each file's output is kept and printed whole when it ends, so two
//   files never interleave.
// - Some files run ALONE (nothing beside them), see EXCLUSIVE: they start, kill, freeze and fail
//   over clusters of servers of their own and time what follows (test/ha), run the fault harness
//   that kills its worker processes and check that the runner starts servers on fixed ports
//   (test/faults), or stop and freeze NATS servers to time reconnects (backends/nats-faults).
// - Files of one GROUP never run at the same time: test/vscode packages the extension into the
//   one release/vscode/ folder (package-extension.mjs empties it first) and starts a code-server
//   driven by Chromium; test/ui drives Chromium too. One browser at a time beside other tests.
//   The files that run the conformance suite (test/conformance/) take turns too: two of them
//   started together reach the same timed scenarios (a rate of 100 a second over 12 s, 4 worker
//   processes each) at the same moment, and beside each other they missed the rate on a loaded
//   machine (NATS: every 10 s window 823..991 starts while PostgreSQL ran the same test). And a
//   conformance file does not run beside a browser either: beside Chromium (ui/dashboard-flow)
//   PostgreSQL's task events arrived with a p50 of 125 ms (the test allows 100; 16 ms otherwise).
//   So the conformance, UI and VS Code files are one group, "heavy", that takes turns beside the
//   other files.
// Arguments filter by path: `node scripts/test.mjs backends/redis cli`.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const FILE_LIMIT_MS = Number(process.env.SITQ_TEST_FILE_LIMIT_MS ?? 25 * 60_000);
const JOBS = Math.max(1, Number(process.env.SITQ_TEST_JOBS ?? 2));
/** Files that run with nothing beside them (paths relative to dist/test, prefixes). */
const EXCLUSIVE = ['ha/', 'faults/', 'backends/nats-faults.test.js'];
/** Files whose paths start with a prefix of the same group never run at the same time. */
const GROUPS = {
  'vscode/': 'heavy',
  'ui/': 'heavy',
  'backends/memory.test.js': 'heavy',
  'backends/nats.test.js': 'heavy',
  'backends/postgres.test.js': 'heavy',
  'backends/redis.test.js': 'heavy',
  'backends/sqlite.test.js': 'heavy',
  'backends/sqlite-node-sqlite.test.js': 'heavy',
};
/** Seconds a file took (two at a time at load 10-13 on 2 cores): only the order files start in,
 *  longest first, so the last file to end is a short one. A file not listed counts UNLISTED_S. */
const UNLISTED_S = 10;
const EXPECTED_S = {
  'backends/postgres.test.js': 260,
  'backends/nats.test.js': 220,
  'backends/redis.test.js': 210,
  'backends/sqlite.test.js': 190,
  'cli/flow.test.js': 185,
  'vscode/e2e.test.js': 180,
  'cli/readme.test.js': 175,
  'backends/sqlite-node-sqlite.test.js': 145,
  'cli/secrets.test.js': 85,
  'cli/worker.test.js': 80,
  'cli/basics.test.js': 75,
  'cli/bench.test.js': 70,
  'backends/memory.test.js': 55,
  'cli/schedule.test.js': 40,
  'backends/postgres-behaviour.test.js': 35,
  'cli/workflow.test.js': 185,
  'security/secrets.test.js': 140,
  'ui/dashboard-flow.test.js': 205,
  'ui/dialogs-layout.test.js': 95,
  'ui/charts.test.js': 90,
  // Not measured yet, as long as the measured ones of their folder.
  'ui/layout.test.js': 90,
  'ui/live-layout.test.js': 90,
  'ui/operations.test.js': 90,
  'ui/queue-flow.test.js': 90,
  'ui/queue-retention.test.js': 90,
  'ui/reconnect.test.js': 90,
  'ui/schedules.test.js': 90,
  'ui/screens.test.js': 90,
  'ui/task-live.test.js': 90,
  'ui/worker-running.test.js': 90,
  'vscode/debug.test.js': 120,
  'vscode/schedules.test.js': 120,
  'vscode/views.test.js': 120,
  'vscode/run-task.test.js': 60,
};
const root = join('dist', 'test');
const filters = process.argv.slice(2);
const files = [];
(function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (entry.name.endsWith('.test.js')) files.push(path);
  }
})(root);
const chosen = files.sort().filter((f) => filters.length === 0 || filters.some((x) => relative(root, f).includes(x)));
if (chosen.length === 0) {
  console.error(`no test files match ${filters.join(', ')}`);
  process.exit(2);
}
const rel = (file) => relative(root, file).split('\\').join('/');
const isExclusive = (file) => EXCLUSIVE.some((p) => rel(file).startsWith(p));
const groupOf = (file) => Object.entries(GROUPS).find(([p]) => rel(file).startsWith(p))?.[1];

const running = new Set(); // the running files' processes (own process groups), ended with us on Ctrl-C
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of running) process.kill(-child.pid, 'SIGKILL');
    process.exit(130);
  });
}

// Servers whose default port does not answer are started as throwaway servers where installed
// (test/helpers/suite-servers.ts), so a fresh clone needs nothing outside the repository;
// SITQ_TEST_SERVERS=off leaves that out. Their own exit hook removes them if this process dies.
const servers =
  process.env.SITQ_TEST_SERVERS === 'off'
    ? undefined
    : await (
        await import(new URL('../dist/test/helpers/suite-servers.js', import.meta.url).href)
      ).startMissingServers((line) => console.log(line));

const total = { pass: 0, fail: 0, skipped: 0, cancelled: 0, todo: 0 };
const failedFiles = [];
const wallMs = new Map(); // per file, for the closing list of the slowest (where CI's time goes)
const phaseStarted = Date.now();
// The files that run alone first, one by one; then the rest, longest expected first, up to JOBS
// at a time, never two of one group.
const alone = chosen.filter(isExclusive);
// A group's files run one after another, so a group counts as one long file (the sum of its
// files) and starts first if it is the longest chain (the heavy group is: about half of all).
const expected = (f) => EXPECTED_S[rel(f)] ?? UNLISTED_S;
const chain = new Map();
for (const f of chosen) if (groupOf(f) && !isExclusive(f)) chain.set(groupOf(f), (chain.get(groupOf(f)) ?? 0) + expected(f));
const priority = (f) => (groupOf(f) ? chain.get(groupOf(f)) : expected(f));
const shared = chosen
  .filter((f) => !isExclusive(f))
  .map((f, i) => ({ f, i }))
  .sort((a, b) => priority(b.f) - priority(a.f) || expected(b.f) - expected(a.f) || a.i - b.i)
  .map(({ f }) => f);
for (const file of alone) await runAndCount(file);
await new Promise((resolve) => {
  const busyGroups = new Set();
  let active = 0;
  const next = () => {
    while (active < JOBS) {
      const index = shared.findIndex((f) => !busyGroups.has(groupOf(f)));
      if (index < 0) break;
      const [file] = shared.splice(index, 1);
      const group = groupOf(file);
      if (group) busyGroups.add(group);
      active++;
      void runAndCount(file).then(() => {
        if (group) busyGroups.delete(group);
        active--;
        next();
      });
    }
    if (active === 0 && shared.length === 0) resolve();
  };
  next();
});
await servers?.dispose();
const failed = total.fail + total.cancelled;
const slowest = [...wallMs].sort((a, b) => b[1] - a[1]).slice(0, 15);
if (slowest.length > 1) {
  const totalS = [...wallMs.values()].reduce((a, b) => a + b, 0) / 1000;
  console.log(`\nslowest files (of ${wallMs.size}, ${Math.round(totalS)} s in all):`);
  for (const [file, ms] of slowest) console.log(`  ${(ms / 1000).toFixed(1).padStart(7)} s  ${relative(root, file)}`);
  console.log(`wall time ${Math.round((Date.now() - phaseStarted) / 1000)} s, up to ${JOBS} files at a time`);
}
if (failedFiles.length) console.log(`\nfailed: ${failedFiles.join(', ')}`);
console.log(
  `\nsitq: ${total.pass} passed, ${failed} failed, ${total.skipped} skipped${total.todo ? `, ${total.todo} todo (not yet built: see the test names)` : ''}`,
);
process.exit(failedFiles.length ? 1 : 0);

async function runAndCount(file) {
  const started = Date.now();
  const counts = await runFile(file);
  wallMs.set(file, Date.now() - started);
  for (const key of Object.keys(total)) total[key] += counts[key] ?? 0;
  if ((counts.fail ?? 0) > 0 || (counts.cancelled ?? 0) > 0) failedFiles.push(file);
}

/** Runs one file; its output (TAP on stdout, and stderr) is kept and printed whole at its end. */
function runFile(file) {
  const started = Date.now();
  return new Promise((resolve) => {
    const counts = {};
    const output = [];
    // Its own process group, so a kill reaches the test file's process too, not just the runner.
    const child = spawn(process.execPath, ['--test', '--test-reporter=tap', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    running.add(child);
    let buffer = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      output.push(chunk);
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const m = /^# (pass|fail|skipped|cancelled|todo) (\d+)$/.exec(buffer.slice(0, nl));
        if (m) counts[m[1]] = Number(m[2]);
        buffer = buffer.slice(nl + 1);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => output.push(chunk));
    const timer = setTimeout(() => {
      output.push(`\nnot ok - ${file} did not finish within ${FILE_LIMIT_MS / 60_000} min (a handle left open?); killed\n`);
      counts.fail = (counts.fail ?? 0) + 1;
      process.kill(-child.pid, 'SIGKILL');
    }, FILE_LIMIT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      running.delete(child);
      if (code !== 0 && !counts.fail && !counts.cancelled) {
        output.push(`\nnot ok - ${file} exited with ${code}\n`);
        counts.fail = (counts.fail ?? 0) + 1;
      }
      // When it ran (seconds into the test phase), to see which files ran side by side.
      const from = Math.round((started - phaseStarted) / 1000);
      process.stdout.write(
        `\n# ${relative(root, file)} (+${from} s to +${Math.round((Date.now() - phaseStarted) / 1000)} s)\n${output.join('')}`,
      );
      resolve(counts);
    });
  });
}
