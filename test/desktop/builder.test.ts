// electron-builder.yml checked by the installed electron-builder itself: loaded and validated by
// app-builder-lib's own getConfig/validateConfiguration (its scheme.json), and its `files` and
// `asarUnpack` patterns run through electron-builder's own file matcher over this checkout, to
// show the app it would pack: what main.mjs and the core load is in it, every import inside it
// resolves to a packed file or a module electron-builder's own npm collector takes (`npm list
// --omit dev`), and tests, maps and sources are not. Then that app — the packed files and the
// collected node_modules, copied out of this checkout — has its core started under Node, and the
// core opens a PostgreSQL, a Redis and a NATS profile (the main servers, fresh namespaces): the
// drivers are optional peer dependencies of the library, so they must be inside the core's bundle.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreClient } from '../../shared/host/client.js';
import { forkNodeCore } from '../../shared/host/node-child.js';
import { ProtocolClient } from '../../shared/protocol/client.js';
import { serverSkip, SERVERS } from '../helpers/servers.js';
import { ensureUiBuilt, ROOT } from '../ui/build.js';
import { packageFile, toolSkip } from './tooling.js';

const skip = toolSkip(packageFile('app-builder-lib', 'out/util/config/config.js')) || toolSkip(packageFile('builder-util', 'out/fs.js'));

interface BuilderConfig {
  appId: string;
  icon: string;
  extraMetadata: { main: string };
  electronFuses: Record<string, boolean>;
  directories: { output: string; buildResources: string };
  linux: { target: string[] };
  mac: { target: string };
  win: { target: string };
  asar: boolean;
  npmRebuild: boolean;
}
interface DebugLogger {
  isEnabled: boolean;
  add(key: string, value: unknown): void;
}
interface Matcher {
  patterns: string[];
  createFilter(): (file: string, stat: Stats) => boolean;
}
interface AppBuilderLib {
  getConfig(projectDir: string, configPath: string): Promise<BuilderConfig>;
  validateConfiguration(config: unknown, logger: DebugLogger): Promise<void>;
  getMainFileMatchers(
    appDir: string,
    destination: string,
    macro: (s: string) => string,
    platformOptions: object,
    packager: object,
    outDir: string,
    isElectronCompile: boolean,
  ): Matcher[];
  getFileMatchers(config: BuilderConfig, name: 'asarUnpack', destination: string, options: object): Matcher[] | null;
  walk(dir: string, filter: (file: string, stat: Stats) => boolean, consumer: { consume(): void }): Promise<string[]>;
}
/** A module electron-builder's collector puts in the app's node_modules (its own nested ones inside). */
interface NodeModuleInfo {
  name: string;
  dir: string;
  dependencies?: NodeModuleInfo[];
}
interface Collector {
  getNodeModules(options: { packageName: string }): Promise<{ nodeModules: NodeModuleInfo[] }>;
}

function loadBuilder(): AppBuilderLib {
  const req = createRequire(join(ROOT, 'package.json'));
  const config = req('app-builder-lib/out/util/config/config.js') as Pick<AppBuilderLib, 'getConfig' | 'validateConfiguration'>;
  const matchers = req('app-builder-lib/out/fileMatcher.js') as Pick<AppBuilderLib, 'getMainFileMatchers' | 'getFileMatchers'>;
  const fs = req('builder-util/out/fs.js') as Pick<AppBuilderLib, 'walk'>;
  return { ...config, ...matchers, ...fs };
}

/** What electron-builder's npm collector (`npm list -a --omit dev --json`) would put in the app. */
async function collectProductionModules(): Promise<NodeModuleInfo[]> {
  const req = createRequire(join(ROOT, 'package.json'));
  const { NpmNodeModulesCollector } = req('app-builder-lib/out/node-module-collector/npmNodeModulesCollector.js') as {
    NpmNodeModulesCollector: new (root: string, tmp: unknown) => Collector;
  };
  const { TmpDir } = req('temp-file') as { TmpDir: new (name: string) => { cleanup(): Promise<void> } };
  const tmp = new TmpDir('sitq-builder-test');
  try {
    const name = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string }).name;
    return (await new NpmNodeModulesCollector(ROOT, tmp).getNodeModules({ packageName: name })).nodeModules;
  } finally {
    await tmp.cleanup();
  }
}

const quiet: DebugLogger = { isEnabled: false, add() {} };
let builder: AppBuilderLib;
let config: BuilderConfig;
/** Files of this checkout electron-builder would pack into the app (relative, '/'-separated). */
let packed: Set<string>;
/** The modules its collector would put in the app's node_modules. */
let modules: NodeModuleInfo[];
/** Where main.mjs forks the core from, relative to the checkout. */
let coreMain: string;

describe('electron-builder.yml, by the installed electron-builder', { skip }, () => {
  before(async () => {
    ensureUiBuilt();
    builder = loadBuilder();
    config = await builder.getConfig(ROOT, join(ROOT, 'electron-builder.yml'));
    const info = {
      projectDir: ROOT,
      buildResourcesDir: join(ROOT, config.directories.buildResources),
      config,
      isPrepackedAppAsar: false,
      debugLogger: quiet,
    };
    const [main] = builder.getMainFileMatchers(ROOT, '/app', (s) => s, {}, { info }, join(ROOT, config.directories.output), false);
    const files = await builder.walk(ROOT, main.createFilter(), { consume() {} });
    packed = new Set(files.map((f) => relative(ROOT, f).split(sep).join('/')));
    modules = await collectProductionModules();
    const mainFile = join(ROOT, config.extraMetadata.main);
    const forked = /here\("(\.\.\/core[^"]*)"\)/.exec(readFileSync(mainFile, 'utf8'))?.[1];
    assert.ok(forked, 'main.mjs names the core it forks');
    coreMain = relative(ROOT, resolve(dirname(mainFile), forked))
      .split(sep)
      .join('/');
  });

  it("is valid against electron-builder's schema, which really refuses mistakes", async () => {
    await builder.validateConfiguration(config, quiet);
    await assert.rejects(builder.validateConfiguration({ ...config, appID: 'x' }, quiet), /does not match the API schema/);
    await assert.rejects(
      builder.validateConfiguration({ ...config, electronFuses: { runAsNode: 'no' } }, quiet),
      /does not match the API schema/,
    );
  });

  it('has the targets, fuses and native rebuild of the issue', () => {
    assert.match(config.appId, /^[a-z]+(\.[a-z0-9-]+)+$/);
    assert.deepEqual(config.linux.target, ['AppImage', 'deb']);
    assert.equal(config.mac.target, 'dmg');
    assert.equal(config.win.target, 'nsis');
    assert.equal(config.electronFuses.runAsNode, false);
    assert.equal(config.electronFuses.onlyLoadAppFromAsar, true);
    assert.equal(config.asar, true);
    assert.equal(config.npmRebuild, true);
    assert.match(readFileSync(join(ROOT, config.icon)).subarray(0, 8).toString('latin1'), /PNG/);
  });

  it('packs the Electron entry, the preload, the core and the UI — and no tests, maps, sources or tooling', () => {
    for (const file of [
      config.extraMetadata.main,
      'dist/desktop/app/preload.cjs',
      coreMain,
      'dist/desktop/core/service/worker-thread.js',
      'dist/desktop/core/backends/postgres/migrations/001_tasks.sql',
      'dist/ui/index.html',
      'dist/ui/app.js',
      'dist/ui/icon.png',
      'package.json',
    ]) {
      assert.ok(packed.has(file), `${file} is packed`);
    }
    const unwanted = [...packed].filter(
      (f) =>
        /^dist\/(test|bench)\/|\.map$|\.d\.ts$|\.ts$|^node_modules\/|^release\/|^media\/|electron-builder\.yml/.test(f) ||
        !(f === 'package.json' || f.startsWith('dist/')),
    );
    assert.deepEqual(unwanted, []);
  });

  it('every import inside the packed app resolves to a packed file, a Node built-in, electron, or a module electron-builder collects', () => {
    const collected = new Set<string>();
    const add = (list: NodeModuleInfo[]) => list.forEach((m) => (collected.add(m.name), add(m.dependencies ?? [])));
    add(modules);
    // The core's two externals: better-sqlite3 only where the runtime has no node:sqlite (Electron
    // 45's has it), pg-native only if pg is asked for its native client (sitq never does).
    const pkg = { dependencies: Object.fromEntries([...collected, 'better-sqlite3', 'pg-native'].map((n) => [n, true])) };
    const builtins = new Set(builtinModules);
    const specifier =
      /(?:^|[\s;})])(?:import|export)\s*(?:[^'"`;]*?\sfrom\s*)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;
    const problems: string[] = [];
    let checked = 0;
    for (const file of packed) {
      if (!/\.(js|mjs|cjs)$/.test(file) || file.startsWith('dist/ui/')) continue;
      for (const m of readFileSync(join(ROOT, file), 'utf8').matchAll(specifier)) {
        const spec = m[1] ?? m[2] ?? m[3];
        checked++;
        if (spec.startsWith('.')) {
          const target = relative(ROOT, resolve(dirname(join(ROOT, file)), spec))
            .split(sep)
            .join('/');
          if (!packed.has(target)) problems.push(`${file} imports ${spec}: ${target} is not packed`);
        } else if (!(
          spec.startsWith('node:') ||
          builtins.has(spec) ||
          spec === 'electron' ||
          spec.split('/')[0] in pkg.dependencies ||
          spec.split('/').slice(0, 2).join('/') in pkg.dependencies
        )) {
          problems.push(`${file} imports ${spec}: not a dependency (electron-builder packs only "dependencies")`);
        }
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(checked > 10, `${checked} imports checked`);
    // What main.mjs loads by path at run time.
    for (const rel of ['../../ui/', '../core/host/core-main.js', './preload.cjs'])
      assert.ok(readFileSync(join(ROOT, config.extraMetadata.main), 'utf8').includes(`here("${rel}")`), `main.mjs loads ${rel}`);
  });

  it("keeps better-sqlite3's native module outside the asar (asarUnpack)", () => {
    const [unpack] =
      builder.getFileMatchers(config, 'asarUnpack', '/app', {
        macroExpander: (s: string) => s,
        customBuildOptions: {},
        globalOutDir: join(ROOT, config.directories.output),
        defaultSrc: ROOT,
      }) ?? [];
    assert.ok(unpack, 'asarUnpack is set');
    const filter = unpack.createFilter();
    const native = createRequire(join(ROOT, 'package.json')).resolve('better-sqlite3/build/Release/better_sqlite3.node');
    assert.ok(existsSync(native));
    assert.equal(filter(native, statSync(native)), true);
    assert.equal(filter(join(ROOT, coreMain), statSync(join(ROOT, coreMain))), false);
  });

  const down = Promise.all((['postgres', 'redis', 'nats'] as const).map((s) => serverSkip(s))).then((r) => r.find((m) => m) ?? false);
  it(
    'its packed core, copied out of this checkout with only the collected node_modules, opens PostgreSQL, Redis and NATS',
    { timeout: 120_000 },
    async (t) => {
      const skipped = await down;
      if (skipped) return t.skip(skipped);
      const app = mkdtempSync(join(tmpdir(), 'sitq-packed-app-'));
      after(() => rmSync(app, { recursive: true, force: true }));
      for (const file of packed) {
        mkdirSync(dirname(join(app, file)), { recursive: true });
        cpSync(join(ROOT, file), join(app, file));
      }
      const copyModules = (list: NodeModuleInfo[], into: string) => {
        for (const m of list) {
          cpSync(m.dir, join(into, 'node_modules', m.name), {
            recursive: true,
            dereference: true,
            filter: (f) => !f.startsWith(join(m.dir, 'node_modules')),
          });
          copyModules(m.dependencies ?? [], join(into, 'node_modules', m.name));
        }
      };
      copyModules(modules, app);
      const output: string[] = [];
      const core = new CoreClient({
        // What utilityProcess.fork does in the app: the packed core in its own process, no NODE_PATH.
        fork: () =>
          forkNodeCore({
            command: process.execPath,
            main: join(app, coreMain),
            cwd: app,
            env: { ...process.env, NODE_PATH: undefined, NODE_OPTIONS: undefined },
          }),
        init: () => ({
          host: 'electron',
          configPath: join(app, 'sitq.config.json'),
          version: '0.0.0-test',
          secretStore: { label: 'test', secure: true, writable: true },
        }),
        secrets: { get: async () => undefined, set: async () => undefined, delete: async () => undefined },
        log: (_level, line) => void output.push(line),
      });
      try {
        await core.start();
        const client = new ProtocolClient(core.openSession());
        for (const end = Date.now() + 20_000; client.state !== 'open'; await new Promise((r) => setTimeout(r, 25))) {
          assert.ok(Date.now() < end, `the session opens (core output: ${output.join(' | ')})`);
        }
        const tag = randomBytes(4).toString('hex');
        const drafts = [
          {
            name: 'pg',
            kind: 'postgres',
            options: {
              host: SERVERS.postgres.host,
              port: SERVERS.postgres.port,
              user: 'postgres',
              database: 'test',
              schema: `sitq_packed_${tag}`,
            },
          },
          {
            name: 'redis',
            kind: 'redis',
            options: { host: SERVERS.redis.host, port: SERVERS.redis.port, keyPrefix: `sitq-packed-${tag}:` },
          },
          {
            name: 'nats',
            kind: 'nats',
            options: { servers: [`nats://${SERVERS.nats.host}:${SERVERS.nats.port}`], streamName: `SITQ_PACKED_${tag}` },
          },
        ] as const;
        for (const draft of drafts) {
          await client.request('profiles.save', { draft: { ...draft, secrets: {} } });
          await client.request('tasks.enqueue', {
            profile: draft.name,
            name: 'sitq.echo',
            payloadJson: '{}',
            count: 3,
            queue: 'default',
            priority: 0,
            delayMs: 0,
            maxAttempts: 1,
          });
          const queue = (await client.request('queues.snapshot', { profile: draft.name })).queues.find((q) => q.queue === 'default');
          assert.ok(queue, `${draft.kind}: the queue is there (core output: ${output.join(' | ')})`);
          assert.equal(
            Object.values(queue.counts).reduce((a, b) => a + b, 0),
            3,
            `${draft.kind}: the 3 tasks are counted`,
          );
        }
        client.close();
      } finally {
        await core.stop();
      }
    },
  );
});
