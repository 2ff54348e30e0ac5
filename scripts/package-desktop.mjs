// `npm run package:desktop`: this platform's installers of the desktop app with electron-builder
// (electron-builder.yml: AppImage and deb on Linux, dmg on macOS, NSIS on Windows) into release/.
// `npm run package:desktop` builds first; this script expects dist/ to be built.
//
// electron-builder downloads the Electron zip and, to rebuild better-sqlite3 for Electron's ABI
// (npmRebuild), Electron's headers. Both hosts are asked first (4 s each, in parallel): where one
// cannot be reached, the script stops with one line saying which and why, before touching
// anything. The rebuild happens in the project's own node_modules, so the Node build of
// better-sqlite3 is put back afterwards: the tests and the CLI keep working.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronArtifactURL, electronPackage, firstUnreachable } from '../desktop/downloads.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PLATFORM_FLAG = { linux: '--linux', darwin: '--mac', win32: '--win' }[process.platform];

function stop(message) {
  process.stderr.write(`sitq: package:desktop: ${message}\n`);
  process.exit(1);
}

if (!PLATFORM_FLAG) stop(`electron-builder makes no installers on ${process.platform}`);
const pkg = electronPackage();
if (pkg.reason) stop(pkg.reason);
const builderCli = join(ROOT, 'node_modules', 'electron-builder', 'cli.js');
if (!existsSync(builderCli)) stop('electron-builder is not installed (run npm install)');
for (const file of [
  ['dist', 'desktop', 'app', 'main.mjs'],
  ['dist', 'desktop', 'core', 'host', 'core-main.js'],
  ['dist', 'ui', 'index.html'],
]) {
  if (!existsSync(join(ROOT, ...file))) stop(`${file.join('/')} is missing: run npm run build first`);
}

const headers = `https://www.electronjs.org/headers/v${pkg.version}/node-v${pkg.version}-headers.tar.gz`;
const unreachable = await firstUnreachable([await electronArtifactURL(pkg), headers]);
if (unreachable) stop(`cannot download what electron-builder needs (the Electron ${pkg.version} zip and headers): ${unreachable}`);

const nativeBuild = join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
const saved = mkdtempSync(join(tmpdir(), 'sitq-package-'));
if (existsSync(nativeBuild)) copyFileSync(nativeBuild, join(saved, 'better_sqlite3.node'));
let status;
try {
  const r = spawnSync(process.execPath, [builderCli, PLATFORM_FLAG, '--config', join(ROOT, 'electron-builder.yml'), '--publish', 'never'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  status = r.status ?? 1;
} finally {
  // electron-builder rebuilt better-sqlite3 for Electron in place; put Node's build back.
  if (existsSync(join(saved, 'better_sqlite3.node'))) copyFileSync(join(saved, 'better_sqlite3.node'), nativeBuild);
  rmSync(saved, { recursive: true, force: true });
}
if (status !== 0) stop(`electron-builder failed (exit ${status}); its output is above`);
process.stdout.write(`sitq: package:desktop: installers in ${join(ROOT, 'release')}\n`);
