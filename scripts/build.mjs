// Compiles TypeScript to dist/ and copies the non-TypeScript files the code reads at run time
// (Redis Lua scripts, SQL migrations, UI assets) next to the compiled modules, then removes from
// dist/ what was compiled or copied from a source that no longer exists.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ASSET = /\.(lua|sql|html|css|svg|png)$/;
/** What tsc writes for `x.ts`: x.js, x.js.map, x.d.ts, x.d.ts.map. */
const COMPILED = /\.(d\.ts\.map|d\.ts|js\.map|js)$/;
const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });

function copyAssets(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) copyAssets(path);
    else if (ASSET.test(name)) cpSync(path, join('dist', path));
  }
}

// Neither tsc nor the copy above removes the output of a source that was deleted or renamed, and
// it would still be found: a migration by the loader that reads its folder, a test by the runner.
// Other files (the UI bundles have their own folders) are left alone.
function removeStale(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      removeStale(path);
      if (readdirSync(path).length === 0) rmdirSync(path);
      continue;
    }
    const source = relative('dist', path);
    const from = COMPILED.test(entry.name) ? source.replace(COMPILED, '.ts') : ASSET.test(entry.name) ? source : undefined;
    if (from !== undefined && !existsSync(from)) rmSync(path);
  }
}

for (const root of ['shared', 'test']) copyAssets(root);
for (const root of ['shared', 'test', 'bench']) if (existsSync(join('dist', root))) removeStale(join('dist', root));
process.exit(tsc.status ?? 1);
