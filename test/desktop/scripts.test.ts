// `npm run package:desktop` and `npm run test:vscode-desktop` as processes where what they
// download cannot be had: each stops within seconds with one line that says why, and packaging
// leaves the project's Node build of better-sqlite3 as it was.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../ui/build.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(script: string, env: Record<string, string | undefined>): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  const started = Date.now();
  const child = spawn(process.execPath, [join(ROOT, 'scripts', script)], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not exit within 60 s\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

const sqliteNode = join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
const digest = () => createHash('sha256').update(readFileSync(sqliteNode)).digest('hex');

describe('desktop scripts where their downloads are impossible', () => {
  it('package:desktop stops with one line naming the download it cannot make', { timeout: 90_000 }, async () => {
    const before = digest();
    const r = await run('package-desktop.mjs', { ELECTRON_MIRROR: 'https://electron-mirror.invalid/' });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0],
      /^sitq: package:desktop: cannot download what electron-builder needs \(the Electron \d+\.\d+\.\d+ zip and headers\): electron-mirror\.invalid: (ENOTFOUND|EAI_AGAIN)$/,
    );
    assert.ok(r.ms < 15_000, `stopped after ${r.ms} ms`);
    assert.equal(digest(), before, 'better-sqlite3 is untouched');
  });

  it('test:vscode-desktop says in one line why it does not run (exit 0, or 1 under CI=true)', { timeout: 90_000 }, async (t) => {
    const { unreachable } = (await import(join(ROOT, 'desktop', 'downloads.mjs'))) as { unreachable(url: string): Promise<string | null> };
    const reason = await unreachable('https://update.code.visualstudio.com/api/releases/stable');
    if (!reason) return t.skip('VS Code can be downloaded here: npm run test:vscode-desktop runs the suite');
    const outside = await run('test-vscode-desktop.mjs', { CI: undefined });
    assert.equal(outside.code, 0, outside.stderr);
    assert.equal(outside.stderr, `sitq: test:vscode-desktop not run: VS Code cannot be downloaded here (${reason})\n`);
    assert.ok(outside.ms < 15_000, `answered after ${outside.ms} ms`);
    const inCi = await run('test-vscode-desktop.mjs', { CI: 'true' });
    assert.equal(inCi.code, 1);
    assert.match(inCi.stderr, /^sitq: test:vscode-desktop not run: VS Code cannot be downloaded here/);
  });
});
