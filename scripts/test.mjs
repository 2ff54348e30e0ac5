// Runs every compiled test file (dist/test/**/*.test.js) with node's test runner, one file at a
// time. Node 20 takes no globs, and given a folder it would also run every .js file under a
// directory named `test` (fixtures, helpers), so the list is made here. Arguments filter by path:
// `node scripts/test.mjs backends/redis cli`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

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
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...chosen], { stdio: 'inherit' });
process.exit(result.status ?? 1);
