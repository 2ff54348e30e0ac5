// The .vsix as `npm run package:vscode` builds it, without starting VS Code: one package for every
// platform (no target, no node_modules, no native build), the core bundled without zod's locales or
// CLI-only libraries, and the bundled core — copied away from this checkout, so nothing can come
// from its node_modules — starting in VS Code's runtime (code-server's Node 24, ELECTRON_RUN_AS_NODE)
// and working a SQLite queue on node:sqlite. The end-to-end test then uses the same package in
// code-server.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { CoreClient } from '../../shared/host/client.js';
import { forkNodeCore } from '../../shared/host/node-child.js';
import { ProtocolClient } from '../../shared/protocol/client.js';
import { codeServerDir } from './code-server.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const STAGE = join(ROOT, 'release', 'vscode');
const NODE_24 = join(codeServerDir(), 'node_modules', 'node', 'bin', 'node');
const DIR = mkdtempSync(join(tmpdir(), 'sitq-vsix-'));
after(() => rmSync(DIR, { recursive: true, force: true }));

/** One entry of a zip file, as text (local file headers: stored or deflated). */
function zipEntry(zip: Buffer, name: string): string {
  for (let at = 0; at + 30 <= zip.length && zip.readUInt32LE(at) === 0x04034b50;) {
    const method = zip.readUInt16LE(at + 8);
    const size = zip.readUInt32LE(at + 18);
    const nameLength = zip.readUInt16LE(at + 26);
    const extraLength = zip.readUInt16LE(at + 28);
    const start = at + 30 + nameLength + extraLength;
    if (zip.toString('utf8', at + 30, at + 30 + nameLength) === name) {
      const data = zip.subarray(start, start + size);
      return (method === 8 ? inflateRawSync(data) : data).toString('utf8');
    }
    at = start + size;
  }
  throw new Error(`${name} is not in the package`);
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [relative(STAGE, path).split('\\').join('/')];
  });
}

describe('the packaged .vsix', () => {
  let vsix: string;
  before(() => {
    vsix = join(DIR, 'sitq.vsix');
    execFileSync(process.execPath, [join(ROOT, 'scripts/package-extension.mjs'), '--out', vsix], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  });

  it('is one package for every platform: no target, no node_modules, no native module', (t) => {
    const staged = files(STAGE);
    t.diagnostic(`${staged.length} files staged, .vsix ${(statSync(vsix).size / 1e6).toFixed(2)} MB`);
    assert.deepEqual(
      staged.filter((f) => f.includes('node_modules/') || f.endsWith('.node')),
      [],
    );
    assert.equal(existsSync(join(STAGE, 'dist', 'core', 'host', 'core-main.js')), true);
    const manifest = JSON.parse(readFileSync(join(STAGE, 'package.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(manifest.dependencies, undefined, 'the bundles carry their dependencies');
    const vsixManifest = zipEntry(readFileSync(vsix), 'extension.vsixmanifest');
    assert.match(vsixManifest, /<Identity [^>]*Id="sitq"/);
    assert.doesNotMatch(vsixManifest, /TargetPlatform/, 'no --target: the same .vsix installs on every platform');
  });

  it('bundles the core without zod locales, CLI-only libraries or a static better-sqlite3 import', () => {
    const inputs = Object.keys(JSON.parse(readFileSync(join(ROOT, 'release', 'core-inputs.json'), 'utf8')) as Record<string, number>);
    assert.deepEqual(
      inputs.filter((i) => /zod\/.*locales\/(?!en\.js)/.test(i)),
      [],
      "only zod's English messages",
    );
    for (const cliOnly of ['commander', 'cli-progress', 'picocolors', 'node_modules/ws/', 'better-sqlite3']) {
      assert.deepEqual(
        inputs.filter((i) => i.includes(cliOnly)),
        [],
        `${cliOnly} is not in the core`,
      );
    }
    for (const bundle of files(join(STAGE, 'dist', 'core')).filter((f) => f.endsWith('.js'))) {
      const source = readFileSync(join(STAGE, bundle), 'utf8');
      const imported = [...source.matchAll(/(?<!["'\w.$])(?:from|import\s*\(?)\s*["']([^"'./][^"']*)["']/g)]
        .map((m) => m[1])
        .filter((s) => !s.startsWith('node:'));
      assert.deepEqual(imported, [], `${bundle} imports only Node's own modules`);
    }
  });

  it(
    "with a Node 20 of the user's (sitq.nodePath) its core takes better-sqlite3 from the workspace's node_modules",
    { timeout: 60_000 },
    async () => {
      // As extension.ts starts it for a sitq.nodePath Node: NODE_PATH is the workspace's node_modules
      // (here this checkout's, whose better-sqlite3 is built for this Node 20).
      const installed = join(DIR, 'extension-node20');
      cpSync(STAGE, installed, { recursive: true });
      const core = new CoreClient({
        fork: () =>
          forkNodeCore({
            command: process.execPath,
            main: join(installed, 'dist', 'core', 'host', 'core-main.js'),
            cwd: DIR,
            env: { ...process.env, ELECTRON_RUN_AS_NODE: undefined, NODE_PATH: join(ROOT, 'node_modules') },
          }),
        init: () => ({
          host: 'vscode',
          configPath: join(DIR, 'sitq20.config.json'),
          version: '0.0.0-test',
          secretStore: { label: 'test', secure: true, writable: true },
        }),
        secrets: { get: async () => undefined, set: async () => undefined, delete: async () => undefined },
        log: () => {},
      });
      try {
        const info = await core.start();
        assert.equal(info.node, process.version);
        assert.equal(info.sqlite.ok, true, info.sqlite.error);
        assert.match(info.sqlite.source ?? '', /^better-sqlite3/);
      } finally {
        await core.stop();
      }
    },
  );

  const node24Missing = existsSync(NODE_24)
    ? false
    : `code-server's Node 24 is not installed at ${NODE_24} (bash scripts/install-code-server.sh)`;
  it(
    "its core starts in VS Code's runtime away from this checkout and works a SQLite queue on node:sqlite",
    { skip: node24Missing, timeout: 120_000 },
    async () => {
      const installed = join(DIR, 'extension');
      cpSync(STAGE, installed, { recursive: true });
      const core = new CoreClient({
        fork: () =>
          forkNodeCore({
            command: NODE_24,
            main: join(installed, 'dist', 'core', 'host', 'core-main.js'),
            cwd: DIR,
            env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
          }),
        init: () => ({
          host: 'vscode',
          configPath: join(DIR, 'sitq.config.json'),
          benchDir: join(DIR, 'bench'),
          version: '0.0.0-test',
          secretStore: { label: 'test', secure: true, writable: true },
        }),
        secrets: { get: async () => undefined, set: async () => undefined, delete: async () => undefined },
        log: () => {},
      });
      try {
        const info = await core.start();
        assert.equal(info.sqlite.ok, true, info.sqlite.error);
        assert.match(info.sqlite.source ?? '', /^node:sqlite/);
        const client = new ProtocolClient(core.openSession());
        for (const end = Date.now() + 10_000; client.state !== 'open';) {
          assert.ok(Date.now() < end, 'the session opens');
          await new Promise((r) => setTimeout(r, 25));
        }
        await client.request('profiles.save', {
          draft: { name: 'local', kind: 'sqlite', options: { path: join(DIR, 'q.db') }, secrets: {} },
        });
        await client.request('tasks.enqueue', {
          profile: 'local',
          name: 'sitq.echo',
          payloadJson: '{}',
          count: 20,
          queue: 'default',
          priority: 0,
          delayMs: 0,
          maxAttempts: 3,
        });
        // The worker runs on the bundled worker thread, its SQLite connection on node:sqlite too.
        const worker = await client.request('workers.start', { profile: 'local', queues: ['default'], concurrency: 4 });
        let done = 0;
        for (const end = Date.now() + 60_000; done < 20 && Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
          done =
            (await client.request('queues.snapshot', { profile: 'local' })).queues.find((q) => q.queue === 'default')?.counts.succeeded ??
            0;
        }
        assert.equal(done, 20);
        await client.request('workers.stop', { id: worker.id, force: false });
        client.close();
      } finally {
        await core.stop();
      }
    },
  );
});
