// `npm start` (desktop/launch.mjs) as a process, where Electron cannot run: it must say why in one
// line and serve the browser dashboard within seconds — with no display, and when the Electron
// binary (Electron 45 downloads it on first use) cannot be downloaded: a host that does not
// resolve, and one that accepts the connection and never answers (the slow case).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ensureUiBuilt, ROOT } from '../ui/build.js';

/** The launcher's budget to reach the browser fallback (the probe itself gives up after 4 s). */
const FALLBACK_CEILING_MS = 15_000;
const URL_LINE = /^sitq: Electron cannot start \((.+)\); the dashboard is at (http:\/\/127\.0\.0\.1:\d+\/\S+\/)$/m;

interface Fallback {
  reason: string;
  url: string;
  ms: number;
  stdout: string;
  stderr: string;
}

const dir = mkdtempSync(join(tmpdir(), 'sitq-launch-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `npm start`'s script in a fresh folder until the fallback URL appears, then stops it. */
async function startUntilFallback(env: Record<string, string | undefined>): Promise<Fallback> {
  ensureUiBuilt();
  const cwd = mkdtempSync(join(dir, 'project-'));
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  const started = Date.now();
  const child = spawn(process.execPath, [join(ROOT, 'desktop', 'launch.mjs'), '--port', '0'], {
    cwd,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  try {
    const found = await new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no fallback URL within 60 s\nstdout: ${stdout}\nstderr: ${stderr}`)), 60_000);
      child.stdout.on('data', () => {
        const m = URL_LINE.exec(stdout);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
      });
      void exited.then((code) => reject(new Error(`launch.mjs exited (${code}) before the URL\nstdout: ${stdout}\nstderr: ${stderr}`)));
    });
    const ms = Date.now() - started;
    // The URL really serves the dashboard.
    const page = await fetch(found[2]);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    // The first start wrote the starter config next to where it was run.
    assert.match(readFileSync(join(cwd, 'sitq.config.json'), 'utf8'), /"sqlite"/);
    return { reason: found[1], url: found[2], ms, stdout, stderr };
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited, 0, `launch.mjs exits 0 on SIGTERM\nstderr: ${stderr}`);
  }
}

/** A TCP server that accepts connections and never answers: a download host that hangs. */
async function silentServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** A display, no Electron binary (an empty override folder) and an empty download cache. */
function noBinary(mirror: string): Record<string, string | undefined> {
  return {
    DISPLAY: ':99',
    ELECTRON_OVERRIDE_DIST_PATH: mkdtempSync(join(dir, 'no-electron-')),
    electron_config_cache: mkdtempSync(join(dir, 'cache-')),
    ELECTRON_MIRROR: mirror,
  };
}

describe('npm start where Electron cannot run', () => {
  it(
    'without a display: says so in one line and serves the browser dashboard',
    { skip: process.platform !== 'linux' && 'the display check is Linux-only', timeout: 90_000 },
    async () => {
      const r = await startUntilFallback({ DISPLAY: undefined, WAYLAND_DISPLAY: undefined });
      assert.equal(r.reason, 'no display: DISPLAY and WAYLAND_DISPLAY are unset');
      assert.ok(r.ms < FALLBACK_CEILING_MS, `fallback after ${r.ms} ms`);
      console.log(`# fallback without a display after ${r.ms} ms`);
      assert.equal(r.stderr.trim(), '', 'nothing on stderr');
    },
  );

  it('the binary is not downloaded and its host does not resolve: falls back, naming the download', { timeout: 90_000 }, async () => {
    const r = await startUntilFallback(noBinary('https://electron-mirror.invalid/'));
    assert.match(
      r.reason,
      /^the Electron \d+\.\d+\.\d+ binary is not downloaded and cannot be: electron-mirror\.invalid: (ENOTFOUND|EAI_AGAIN)/,
    );
    assert.ok(r.ms < FALLBACK_CEILING_MS, `fallback after ${r.ms} ms`);
    // One line: the installer's own stack trace is not passed on.
    assert.equal(r.stdout.split('\n').filter((l) => l.startsWith('sitq: Electron cannot start')).length, 1);
    assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at /);
    console.log(`# fallback with an unresolvable download host after ${r.ms} ms`);
  });

  it(
    'the download host accepts but never answers: falls back after the 4 s probe, not after a network timeout',
    { timeout: 90_000 },
    async () => {
      const server = await silentServer();
      try {
        const r = await startUntilFallback(noBinary(server.url));
        assert.match(
          r.reason,
          /^the Electron \d+\.\d+\.\d+ binary is not downloaded and cannot be: 127\.0\.0\.1:\d+ did not answer within 4 s$/,
        );
        assert.ok(r.ms >= 4000, `waited for the probe (${r.ms} ms)`);
        assert.ok(r.ms < FALLBACK_CEILING_MS, `fallback after ${r.ms} ms`);
        console.log(`# fallback with a silent download host after ${r.ms} ms`);
      } finally {
        await server.close();
      }
    },
  );
});
