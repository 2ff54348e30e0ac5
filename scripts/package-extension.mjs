// Packages the VS Code extension as one platform-neutral .vsix: stages release/vscode/ with the
// extension host bundle (esbuild, CJS), the core process it starts in VS Code's own runtime
// (esbuild bundles of shared/host/core-main.ts and the worker-thread entries, ESM, with the SQL
// migrations and Lua scripts they read), the dashboard UI (dist/ui), and the manifest (the root
// package.json less its dev fields), then runs `vsce package` there. No node_modules and no native
// build: SQLite runs on node:sqlite in the editor's runtime (shared/backends/sqlite/driver.ts).
// Run `node scripts/build.mjs` first (the UI and the assets are taken from dist/).
//
//   node scripts/package-extension.mjs            # → release/sitq-<version>.vsix
//   node scripts/package-extension.mjs --out FILE
//
// vsce comes from the project's devDependencies when present, else the cache that
// scripts/install-code-server.sh's sibling tools use (~/.cache/sitq-vscode-tools), else npx.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundleCore, copyTree } from './core-bundle.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const STAGE = join(ROOT, 'release', 'vscode');
const VSCE_VERSION = '3.9.2';
const args = process.argv.slice(2);
const outArg = args.indexOf('--out');

function log(message) {
  console.error(`[package-extension] ${message}`);
}

function need(path, hint) {
  if (!existsSync(join(ROOT, path))) {
    log(`${path} is missing: ${hint}`);
    process.exit(1);
  }
}

need('dist/shared/service/service.js', 'run `node scripts/build.mjs` first');
rmSync(STAGE, { recursive: true, force: true });
mkdirSync(join(STAGE, 'dist'), { recursive: true });

// 1) The extension host side: one CommonJS file, `vscode` supplied by the host.
await build({
  entryPoints: [join(ROOT, 'extension/extension.ts')],
  outfile: join(STAGE, 'dist/extension.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node18',
  external: ['vscode'],
  sourcemap: true,
  sourcesContent: false,
  logLevel: 'warning',
});

// 2) The core process: esbuild bundles of shared/host/core-main.ts and the worker-thread entries,
//    with the SQL and Lua files they read (scripts/core-bundle.mjs, shared with the desktop app).
const coreInputs = await bundleCore(ROOT, join(STAGE, 'dist/core'));
mkdirSync(join(ROOT, 'release'), { recursive: true });
writeFileSync(join(ROOT, 'release', 'core-inputs.json'), `${JSON.stringify(Object.fromEntries(coreInputs), null, 1)}\n`);

// 2c) The runner that Debug Task Locally starts under the debugger, in the user's own Node: one
//     bundled ES module, so it needs nothing but Node (the task module brings its own imports).
await build({
  entryPoints: [join(ROOT, 'extension/debug/run-task.ts')],
  outfile: join(STAGE, 'dist/extension/debug/run-task.js'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});

// 3) The dashboard UI (built by the dashboard's build into dist/ui; built here when missing).
if (!existsSync(join(ROOT, 'dist/ui/index.html')) && existsSync(join(ROOT, 'scripts/build-ui.mjs'))) {
  log('building the dashboard UI (scripts/build-ui.mjs)');
  spawnSync(process.execPath, [join(ROOT, 'scripts/build-ui.mjs')], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
}
if (existsSync(join(ROOT, 'dist/ui/index.html'))) copyTree(join(ROOT, 'dist/ui'), join(STAGE, 'dist/ui'), (rel) => !rel.endsWith('.map'));
else log('dist/ui/index.html is missing: the dashboard webview will say so (build the UI first)');

// 5) Manifest, README, icons, ignore file.
// The one package.json is both the library's manifest and the extension's: VS Code reads `main`
// (the extension bundle) and `contributes`; the library is reached through `exports`.
// The extension's bundles carry their dependencies: the manifest lists none.
const rootPkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const {
  scripts: _rootScripts,
  devDependencies: _dev,
  dependencies: _deps,
  peerDependencies: _peers,
  peerDependenciesMeta: _peersMeta,
  files: _files,
  bin: _bin,
  allowScripts: _allow,
  types: _types,
  exports: _exports,
  ...manifest
} = rootPkg;
writeFileSync(join(STAGE, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
cpSync(join(ROOT, 'extension/README.md'), join(STAGE, 'README.md'));
cpSync(join(ROOT, 'extension/media'), join(STAGE, 'media'), { recursive: true });
if (existsSync(join(ROOT, 'LICENSE'))) cpSync(join(ROOT, 'LICENSE'), join(STAGE, 'LICENSE'));
cpSync(join(ROOT, '.vscodeignore'), join(STAGE, '.vscodeignore'));

// 6) vsce package.
const out = outArg >= 0 ? resolve(args[outArg + 1]) : join(ROOT, 'release', `${manifest.name}-${manifest.version}.vsix`);
const vsceArgs = [
  'package',
  '--no-dependencies',
  '--out',
  out,
  '--no-update-package-json',
  '--allow-missing-repository',
  '--no-rewrite-relative-links',
];
if (!existsSync(join(STAGE, 'LICENSE'))) vsceArgs.push('--skip-license');
const local = [join(ROOT, 'node_modules/.bin/vsce'), join(homedir(), '.cache/sitq-vscode-tools/node_modules/.bin/vsce')].find((p) =>
  existsSync(p),
);
const [cmd, cmdArgs] = local ? [local, vsceArgs] : ['npx', ['--yes', `@vscode/vsce@${VSCE_VERSION}`, ...vsceArgs]];
log(`${relative(ROOT, cmd) || cmd} ${cmdArgs.join(' ')}`);
const result = spawnSync(cmd, cmdArgs, { cwd: STAGE, stdio: ['ignore', 'inherit', 'inherit'] });
if (result.status !== 0) {
  log(`vsce failed (${result.error?.message ?? `exit ${result.status}`})`);
  process.exit(1);
}
console.log(out);
