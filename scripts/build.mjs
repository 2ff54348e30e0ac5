// Compiles TypeScript to dist/ and copies the non-TypeScript files the code reads at run time
// (Redis Lua scripts, SQL migrations, UI assets) next to the compiled modules.
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ASSET = /\.(lua|sql|html|css|svg|png)$/;
const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });

function copyAssets(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) copyAssets(path);
    else if (ASSET.test(name)) cpSync(path, join('dist', path));
  }
}
for (const root of ['shared', 'test']) copyAssets(root);
process.exit(tsc.status ?? 1);
