// Every installed package's `engines.node` (from package-lock.json) against the Node 20 the
// project promises: the production tree (what `npm install sitq` brings) must accept Node 20.0.0;
// the development tree must accept the running Node 20 except the Electron 45 tool chain, which
// declares Node >=22.12 — and each of those is shown to load and work on this Node anyway.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import semver from 'semver';
import { ROOT } from '../ui/build.js';

interface LockEntry {
  version?: string;
  dev?: boolean;
  engines?: { node?: string } | string[];
}

const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };

/** `name@version (engines)` of every package of the tree whose engines.node excludes `node`. */
function refusing(node: string, dev: boolean): string[] {
  const out: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    const range = path && !Array.isArray(entry.engines) ? entry.engines?.node : undefined;
    if (!range || !!entry.dev !== dev) continue;
    if (!semver.satisfies(node, range, { includePrerelease: true }))
      out.push(`${path.replace(/^.*node_modules\//, '')}@${entry.version} (${range})`);
  }
  return out.sort();
}

/** Declare Node >=22.12 (Electron 45, its downloader and electron-builder's native rebuild). */
const ELECTRON_TOOLCHAIN = ['@electron-internal/extract-zip', '@electron/get', '@electron/rebuild', 'electron', 'node-abi'];

describe('engines against Node 20', () => {
  it('the project says Node >=20, and every production dependency accepts Node 20.0.0', () => {
    assert.equal(manifest.engines.node, '>=20');
    assert.deepEqual(refusing('20.0.0', false), []);
  });

  it(
    'the development tree accepts this Node 20, except the Electron 45 tool chain',
    { skip: process.versions.node.split('.')[0] !== '20' && 'runs on Node 20' },
    () => {
      const refused = refusing(process.versions.node, true);
      assert.deepEqual(
        refused.map((r) => r.replace(/@[^@]+$/, '')),
        ELECTRON_TOOLCHAIN,
        refused.join('\n'),
      );
    },
  );

  it('the Electron 45 tool chain loads and works on this Node anyway (require(esm), Node 20.19+)', async () => {
    const req = createRequire(join(ROOT, 'package.json'));
    // electron's index.js would download the binary; its installer's downloader and types load.
    assert.equal(typeof ((await import('@electron/get')) as { downloadArtifact?: unknown }).downloadArtifact, 'function');
    assert.equal(typeof ((await import('@electron-internal/extract-zip')) as { extract?: unknown }).extract, 'function');
    assert.equal(typeof ((await import('@electron/rebuild')) as { rebuild?: unknown }).rebuild, 'function');
    const electronVersion = (req('electron/package.json') as { version: string }).version;
    const abi = (req('node-abi') as { getAbi(target: string, runtime: string): string }).getAbi(electronVersion, 'electron');
    assert.match(abi, /^\d+$/);
    assert.notEqual(abi, process.versions.modules, 'Electron needs its own better-sqlite3 build (what npmRebuild makes)');
  });
});
