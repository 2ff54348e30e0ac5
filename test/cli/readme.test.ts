// The README's terminal blocks, run as written: every `npx sitq …` line of the block for the
// cloned folder and of the block for one's own project (the README says which lines are left out
// and why). Each must exit 0 (health --watch: stop gracefully on Ctrl-C).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { saveConfig } from '../../shared/config/save.js';
import { starterConfig } from '../../shared/config/presets.js';
import { IN_CI } from '../helpers/servers.js';
import { ROOT } from '../ui/build.js';

/** The `npx sitq` lines of each ```sh block of the README that shows `npx sitq init`. */
function readmeBlocks(): string[][] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => b.includes('npx sitq init'));
  return blocks.map((b) =>
    b
      .split('\n')
      .map((l) => l.replace(/\s+#.*$/, '').trim())
      .filter((l) => l.startsWith('npx sitq ')),
  );
}

interface LineResult {
  line: string;
  code: number | null;
  output: string;
}

/** Runs one README line with sh in `cwd`; `health --watch` gets Ctrl-C once it has checked. */
function runLine(line: string, cwd: string): Promise<LineResult> {
  const child = spawn('sh', ['-c', line], {
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let output = '';
  const watch = line.includes('--watch');
  const onData = (d: Buffer) => {
    output += d.toString();
    // The whole process group (sh, npm exec, sitq) gets it, as from a terminal.
    if (watch && / healthy /.test(output)) process.kill(-child.pid!, 'SIGINT');
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve) => {
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 300_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ line, code, output });
    });
  });
}

async function runBlock(lines: string[], cwd: string): Promise<LineResult[]> {
  const results: LineResult[] = [];
  for (const line of lines) {
    if (line.startsWith('npx sitq demo')) continue;
    const r = await runLine(line, cwd);
    if (line.includes('--watch')) {
      // Ctrl-C: sitq stops gracefully and prints its metrics; npm exec itself may then end by the
      // signal (sh reports no code), as it does in a terminal.
      assert.match(r.output, /PROFILE +CHECKS +ERRORS +SLOW +AVG +P95 +SCORE\nlocal +\d+ +0 /, `${line}\n${r.output}`);
      assert.ok(r.code === 0 || r.code === null || r.code === 130, `${line}: exit ${r.code}\n${r.output}`);
    } else assert.equal(r.code, 0, `${line}\n${r.output}`);
    results.push(r);
  }
  return results;
}

const work = mkdtempSync(join(tmpdir(), 'sitq-readme-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe("the README's terminal blocks", () => {
  const [cloned, ownProject] = readmeBlocks();

  it('shows both blocks, each with init, enqueue, worker and health', () => {
    for (const block of [cloned, ownProject]) {
      for (const cmd of ['init', 'enqueue', 'worker', 'health'])
        assert.ok(
          block?.some((l) => l.startsWith(`npx sitq ${cmd}`)),
          `${cmd} in ${block}`,
        );
    }
  });

  it('in the cloned folder, right after npm start wrote the config', { timeout: 900_000 }, async (t) => {
    // A clone after `npm install`: this checkout's files (as git lists them, uncommitted ones
    // included), its node_modules and its build (npm install's `prepare`). Its first `npx sitq`
    // links the folder into npm's npx cache, which runs `prepare` again: an incremental build.
    const listed = spawnSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' });
    if (listed.status !== 0) return t.skip(`not a git checkout: ${listed.stderr.trim()}`);
    const clone = join(work, 'clone');
    for (const file of listed.stdout.split('\0').filter(Boolean)) {
      if (!existsSync(join(ROOT, file))) continue; // deleted, not yet committed
      mkdirSync(dirname(join(clone, file)), { recursive: true });
      cpSync(join(ROOT, file), join(clone, file));
    }
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'));
    cpSync(join(ROOT, 'dist'), join(clone, 'dist'), { recursive: true, filter: (src) => !src.startsWith(join(ROOT, 'dist', 'test')) });
    await saveConfig(join(clone, 'sitq.config.json'), starterConfig()); // what npm start writes
    const results = await runBlock(cloned, clone);
    assert.match(results[0].output, /sitq\.config\.json already exists \(profiles: local\); left as it is/);
    assert.match(results.find((r) => r.line.includes('worker'))!.output, /stopped: 100 succeeded, 0 failed/);
  });

  it('in a fresh project that installed the packed package', { timeout: 600_000 }, async (t) => {
    const project = join(work, 'own');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-app', version: '1.0.0', private: true }));
    // `npm pack` as the README has it, without its build (dist/ is built already).
    const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--pack-destination', project, '--silent'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(pack.status, 0, pack.stderr);
    const tgz = pack.stdout.trim().split('\n').pop()!;
    // better-sqlite3's install script would download or compile its native module, which cannot
    // happen here: install without scripts, the same version as the project's, and its build.
    const sqlite = join(ROOT, 'node_modules', 'better-sqlite3');
    const version = (JSON.parse(readFileSync(join(sqlite, 'package.json'), 'utf8')) as { version: string }).version;
    const install = spawnSync(
      'npm',
      ['install', join(project, tgz), `better-sqlite3@${version}`, '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'],
      { cwd: project, encoding: 'utf8', timeout: 300_000 },
    );
    if (install.status !== 0) {
      const reason = `npm install of the packed tarball failed (is the npm registry reachable?): ${install.stderr.trim().split('\n').slice(-3).join(' ')}`;
      if (IN_CI) assert.fail(reason);
      return t.skip(reason);
    }
    cpSync(join(sqlite, 'build'), join(project, 'node_modules', 'better-sqlite3', 'build'), { recursive: true });
    const results = await runBlock(ownProject, project);
    assert.match(results[0].output, /Wrote .*sitq\.config\.json/);
    assert.match(results.find((r) => r.line.includes('worker'))!.output, /stopped: 100 succeeded, 0 failed/);
  });
});
