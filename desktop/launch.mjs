#!/usr/bin/env node
// `npm start`: the desktop app when Electron can run here; otherwise one line saying why, and the
// browser dashboard instead (its URL printed). `--browser` skips Electron; `--config FILE` and
// `--port N` pass through. Run `npm run build` first (this builds the UI bundle if it is missing).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { downloadElectron, electronPackage, installedElectron } from './downloads.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (...p) => join(root, 'dist', ...p);
const { values } = parseArgs({
  options: { browser: { type: 'boolean' }, config: { type: 'string', short: 'c' }, port: { type: 'string', short: 'p' } },
});

function fail(message) {
  process.stderr.write(`sitq: ${message}\n`);
  process.exit(1);
}

if (!existsSync(dist('shared', 'dashboard', 'index.js'))) fail('nothing is built yet; run `npm run build` first');
if (!existsSync(dist('ui', 'index.html')) || !existsSync(dist('desktop', 'app', 'main.mjs'))) {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build-ui.mjs')], { stdio: 'inherit' });
  if (r.status !== 0) fail('building the UI failed (node scripts/build-ui.mjs)');
}

const { resolveConfigPath } = await import(pathToFileURL(dist('shared', 'dashboard', 'index.js')).href);
const configPath = resolveConfigPath(values.config);
if (!values.config && !existsSync(configPath)) {
  // First start: the embedded SQLite default, as `sitq init` writes it, so the app opens on a
  // working queue rather than an empty list.
  const { saveConfig, starterConfig } = await import(pathToFileURL(dist('shared', 'config', 'index.js')).href);
  await saveConfig(configPath, starterConfig());
  process.stdout.write(`sitq: wrote ${configPath} with a local SQLite profile (edit it, or add profiles in the app)\n`);
}

/**
 * The Electron binary, or why there is none usable. Electron 45's package has no install script:
 * the binary is downloaded on first use, here, with a bounded wait when the network cannot reach
 * the download host (see downloads.mjs).
 */
async function findElectron() {
  if (values.browser) return { reason: '--browser was given' };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
    return { reason: 'no display: DISPLAY and WAYLAND_DISPLAY are unset' };
  const pkg = electronPackage();
  if (pkg.reason) return pkg;
  const path = installedElectron(pkg);
  if (path) return { path };
  return downloadElectron(pkg, (host) =>
    process.stdout.write(`sitq: downloading Electron ${pkg.version} from ${host} (once, about 100 MB)…\n`),
  );
}

async function browserDashboard(reason) {
  const { startDashboard } = await import(pathToFileURL(dist('shared', 'dashboard', 'index.js')).href);
  const port = values.port === undefined ? 0 : Number(values.port);
  const dashboard = await startDashboard({ port, config: configPath });
  process.stdout.write(`sitq: Electron cannot start (${reason}); the dashboard is at ${dashboard.url}\n`);
  const stop = () => void dashboard.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

const electron = await findElectron();
if (!electron.path) {
  await browserDashboard(electron.reason);
} else {
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  const started = Date.now();
  const child = spawn(electron.path, [dist('desktop', 'app', 'main.mjs'), `--config=${configPath}`], {
    stdio: ['ignore', 'inherit', 'pipe'],
    env,
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
    process.stderr.write(d);
  });
  child.on('error', (err) => void browserDashboard(`could not run ${electron.path}: ${err.message}`));
  child.on('exit', (code, signal) => {
    // A crash in the first seconds means Electron cannot run here (libraries, sandbox, GPU): fall back.
    if (code !== 0 && Date.now() - started < 10_000) {
      const last = stderr.trim().split('\n').pop() ?? '';
      void browserDashboard(`it exited with ${signal ?? `code ${code}`}${last ? `: ${last.slice(0, 160)}` : ''}`);
    } else process.exit(code ?? 0);
  });
}
