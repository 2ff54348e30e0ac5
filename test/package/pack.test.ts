// What a library user gets: `npm pack`, installed into an empty project that has only `pg`, runs
// the README's library example against PostgreSQL; the other drivers are not installed, and a
// backend that needs one says which package to install.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { serverSkip } from '../helpers/servers.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const DIR = mkdtempSync(join(tmpdir(), 'sitq-pack-'));
after(() => rmSync(DIR, { recursive: true, force: true }));
const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });

/** The README's library example (its first ```ts block after "## The library"), types stripped. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## The library'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, 'README has a ```ts block under "## The library"');
  return transformSync(block, { loader: 'ts', format: 'esm' }).code;
}

describe('the npm package', { skip: await serverSkip('postgres') }, () => {
  it('installed with only pg, runs the README example against PostgreSQL; the other drivers are absent and named when needed', () => {
    const [packed] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', DIR], ROOT)) as {
      filename: string;
      entryCount: number;
      files: { path: string }[];
    }[];
    // The tools' code stays out: the kits, the peers they name (which import dev dependencies) and
    // the server machinery; only the kit loader ships.
    const toolFiles = packed.files.map((f) => f.path).filter((p) => /backends\/(\w+\/(kit|peer)|servers|postgres\/server)\./.test(p));
    assert.deepEqual(toolFiles, [], 'the package holds no kit, peer or server machinery');
    assert.ok(
      packed.files.some((f) => f.path === 'dist/shared/backends/kit.js'),
      'the kit loader ships',
    );
    const project = join(DIR, 'app');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    npm(['install', '--no-audit', '--no-fund', '--prefer-offline', join(DIR, packed.filename), 'pg'], project);
    for (const absent of ['better-sqlite3', 'ioredis', 'nats']) {
      assert.equal(existsSync(join(project, 'node_modules', absent)), false, `${absent} is not installed`);
      // Node looks for a package in every node_modules folder above the project too: one above
      // the temp folder (a /tmp/node_modules link, say) would hand the example a driver the
      // package must do without, and the check below would fail for a reason it cannot name.
      let foundAt: string | undefined;
      try {
        foundAt = createRequire(join(project, 'example.mjs')).resolve(absent);
      } catch {
        // not found: as it must be
      }
      assert.equal(
        foundAt,
        undefined,
        `${absent} is found outside the project, at ${foundAt}: remove the node_modules folder above ${DIR}`,
      );
    }

    const schema = `sitq_pack_${Date.now().toString(36)}`;
    const config = `{ type: 'postgres', host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres', schema: '${schema}' }`;
    const example = readmeExample().replace(/createBackend\(\{[^}]*\}\)/, `createBackend(${config})`);
    assert.match(example, new RegExp(schema), "the example's createBackend call was pointed at PostgreSQL");
    writeFileSync(
      join(project, 'example.mjs'),
      `${example}\nconsole.log('result', JSON.stringify(result?.value));\nawait backend.connect();\nawait backend.destroy();\nawait backend.close();\n` +
        `const { createBackend: make } = await import('sitq');\n` +
        `try { await make({ type: 'redis' }).connect(); console.log('redis connected?!'); } catch (e) { console.log('redis:', e.name, e.message); }\n`,
    );
    const run = spawnSync(process.execPath, ['example.mjs'], { cwd: project, encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /^200$/m, 'the example printed result.value.width');
    assert.match(run.stdout, /^result \{"url":"a\.png","width":200\}$/m);
    assert.match(
      run.stdout,
      /^redis: MissingDriverError the redis backend needs the npm package "ioredis", which is not installed: run npm install ioredis$/m,
    );
  });
});
