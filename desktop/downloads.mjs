// What the desktop tooling downloads at run time, and a quick answer to "can it be downloaded
// here?" so `npm start`, `npm run package:desktop` and `npm run test:vscode-desktop` can say in one
// line why not, within seconds, instead of hanging on a network that drops packets.
// Plain JavaScript: launch.mjs runs before (and without) the TypeScript build.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

/** How long a download host gets to answer before it counts as unreachable. */
export const REACH_TIMEOUT_MS = 4000;

/**
 * Resolves to `null` when `url` answers a HEAD request (following redirects) with a success
 * within `timeoutMs`, else to the reason: DNS failure, refused, no answer in time, or an HTTP
 * error such as 404. Uses Node's fetch, as @electron/get and @vscode/test-electron do.
 */
export async function unreachable(url, timeoutMs = REACH_TIMEOUT_MS) {
  try {
    const res = await fetch(url, { method: 'HEAD', redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
    return res.ok ? null : `${url} answered HTTP ${res.status}`;
  } catch (err) {
    const host = new URL(url).host;
    if (err?.name === 'TimeoutError') return `${host} did not answer within ${timeoutMs / 1000} s`;
    const cause = err?.cause;
    return `${host}: ${cause?.code ?? cause?.message ?? err?.message ?? String(err)}`;
  }
}

/** The first reason any of `urls` cannot be fetched (checked in parallel), or null. */
export async function firstUnreachable(urls, timeoutMs = REACH_TIMEOUT_MS) {
  const reasons = await Promise.all(urls.map((u) => unreachable(u, timeoutMs)));
  return reasons.find((r) => r !== null) ?? null;
}

/** The installed `electron` package: its folder and version, or why there is none. */
export function electronPackage() {
  try {
    const pkgFile = require.resolve('electron/package.json');
    return { dir: dirname(pkgFile), version: JSON.parse(readFileSync(pkgFile, 'utf8')).version };
  } catch {
    return { reason: 'the electron package is not installed (run npm install)' };
  }
}

/**
 * The Electron binary when it is already downloaded, else undefined. Mirrors electron's own
 * index.js (path.txt names the executable under dist/), without its download-on-require.
 */
export function installedElectron(pkg) {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const pathFile = join(pkg.dir, 'path.txt');
  const executable = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  if (override) {
    const path = join(override, executable || 'electron');
    return existsSync(path) ? path : undefined;
  }
  if (!executable) return undefined;
  const path = join(pkg.dir, 'dist', executable);
  return existsSync(path) ? path : undefined;
}

/**
 * The URL @electron/get downloads this platform's Electron zip from, computed by its own code
 * (it honours ELECTRON_MIRROR, ELECTRON_CUSTOM_DIR and the npm_config_electron_* variables).
 */
export async function electronArtifactURL(pkg) {
  const getIndex = createRequire(join(pkg.dir, 'package.json')).resolve('@electron/get');
  const { getArtifactRemoteURL } = await import(pathToFileURL(join(dirname(getIndex), 'artifact-utils.js')).href);
  const platform = process.env.ELECTRON_INSTALL_PLATFORM ?? process.env.npm_config_platform ?? process.platform;
  const arch = process.env.ELECTRON_INSTALL_ARCH ?? process.env.npm_config_arch ?? process.arch;
  return getArtifactRemoteURL({ version: `v${pkg.version}`, artifactName: 'electron', platform, arch });
}

/**
 * Downloads the Electron binary with the package's own installer (node_modules/electron/install.js,
 * which uses @electron/get and its cache). Resolves to the binary's path, or to `{ reason }` when
 * the download cannot happen: the mirror is unreachable (known within REACH_TIMEOUT_MS; a cached
 * zip still installs) or the installer fails. `onDownloading` is called once the mirror answers.
 */
export async function downloadElectron(pkg, onDownloading = () => {}) {
  const url = await electronArtifactURL(pkg);
  const child = spawn(process.execPath, [join(pkg.dir, 'install.js')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  const reach = await Promise.race([unreachable(url).then((reason) => ({ reason })), exited.then((code) => ({ code }))]);
  let code;
  if ('code' in reach) code = reach.code;
  else if (reach.reason) {
    // Unreachable: an installer working from its cache has had the probe's time and gets one
    // second more (a cut-off extraction is redone on the next start); one waiting on the network
    // is stopped.
    const timer = setTimeout(() => child.kill('SIGKILL'), 1000);
    code = await exited;
    clearTimeout(timer);
    if (code !== 0) return { reason: `the Electron ${pkg.version} binary is not downloaded and cannot be: ${reach.reason}` };
  } else {
    onDownloading(new URL(url).host);
    code = await exited;
  }
  const path = installedElectron(pkg);
  if (code === 0 && path) return { path };
  const last =
    output
      .trim()
      .split('\n')
      .find((l) => /Error|error:/.test(l)) ??
    output.trim().split('\n').pop() ??
    '';
  return { reason: `downloading the Electron ${pkg.version} binary failed (exit ${code})${last ? `: ${last.trim().slice(0, 160)}` : ''}` };
}
