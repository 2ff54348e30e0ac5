// `npm run test:vscode-desktop`: the extension-host suite (test/vscode/suite) in desktop VS Code,
// run by @vscode/test-electron (test/vscode/electron.test.ts), which downloads VS Code into
// .vscode-test/ on first use. `npm run test:vscode-desktop` builds first.
//
// Where VS Code cannot be downloaded (no cached copy and update.code.visualstudio.com does not
// answer within 4 s) or there is no display, it says so in one line instead: exit 0 outside CI
// (the suite is skipped, as a test whose server is down is), 1 under CI=true.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unreachable } from '../desktop/downloads.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const UPDATE_API = 'https://update.code.visualstudio.com/api/releases/stable';
const IN_CI = process.env.CI === 'true';

function notRun(reason) {
  process.stderr.write(`sitq: test:vscode-desktop not run: ${reason}\n`);
  process.exit(IN_CI ? 1 : 0);
}

const cached = existsSync(join(ROOT, '.vscode-test')) && readdirSync(join(ROOT, '.vscode-test')).some((d) => d.startsWith('vscode-'));
if (!cached) {
  const reason = await unreachable(UPDATE_API);
  if (reason) notRun(`VS Code cannot be downloaded here (${reason})`);
}
if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
  notRun('no display for VS Code: DISPLAY and WAYLAND_DISPLAY are unset (run it under xvfb-run)');

const staged = spawnSync(process.execPath, [join(ROOT, 'scripts', 'package-extension.mjs')], { cwd: ROOT, stdio: 'inherit' });
if (staged.status !== 0) process.exit(staged.status ?? 1);
const run = spawnSync(process.execPath, ['--test', join(ROOT, 'dist', 'test', 'vscode', 'electron.test.js')], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, SITQ_VSCODE_ELECTRON: '1' },
});
process.exit(run.status ?? 1);
