// Packages the VS Code extension as a .vsix: stages release/vscode/ with the extension host
// bundle (esbuild, CJS), the core it starts as a child process (the compiled dist/shared, the
// server entry, the production dependencies with better-sqlite3's native build), the dashboard
// UI (dist/ui), and the manifest (the root package.json less its dev fields), then runs
// `vsce package` there. Run `node scripts/build.mjs` first (the core must be compiled).
//
//   node scripts/package-extension.mjs            # → release/sitq-<version>-<target>.vsix
//   node scripts/package-extension.mjs --out FILE
//
// vsce comes from the project's devDependencies when present, else the cache that
// scripts/install-code-server.sh's sibling tools use (~/.cache/sitq-vscode-tools), else npx.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const STAGE = join(ROOT, 'release', 'vscode');
const VSCE_VERSION = '3.9.2';
/** Install-time helpers of runtime dependencies: never loaded by the core. */
const SKIP_PACKAGES = new Set(['prebuild-install']);
/** What a package keeps in the .vsix (default: everything but docs, tests, sources, maps). */
const KEEP = {
  'better-sqlite3': (rel) => rel === 'package.json' || rel === 'LICENSE' || rel.startsWith('lib/') || rel === 'build/Release/better_sqlite3.node',
};
const DROP = /(^|\/)(test|tests|docs?|example|examples|\.github)(\/|$)|\.(md|map|ts|tsx|markdown)$|(^|\/)\.[^/]+$/;

const args = process.argv.slice(2);
const outArg = args.indexOf('--out');
const target = `${process.platform === 'win32' ? 'win32' : process.platform}-${process.arch}`;

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

// 2) The core process: the server entry transpiled file by file (it imports the compiled core by
//    relative path, so the staged layout mirrors the repo: dist/extension/server → dist/shared),
//    plus the channel's request/reply helper it shares with the extension host.
const serverFiles = readdirSync(join(ROOT, 'extension/server')).filter((f) => f.endsWith('.ts')).map((f) => join(ROOT, 'extension/server', f));
await build({
  entryPoints: [...serverFiles, join(ROOT, 'extension/core/calls.ts')],
  outbase: join(ROOT, 'extension'),
  outdir: join(STAGE, 'dist/extension'),
  bundle: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
copyTree(join(ROOT, 'dist/shared'), join(STAGE, 'dist/shared'), (rel) => !/\.(d\.ts|map)$/.test(rel));

// 3) The dashboard UI (built by the dashboard's build into dist/ui; built here when missing).
if (!existsSync(join(ROOT, 'dist/ui/index.html')) && existsSync(join(ROOT, 'scripts/build-ui.mjs'))) {
  log('building the dashboard UI (scripts/build-ui.mjs)');
  spawnSync(process.execPath, [join(ROOT, 'scripts/build-ui.mjs')], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
}
if (existsSync(join(ROOT, 'dist/ui/index.html'))) copyTree(join(ROOT, 'dist/ui'), join(STAGE, 'dist/ui'), (rel) => !rel.endsWith('.map'));
else log('dist/ui/index.html is missing: the dashboard webview will say so (build the UI first)');

// 4) Production dependencies, copied from the project's node_modules into dist/node_modules (their
//    native builds were made for this Node; dist/native.json records which, for error messages).
const rootPkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const copied = copyDependencies(Object.keys(rootPkg.dependencies ?? {}));
writeFileSync(join(STAGE, 'dist/native.json'), `${JSON.stringify({ node: process.versions.node, abi: process.versions.modules, platform: process.platform, arch: process.arch }, null, 2)}\n`);
log(`staged ${copied} packages`);

// 5) Manifest, README, icons, ignore file.
// The one package.json is both the library's manifest and the extension's: VS Code reads `main`
// (the extension bundle) and `contributes`; the library is reached through `exports`.
const { scripts: _rootScripts, devDependencies: _dev, bin: _bin, allowScripts: _allow, types: _types, exports: _exports, ...manifest } = rootPkg;
writeFileSync(join(STAGE, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
cpSync(join(ROOT, 'extension/README.md'), join(STAGE, 'README.md'));
cpSync(join(ROOT, 'extension/media'), join(STAGE, 'media'), { recursive: true });
if (existsSync(join(ROOT, 'LICENSE'))) cpSync(join(ROOT, 'LICENSE'), join(STAGE, 'LICENSE'));
cpSync(join(ROOT, '.vscodeignore'), join(STAGE, '.vscodeignore'));

// 6) vsce package.
const out = outArg >= 0 ? resolve(args[outArg + 1]) : join(ROOT, 'release', `${manifest.name}-${manifest.version}-${target}.vsix`);
const vsceArgs = ['package', '--no-dependencies', '--target', target, '--out', out, '--no-update-package-json', '--allow-missing-repository', '--no-rewrite-relative-links'];
if (!existsSync(join(STAGE, 'LICENSE'))) vsceArgs.push('--skip-license');
const local = [join(ROOT, 'node_modules/.bin/vsce'), join(homedir(), '.cache/sitq-vscode-tools/node_modules/.bin/vsce')].find((p) => existsSync(p));
const [cmd, cmdArgs] = local ? [local, vsceArgs] : ['npx', ['--yes', `@vscode/vsce@${VSCE_VERSION}`, ...vsceArgs]];
log(`${relative(ROOT, cmd) || cmd} ${cmdArgs.join(' ')}`);
const result = spawnSync(cmd, cmdArgs, { cwd: STAGE, stdio: ['ignore', 'inherit', 'inherit'] });
if (result.status !== 0) {
  log(`vsce failed (${result.error?.message ?? `exit ${result.status}`})`);
  process.exit(1);
}
console.log(out);

function copyTree(from, to, keep) {
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const rel = relative(from, path).split('\\').join('/');
      if (statSync(path).isDirectory()) walk(path);
      else if (keep(rel)) {
        mkdirSync(dirname(join(to, rel)), { recursive: true });
        cpSync(path, join(to, rel));
      }
    }
  };
  walk(from);
}

/** Copies each dependency and what it depends on (as Node would resolve it) into the stage. */
function copyDependencies(names) {
  const done = new Set();
  const visit = (name, fromDir) => {
    if (SKIP_PACKAGES.has(name)) return;
    const dir = resolvePackage(name, fromDir);
    if (!dir || done.has(dir)) return;
    done.add(dir);
    // Under dist/ (Node finds dist/node_modules from dist/shared and dist/extension): vsce's
    // --no-dependencies mode leaves out a top-level node_modules, and its npm mode would ask npm.
    const rel = join('dist', relative(ROOT, dir));
    const keep = KEEP[name] ?? ((r) => !DROP.test(r) || r === 'package.json');
    copyTree(dir, join(STAGE, rel), (r) => !r.startsWith('node_modules/') && keep(r));
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) visit(dep, dir);
  };
  for (const name of names) visit(name, ROOT);
  return done.size;
}

function resolvePackage(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === ROOT || dirname(dir) === dir) return undefined;
  }
}
