// Runs every compiled test file (dist/test/**/*.test.js) with node's test runner, one file at a
// time, and ends with one line that sums them up: `sitq: N passed, N failed, N skipped`.
// - Node 20 takes no globs, and given a folder it would also run every .js file under a directory
//   named `test` (fixtures, helpers), so the list is made here.
// - Each file gets a time limit: a file whose tests pass but whose process never exits (a handle
//   left open) is killed and counted as a failure instead of hanging CI.
// Arguments filter by path: `node scripts/test.mjs backends/redis cli`.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const FILE_LIMIT_MS = Number(process.env.SITQ_TEST_FILE_LIMIT_MS ?? 25 * 60_000);
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

let current; // the running file's process group, ended with us on Ctrl-C
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (current) process.kill(-current.pid, 'SIGKILL');
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
for (const file of chosen) {
  const started = Date.now();
  const counts = await runFile(file);
  wallMs.set(file, Date.now() - started);
  for (const key of Object.keys(total)) total[key] += counts[key] ?? 0;
  if ((counts.fail ?? 0) > 0 || (counts.cancelled ?? 0) > 0) failedFiles.push(file);
}
await servers?.dispose();
const failed = total.fail + total.cancelled;
const slowest = [...wallMs].sort((a, b) => b[1] - a[1]).slice(0, 15);
if (slowest.length > 1) {
  const totalS = [...wallMs.values()].reduce((a, b) => a + b, 0) / 1000;
  console.log(`\nslowest files (of ${wallMs.size}, ${Math.round(totalS)} s in all):`);
  for (const [file, ms] of slowest) console.log(`  ${(ms / 1000).toFixed(1).padStart(7)} s  ${relative(root, file)}`);
}
if (failedFiles.length) console.log(`\nfailed: ${failedFiles.join(', ')}`);
console.log(
  `\nsitq: ${total.pass} passed, ${failed} failed, ${total.skipped} skipped${total.todo ? `, ${total.todo} todo (not yet built: see the test names)` : ''}`,
);
process.exit(failedFiles.length ? 1 : 0);

function runFile(file) {
  return new Promise((resolve) => {
    const counts = {};
    // Its own process group, so a kill reaches the test file's process too, not just the runner.
    const child = spawn(process.execPath, ['--test', '--test-reporter=tap', file], {
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    current = child;
    let buffer = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      process.stdout.write(chunk);
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const m = /^# (pass|fail|skipped|cancelled|todo) (\d+)$/.exec(buffer.slice(0, nl));
        if (m) counts[m[1]] = Number(m[2]);
        buffer = buffer.slice(nl + 1);
      }
    });
    const timer = setTimeout(() => {
      console.log(`\nnot ok - ${file} did not finish within ${FILE_LIMIT_MS / 60_000} min (a handle left open?); killed`);
      counts.fail = (counts.fail ?? 0) + 1;
      process.kill(-child.pid, 'SIGKILL');
    }, FILE_LIMIT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0 && !counts.fail && !counts.cancelled) {
        console.log(`\nnot ok - ${file} exited with ${code}`);
        counts.fail = (counts.fail ?? 0) + 1;
      }
      resolve(counts);
    });
  });
}
