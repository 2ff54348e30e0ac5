// The backends' kits (shared/backends/<kind>/kit.ts: what the fault tool, the profiler and the
// test runner know about a backend) load only when a tool asks for one: importing sitq resolves
// none of them, nor the server machinery they share.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BACKENDS = fileURLToPath(new URL('../../shared/backends/', import.meta.url));
const INDEX = fileURLToPath(new URL('../../shared/index.js', import.meta.url));
const DIR = mkdtempSync(join(tmpdir(), 'sitq-kits-test-'));
after(() => rmSync(DIR, { recursive: true, force: true }));

// A module resolve hook that prints every module of shared/backends it resolves.
const HOOKS = join(DIR, 'hooks.mjs');
writeFileSync(
  HOOKS,
  `export async function resolve(specifier, context, next) {
    const r = await next(specifier, context);
    if (r.url.startsWith(${JSON.stringify(pathToFileURL(BACKENDS).href)})) console.log('RESOLVED ' + r.url.slice(${pathToFileURL(BACKENDS).href.length}));
    return r;
  }`,
);
const REGISTER = join(DIR, 'register.mjs');
writeFileSync(REGISTER, `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(HOOKS).href)});`);

/** The modules under shared/backends a fresh Node resolves while running `body` (after importing sitq). */
function backendModulesAfter(body: string): string[] {
  const script = `const sitq = await import(${JSON.stringify(INDEX)}); ${body}`;
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(REGISTER).href, '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('RESOLVED '))
    .map((l) => l.slice('RESOLVED '.length));
}

describe('backend kits', () => {
  it('importing sitq and creating a backend of every kind resolves no kit and no server machinery', () => {
    const modules = backendModulesAfter(`for (const type of sitq.BACKEND_KINDS) sitq.createBackend({ type });`);
    assert.ok(modules.includes('postgres/registration.js'), `the hook saw the registry: ${modules.join(', ')}`);
    assert.deepEqual(
      modules.filter((m) => /(^|\/)(kit|servers|server)\.js$/.test(m) && m !== 'kit.js'),
      [],
      'only the kit loader (kit.js) may load with the library',
    );
  });

  it("kitOf loads a backend's kit on request: the server backends have a server, SQLite has none", () => {
    const script = `const { kitOf } = await import(${JSON.stringify(join(BACKENDS, 'index.js'))});
      const out = {};
      for (const kind of ['sqlite', 'postgres', 'redis', 'nats', 'memory']) out[kind] = Object.keys(await kitOf(kind)).sort();
      console.log(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const kits = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, string[]>;
    for (const kind of ['postgres', 'redis', 'nats']) assert.ok(kits[kind].includes('server'), `${kind}: ${kits[kind].join(', ')}`);
    assert.deepEqual(kits.sqlite, ['versionOptions']);
    assert.deepEqual(kits.memory, []);
  });
});
