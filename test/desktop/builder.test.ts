// electron-builder.yml checked by the installed electron-builder itself: loaded and validated by
// app-builder-lib's own getConfig/validateConfiguration (its scheme.json), and its `files` and
// `asarUnpack` patterns run through electron-builder's own file matcher over this checkout, to
// show the app it would pack: what main.mjs and the core load is in it, every import inside it
// resolves to a packed file or a production dependency, and tests, maps and sources are not.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, type Stats } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { before, describe, it } from 'node:test';
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
  getMainFileMatchers(appDir: string, destination: string, macro: (s: string) => string, platformOptions: object, packager: object, outDir: string, isElectronCompile: boolean): Matcher[];
  getFileMatchers(config: BuilderConfig, name: 'asarUnpack', destination: string, options: object): Matcher[] | null;
  walk(dir: string, filter: (file: string, stat: Stats) => boolean, consumer: { consume(): void }): Promise<string[]>;
}

function loadBuilder(): AppBuilderLib {
  const req = createRequire(join(ROOT, 'package.json'));
  const config = req('app-builder-lib/out/util/config/config.js') as Pick<AppBuilderLib, 'getConfig' | 'validateConfiguration'>;
  const matchers = req('app-builder-lib/out/fileMatcher.js') as Pick<AppBuilderLib, 'getMainFileMatchers' | 'getFileMatchers'>;
  const fs = req('builder-util/out/fs.js') as Pick<AppBuilderLib, 'walk'>;
  return { ...config, ...matchers, ...fs };
}

const quiet: DebugLogger = { isEnabled: false, add() {} };
let builder: AppBuilderLib;
let config: BuilderConfig;
/** Files of this checkout electron-builder would pack into the app (relative, '/'-separated). */
let packed: Set<string>;

describe('electron-builder.yml, by the installed electron-builder', { skip }, () => {
  before(async () => {
    ensureUiBuilt();
    builder = loadBuilder();
    config = await builder.getConfig(ROOT, join(ROOT, 'electron-builder.yml'));
    const info = { projectDir: ROOT, buildResourcesDir: join(ROOT, config.directories.buildResources), config, isPrepackedAppAsar: false, debugLogger: quiet };
    const [main] = builder.getMainFileMatchers(ROOT, '/app', (s) => s, {}, { info }, join(ROOT, config.directories.output), false);
    const files = await builder.walk(ROOT, main.createFilter(), { consume() {} });
    packed = new Set(files.map((f) => relative(ROOT, f).split(sep).join('/')));
  });

  it('is valid against electron-builder\'s schema, which really refuses mistakes', async () => {
    await builder.validateConfiguration(config, quiet);
    await assert.rejects(builder.validateConfiguration({ ...config, appID: 'x' }, quiet), /does not match the API schema/);
    await assert.rejects(builder.validateConfiguration({ ...config, electronFuses: { runAsNode: 'no' } }, quiet), /does not match the API schema/);
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
    for (const file of [config.extraMetadata.main, 'dist/desktop/app/preload.cjs', 'dist/desktop/core-process.js', 'dist/ui/index.html', 'dist/ui/app.js', 'dist/ui/icon.png', 'package.json']) {
      assert.ok(packed.has(file), `${file} is packed`);
    }
    const unwanted = [...packed].filter((f) => /^dist\/(test|bench)\/|\.map$|\.d\.ts$|\.ts$|^node_modules\/|^release\/|^media\/|electron-builder\.yml/.test(f) || !(f === 'package.json' || f.startsWith('dist/')));
    assert.deepEqual(unwanted, []);
  });

  it('every import inside the packed app resolves to a packed file, a Node built-in, electron, or a production dependency', () => {
    const parsed = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; peerDependencies?: Record<string, string> };
    // The drivers are optional peer dependencies of the library; the app ships them all.
    const pkg = { dependencies: { ...parsed.dependencies, ...parsed.peerDependencies } };
    const builtins = new Set(builtinModules);
    const specifier = /(?:^|[\s;})])(?:import|export)\s*(?:[^'"`;]*?\sfrom\s*)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;
    const problems: string[] = [];
    let checked = 0;
    for (const file of packed) {
      if (!/\.(js|mjs|cjs)$/.test(file) || file.startsWith('dist/ui/')) continue;
      for (const m of readFileSync(join(ROOT, file), 'utf8').matchAll(specifier)) {
        const spec = m[1] ?? m[2] ?? m[3];
        checked++;
        if (spec.startsWith('.')) {
          const target = relative(ROOT, resolve(dirname(join(ROOT, file)), spec)).split(sep).join('/');
          if (!packed.has(target)) problems.push(`${file} imports ${spec}: ${target} is not packed`);
        } else if (!(spec.startsWith('node:') || builtins.has(spec) || spec === 'electron' || spec.split('/')[0] in pkg.dependencies || spec.split('/').slice(0, 2).join('/') in pkg.dependencies)) {
          problems.push(`${file} imports ${spec}: not a dependency (electron-builder packs only "dependencies")`);
        }
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(checked > 100, `${checked} imports checked`);
    // What main.mjs loads by path at run time.
    for (const rel of ['../../ui/', '../core-process.js', './preload.cjs']) assert.ok(readFileSync(join(ROOT, config.extraMetadata.main), 'utf8').includes(`here("${rel}")`), `main.mjs loads ${rel}`);
  });

  it('keeps better-sqlite3\'s native module outside the asar (asarUnpack)', () => {
    const [unpack] = builder.getFileMatchers(config, 'asarUnpack', '/app', { macroExpander: (s: string) => s, customBuildOptions: {}, globalOutDir: join(ROOT, config.directories.output), defaultSrc: ROOT }) ?? [];
    assert.ok(unpack, 'asarUnpack is set');
    const filter = unpack.createFilter();
    const native = createRequire(join(ROOT, 'package.json')).resolve('better-sqlite3/build/Release/better_sqlite3.node');
    assert.ok(existsSync(native));
    assert.equal(filter(native, statSync(native)), true);
    assert.equal(filter(join(ROOT, 'dist', 'desktop', 'core-process.js'), statSync(join(ROOT, 'dist', 'desktop', 'core-process.js'))), false);
  });
});
