// The backends' kits (shared/backends/<kind>/kit.ts: what the fault tool, the profiler and the
// test runner know about a backend) load only when a tool asks for one: importing sitq resolves
// none of them, nor the server machinery they share; and a kit loads its peer library (BullMQ,
// graphile-worker: dev dependencies) only when the profiler asks for the peer.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BACKENDS = fileURLToPath(new URL('../../shared/backends/', import.meta.url));
const INDEX = fileURLToPath(new URL('../../shared/index.js', import.meta.url));
const DIR = mkdtempSync(join(tmpdir(), 'sitq-kits-test-'));
after(() => rmSync(DIR, { recursive: true, force: true }));

/** The peer libraries, dev dependencies that a library user does not have. */
const PEER_PACKAGES = ['bullmq', 'graphile-worker'];

// A module resolve hook that records every module of shared/backends it resolves, and the peer
// libraries by name, in the file SITQ_RESOLVED names. It appends synchronously: the hook runs on
// the loader's own thread, whose console output is forwarded to the process asynchronously and
// can be lost when the process exits first (a loaded machine made the peer lines go missing).
const HOOKS = join(DIR, 'hooks.mjs');
writeFileSync(
  HOOKS,
  `import { appendFileSync } from 'node:fs';
  export async function resolve(specifier, context, next) {
    const r = await next(specifier, context);
    const seen = (name) => appendFileSync(process.env.SITQ_RESOLVED, name + '\\n');
    if (r.url.startsWith(${JSON.stringify(pathToFileURL(BACKENDS).href)})) seen(r.url.slice(${pathToFileURL(BACKENDS).href.length}));
    if (${JSON.stringify(PEER_PACKAGES)}.includes(specifier)) seen(specifier);
    return r;
  }`,
);
const REGISTER = join(DIR, 'register.mjs');
writeFileSync(REGISTER, `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(HOOKS).href)});`);

let runs = 0;

/** What a fresh Node does while running `body` (after importing sitq, as `sitq`, and the registry,
 *  as `registry`): the modules under shared/backends and the peer libraries it resolves
 *  (`modules`), and the last line the script logs (`out`). */
function run(body: string): { modules: string[]; out: string } {
  const script = `const sitq = await import(${JSON.stringify(INDEX)});
    const registry = await import(${JSON.stringify(join(BACKENDS, 'index.js'))}); ${body}`;
  const resolved = join(DIR, `resolved-${++runs}.txt`);
  writeFileSync(resolved, '');
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(REGISTER).href, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, SITQ_RESOLVED: resolved },
  });
  assert.equal(r.status, 0, r.stderr);
  return {
    modules: readFileSync(resolved, 'utf8').split('\n').filter(Boolean),
    out: r.stdout.trim().split('\n').pop() ?? '',
  };
}

/** Kits, the server machinery, the peers and the peer libraries; the kit loader (kit.js) is not one. */
const toolModules = (modules: string[]) =>
  modules
    .filter((m) => /(^|\/)(kit|servers|server|peer)\.js$/.test(m) && m !== 'kit.js')
    .concat(modules.filter((m) => PEER_PACKAGES.includes(m)));

describe('backend kits', () => {
  it('importing sitq and creating a backend of every kind resolves no kit and no server machinery', () => {
    const { modules } = run(`for (const type of sitq.BACKEND_KINDS) sitq.createBackend({ type });`);
    assert.ok(modules.includes('postgres/registration.js'), `the hook saw the registry: ${modules.join(', ')}`);
    assert.deepEqual(toolModules(modules), [], 'only the kit loader (kit.js) may load with the library');
  });

  it("kitOf loads a backend's kit on request: the server backends have a server, SQLite has none", () => {
    const { modules, out } = run(`const out = {};
      for (const kind of ['sqlite', 'postgres', 'redis', 'nats', 'memory']) out[kind] = Object.keys(await registry.kitOf(kind)).sort();
      console.log(JSON.stringify(out));`);
    const kits = JSON.parse(out) as Record<string, string[]>;
    for (const kind of ['postgres', 'redis', 'nats']) assert.ok(kits[kind].includes('server'), `${kind}: ${kits[kind].join(', ')}`);
    assert.deepEqual(kits.sqlite, ['versionOptions']);
    assert.deepEqual(kits.memory, []);
    for (const kind of ['postgres', 'redis']) assert.ok(kits[kind].includes('peer'), `${kind} names a peer: ${kits[kind].join(', ')}`);
    assert.deepEqual(
      toolModules(modules).filter((m) => m.endsWith('peer.js') || PEER_PACKAGES.includes(m)),
      [],
      'loading a kit loads no peer library',
    );
  });

  it("a kit's peer() loads its peer library (the driver connects only in setup)", () => {
    const { modules, out } = run(`const names = [];
      for (const kind of ['redis', 'postgres']) names.push((await (await registry.kitOf(kind)).peer({}, 4)).peer);
      console.log(JSON.stringify(names));`);
    const names = JSON.parse(out) as string[];
    assert.match(names[0]!, /^BullMQ \d/);
    assert.match(names[1]!, /^graphile-worker \d/);
    for (const m of ['redis/peer.js', 'bullmq', 'postgres/peer.js', 'graphile-worker'])
      assert.ok(modules.includes(m), `${m} loaded: ${modules.join(', ')}`);
  });
});
