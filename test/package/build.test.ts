// `npm run build` (scripts/build.mjs) on a small project of its own: what was compiled or copied
// from a source since deleted or renamed leaves dist/, so a migration renamed in the source is not
// still found by the loader that reads its folder.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const DIR = mkdtempSync(join(tmpdir(), 'sitq-build-'));
after(() => rmSync(DIR, { recursive: true, force: true }));

function write(path: string, text: string): void {
  mkdirSync(dirname(join(DIR, path)), { recursive: true });
  writeFileSync(join(DIR, path), text);
}

function build(): void {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: DIR, encoding: 'utf8' });
  assert.equal(r.status, 0, `build failed: ${r.stdout}${r.stderr}`);
}

const present = (paths: string[]) => paths.filter((p) => existsSync(join(DIR, p)));

describe('npm run build', () => {
  it('removes from dist/ the compiled files and copied assets of sources deleted or renamed, and nothing else', () => {
    symlinkSync(join(ROOT, 'node_modules'), join(DIR, 'node_modules'));
    // incremental as in the repository's tsconfig: tsc skips what did not change
    const compilerOptions = { target: 'ES2022', module: 'NodeNext', rootDir: '.', outDir: 'dist', declaration: true, sourceMap: true };
    const incremental = { incremental: true, tsBuildInfoFile: 'dist/.tsbuildinfo' };
    write(
      'tsconfig.json',
      JSON.stringify({ compilerOptions: { ...compilerOptions, ...incremental }, include: ['shared/**/*.ts', 'test/**/*.ts'] }),
    );
    write('shared/kept.ts', 'export const kept = 1;\n');
    write('shared/old/gone.ts', 'export const gone = 1;\n');
    write('shared/migrations/001-first.sql', 'SELECT 1;\n');
    write('shared/migrations/002-second.sql', 'SELECT 2;\n');
    write('test/a.test.ts', 'export {};\n');
    write('dist/ui/app.js', '// another script writes this folder\n');
    build();
    const compiled = (stem: string) => ['.js', '.js.map', '.d.ts'].map((ext) => `dist/${stem}${ext}`);
    const stale = [...compiled('shared/old/gone'), 'dist/shared/migrations/002-second.sql'];
    assert.deepEqual(present(stale), stale);

    rmSync(join(DIR, 'shared/old'), { recursive: true });
    renameSync(join(DIR, 'shared/migrations/002-second.sql'), join(DIR, 'shared/migrations/002-renamed.sql'));
    build();
    assert.deepEqual(present([...compiled('shared/old/gone'), 'dist/shared/old', 'dist/shared/migrations/002-second.sql']), []);
    const kept = [
      ...compiled('shared/kept'),
      ...compiled('test/a.test'),
      'dist/shared/migrations/001-first.sql',
      'dist/shared/migrations/002-renamed.sql',
      'dist/ui/app.js',
    ];
    assert.deepEqual(present(kept), kept);
  });
});
