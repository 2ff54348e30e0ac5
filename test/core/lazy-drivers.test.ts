// Importing sitq loads no driver: a process loads pg, ioredis, nats or better-sqlite3 only when a
// backend of that kind connects (each is an optional peer dependency; see test/package for a
// project that has only pg).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const INDEX = fileURLToPath(new URL('../../shared/index.js', import.meta.url));

/** Runs `body` in a fresh Node after importing sitq; prints the driver packages loaded. */
function driversLoadedAfter(body: string): string[] {
  const script = `
    import { createRequire } from 'node:module';
    const sitq = await import(${JSON.stringify(INDEX)});
    ${body}
    const loaded = Object.keys(createRequire(import.meta.url).cache).map((p) => /node_modules\\/(pg|ioredis|nats|better-sqlite3)\\//.exec(p)?.[1]).filter(Boolean);
    console.log(JSON.stringify([...new Set(loaded)].sort()));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, SITQ_SQLITE_DRIVER: 'better-sqlite3' },
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as string[];
}

describe('lazy drivers', () => {
  it('importing sitq, and creating (not connecting) a backend of every kind, loads no driver', () => {
    assert.deepEqual(driversLoadedAfter(`for (const type of sitq.BACKEND_KINDS) sitq.createBackend({ type });`), []);
  });

  it('connecting a SQLite backend loads better-sqlite3 and nothing else', () => {
    assert.deepEqual(
      driversLoadedAfter(`const b = sitq.createBackend({ type: 'sqlite', path: ':memory:' }); await b.connect(); await b.close();`),
      ['better-sqlite3'],
    );
  });
});
