// Bundles the dashboard UI (ui/ → dist/ui/: index.html, app.js, app.css, icons) and the Electron
// main/preload (desktop/ → dist/desktop/app/) and the desktop core (→ dist/desktop/core/, scripts/
// core-bundle.mjs) with esbuild. `--check` also type-checks ui/ with
// its own tsconfig (DOM + Preact JSX), which the repo's Node tsconfig does not cover.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundleCore } from './core-bundle.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'ui');
const check = process.argv.includes('--check');

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'backends'), { recursive: true });

await build({
  absWorkingDir: root,
  entryPoints: { app: 'ui/main.tsx' },
  outdir: out,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  // Chromium of Electron, VS Code and current browsers.
  target: ['chrome120', 'firefox121', 'safari17'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  sourcemap: 'linked',
  charset: 'utf8',
  legalComments: 'linked',
  logLevel: 'warning',
});

cpSync(join(root, 'ui', 'index.html'), join(out, 'index.html'));
cpSync(join(root, 'media', 'icon.svg'), join(out, 'icon.svg'));
cpSync(join(root, 'media', 'icon.png'), join(out, 'icon.png'));
for (const f of readdirSync(join(root, 'media', 'backends'))) cpSync(join(root, 'media', 'backends', f), join(out, 'backends', f));

// Electron: main runs as an ES module in the main process; the preload must be one CommonJS file
// (a sandboxed preload cannot load other modules). `electron` stays external.
const desktop = join(root, 'desktop');
const desktopOut = join(root, 'dist', 'desktop', 'app');
mkdirSync(desktopOut, { recursive: true });
if (existsSync(join(desktop, 'main.ts')))
  await build({
    absWorkingDir: root,
    entryPoints: { main: join(desktop, 'main.ts') },
    outdir: desktopOut,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['electron'],
    // The core runs in a utility process (the bundle below), not here: main stays small.
    packages: 'external',
    logLevel: 'warning',
  });
if (existsSync(join(desktop, 'preload.ts')))
  await build({
    absWorkingDir: root,
    entryPoints: { preload: join(desktop, 'preload.ts') },
    outdir: desktopOut,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: ['electron'],
    logLevel: 'warning',
  });

// The desktop app's core process: the same bundles as the VS Code extension's (pg, ioredis, nats
// inside), which main forks with utilityProcess.fork and electron-builder packs. The packed app
// carries no server driver in node_modules (they are the library's optional peer dependencies).
if (existsSync(join(desktop, 'main.ts'))) {
  rmSync(join(root, 'dist', 'desktop', 'core'), { recursive: true, force: true });
  await bundleCore(root, join(root, 'dist', 'desktop', 'core'));
}

if (check) {
  const tsc = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'ui', 'tsconfig.json')],
    { stdio: 'inherit' },
  );
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
}
console.log(`ui: ${out}`);
