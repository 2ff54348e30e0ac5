// desktop/main.ts and desktop/preload.ts are the only files that import `electron`, so the
// repo's build does not compile them. They are type-checked here against the installed
// `electron` package's own definitions, resolved the way any import of 'electron' is (no path
// mapping; the compiler's file list must show node_modules/electron/electron.d.ts), which also
// proves the real Electron objects fit the shapes desktop-app.ts takes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { ROOT } from '../ui/build.js';
import { packageFile, toolSkip } from './tooling.js';

const types = packageFile('electron', 'electron.d.ts');

it("main.ts and preload.ts type-check against Electron's definitions", { skip: toolSkip(types), timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sitq-tsc-'));
  try {
    const config = {
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        lib: ['ES2023', 'DOM'],
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules', '@types')],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
      },
      files: [join(ROOT, 'desktop', 'main.ts'), join(ROOT, 'desktop', 'preload.ts')],
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config));
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json'), '--listFiles'],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const files = r.stdout.split('\n').map((l) => l.trim());
    assert.ok(files.includes((types as { path: string }).path), `checked against ${(types as { path: string }).path}:\n${r.stdout}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
