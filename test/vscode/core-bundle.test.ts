// The core as it ships: the esbuild bundles of scripts/core-bundle.mjs (the .vsix's dist/core and
// the desktop app's dist/desktop/core, one build). The entries share chunks and each driver (pg,
// ioredis, nats) is a chunk the core loads on first use, so these check what the bundling can
// break: that the core starts without compiling any driver, and that each backend's driver chunk,
// its SQL or Lua files and the worker threads are found where the bundle put them.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CoreClient } from '../../shared/host/client.js';
import { forkNodeCore } from '../../shared/host/node-child.js';
import { ProtocolClient } from '../../shared/protocol/client.js';
import type { QueuesSnapshot } from '../../shared/protocol/models.js';
import { eventually } from '../conformance/harness.js';
import { serverSkip } from '../helpers/servers.js';
import { ROOT } from '../ui/build.js';

const BUNDLE = join(ROOT, 'dist', 'desktop', 'core');
const CORE_MAIN = join(BUNDLE, 'host', 'core-main.js');
/** The packages the core loads on first use (the drivers when a profile of theirs connects,
 *  prom-client at the first /metrics scrape), as each shows in a bundle: esbuild keeps a CommonJS
 *  module's path as its key. */
const DRIVERS = {
  pg: /node_modules\/pg\//,
  ioredis: /node_modules\/ioredis\//,
  nats: /node_modules\/nats\//,
  'prom-client': /node_modules\/prom-client\//,
};

/** The files a start of core-main.js loads: it and everything it imports statically, transitively. */
function staticGraph(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    // Minified static imports: `import{a,b}from"../chunks/x.js"` and `import"./y.js"` (not `import(`).
    for (const m of readFileSync(file, 'utf8').matchAll(/\bimport\s*(?:[\w{},*\s$]+from\s*)?"(\.{1,2}\/[^"]+)"/g))
      visit(join(dirname(file), m[1]!));
  };
  visit(entry);
  return [...seen];
}

describe(
  'the bundled core (what the .vsix and the desktop app ship)',
  { skip: existsSync(CORE_MAIN) ? false : `${CORE_MAIN} is not built` },
  () => {
    test('starting it compiles no driver: pg, ioredis, nats and prom-client are chunks loaded on first use', () => {
      const graph = staticGraph(CORE_MAIN);
      assert.ok(graph.length > 1, `core-main.js imports its shared chunks (${graph.length} files)`);
      for (const file of graph) {
        const text = readFileSync(file, 'utf8');
        for (const [driver, pattern] of Object.entries(DRIVERS))
          assert.doesNotMatch(text, pattern, `${relative(BUNDLE, file)}, which the core loads at start, holds ${driver}`);
      }
      // …and each driver is in the bundle, in a chunk outside that graph.
      const lazy = readdirSync(join(BUNDLE, 'chunks'))
        .map((name) => join(BUNDLE, 'chunks', name))
        .filter((file) => !graph.includes(file));
      for (const [driver, pattern] of Object.entries(DRIVERS))
        assert.ok(
          lazy.some((file) => pattern.test(readFileSync(file, 'utf8'))),
          `${driver} is in one of the chunks loaded on demand (${lazy.map((f) => relative(BUNDLE, f)).join(', ')})`,
        );
    });

    describe('runs each backend from its own driver chunk: a profile, 20 tasks worked off', () => {
      const dir = mkdtempSync(join(tmpdir(), 'sitq-core-bundle-'));
      const core = new CoreClient({
        fork: () => forkNodeCore({ command: process.execPath, main: CORE_MAIN, cwd: dir, env: { ...process.env } }),
        init: () => ({
          host: 'vscode',
          configPath: join(dir, 'sitq.config.json'),
          version: '0.0.0-test',
          secretStore: { label: 'test secrets', secure: true, writable: true },
          healthIntervalMs: 1000,
        }),
        log: () => undefined,
        secrets: { get: async () => undefined, set: async () => undefined, delete: async () => undefined },
      });
      let client: ProtocolClient;
      before(async () => {
        await core.start();
        client = new ProtocolClient(core.openSession());
        await eventually('the session to open', async () => client.state === 'open', 20_000);
      });
      after(async () => {
        client?.close();
        await core.stop();
        rmSync(dir, { recursive: true, force: true });
      });

      const queue = `bundle_${process.pid}_${Date.now()}`;
      const profiles = [
        { name: 'sqlite', kind: 'sqlite', server: undefined, options: { path: join(dir, 'q.db') } },
        {
          name: 'postgres',
          kind: 'postgres',
          server: 'postgres',
          options: { host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres' },
        },
        { name: 'redis', kind: 'redis', server: 'redis', options: { host: '127.0.0.1', port: 6379 } },
        { name: 'nats', kind: 'nats', server: 'nats', options: { servers: 'nats://127.0.0.1:4222' } },
      ] as const;
      for (const p of profiles) {
        test(p.kind, async (t) => {
          const skip = p.server ? await serverSkip(p.server) : false;
          if (skip) return t.skip(skip);
          await client.request('profiles.save', { draft: { name: p.name, kind: p.kind, options: p.options, secrets: {} } });
          const watcher = new ProtocolClient(core.openSession());
          try {
            await eventually('the watching session to open', async () => watcher.state === 'open', 20_000);
            let last: QueuesSnapshot | undefined;
            watcher.on('queues', (snap) => (last = snap));
            await watcher.request('watch.set', { profile: p.name });
            await client.request('tasks.enqueue', {
              profile: p.name,
              name: 'sitq.echo',
              payloadJson: '{"hi":1}',
              count: 20,
              queue,
              priority: 0,
              delayMs: 0,
              maxAttempts: 3,
            });
            const worker = await client.request('workers.start', { profile: p.name, queues: [queue], concurrency: 4 });
            try {
              await eventually(
                `20 tasks succeeded on ${p.kind}`,
                async () => last?.queues.find((q) => q.queue === queue)?.counts.succeeded === 20,
                60_000,
              );
            } finally {
              await client.request('workers.stop', { id: worker.id, force: true });
            }
          } finally {
            watcher.close();
          }
        });
      }
    });
  },
);
