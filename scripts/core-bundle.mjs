// The core process as esbuild bundles, shared by the two hosts that ship it: the VS Code extension
// (scripts/package-extension.mjs → release/vscode/dist/core) and the desktop app (scripts/build-ui.mjs
// → dist/desktop/core, which Electron's main forks and electron-builder packs). One ESM file per
// entry, laid out as under shared/ (host/core-main.js and the worker-thread entries the core starts
// by `new URL('./x.js', import.meta.url)`), the code they share in chunks/, and the drivers (pg,
// ioredis, nats) bundled in as chunks of their own that load on first use, so the core needs no
// node_modules and compiles no driver it does not use. Each module's `import.meta.url` is rewritten
// to its own place in that layout, so the SQL and Lua files it reads next to itself are found where
// they are copied. better-sqlite3 stays out: the driver loads it only where the runtime has no
// node:sqlite. Run `node scripts/build.mjs` first (the SQL and Lua files are taken from dist/shared).
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';

/** The entries of the core, relative to shared/. */
export const CORE_ENTRIES = [
  'host/core-main.ts',
  'service/worker-thread.ts',
  'backends/sqlite/checkpoint-thread.ts',
  'core/thread-entry.ts',
];
/** The folders of dist/shared the core reads at run time. */
const CORE_ASSETS = ['backends/sqlite/migrations', 'backends/postgres/migrations', 'backends/redis/scripts'];

/** Bundles the core of the checkout at `root` into `outDir` (host/core-main.js, …) with the files
 *  it reads; returns esbuild's inputs (path → bytes) of all the bundles. */
export async function bundleCore(root, outDir) {
  const shared = join(root, 'shared');
  /** Rewrites `import.meta.url` in a module of shared/ to where that module would be in the
   *  layout: `new URL('./<its path>', CORE_ROOT)`. Which output file a module lands in (an entry
   *  or a shared chunk) is only known after the build, so CORE_ROOT is a placeholder that each
   *  output file gets as its own way up to the core's root (see below). */
  const ownUrl = {
    name: 'own-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /[\\/]shared[\\/].*\.ts$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const rel = relative(shared, args.path).split('\\').join('/').replace(/\.ts$/, '.js');
        return {
          contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(`./${rel}`)}, ${CORE_ROOT}).href`),
          loader: 'ts',
        };
      });
    },
  };
  /** zod re-exports every locale as `z.locales`; sitq uses only English (zod's default), so the
   *  other ~60 stay out of the bundle. */
  const noZodLocales = {
    name: 'no-zod-locales',
    setup(b) {
      b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
        /[\\/]zod[\\/]/.test(args.importer) ? { path: 'zod-locales', namespace: 'empty' } : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'export {};', loader: 'js' }));
    },
  };
  // One build of all entries with code splitting: what two entries share is one chunk, and each
  // driver package (pg, ioredis, nats), which the backends load with import() on first use, is a
  // chunk of its own. So the core process starts by compiling only what it runs — it used to
  // compile one 1.5 MB file, every driver included, before it could say ready (issue 9's budget).
  const result = await build({
    entryPoints: Object.fromEntries(CORE_ENTRIES.map((entry) => [entry.replace(/\.ts$/, ''), join(shared, entry)])),
    outdir: outDir,
    chunkNames: 'chunks/[name]-[hash]',
    splitting: true,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['better-sqlite3', 'pg-native'],
    // Bundled CommonJS dependencies (pg, ioredis) call require() for Node's own modules.
    banner: {
      js: "import { createRequire as __sitqCreateRequire } from 'node:module'; const require = __sitqCreateRequire(import.meta.url);",
    },
    plugins: [ownUrl, noZodLocales],
    // Smaller, with names kept for readable stack traces in the log.
    minifyWhitespace: true,
    minifySyntax: true,
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
    write: false,
  });
  rmSync(outDir, { recursive: true, force: true });
  for (const file of result.outputFiles) {
    const depth = relative(outDir, file.path).split(/[\\/]/).length - 1;
    const up = `new URL(${JSON.stringify('../'.repeat(depth) || './')}, import.meta.url)`;
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.text.replaceAll(CORE_ROOT, up));
  }
  const inputs = new Map();
  for (const [input, info] of Object.entries(result.metafile.inputs)) inputs.set(input, info.bytes);
  for (const dir of CORE_ASSETS) copyTree(join(root, 'dist/shared', dir), join(outDir, dir), () => true);
  return inputs;
}

/** The placeholder for the core's root folder (a URL) in the bundles' sources. */
const CORE_ROOT = '__SITQ_CORE_ROOT__';

/** Copies the files under `from` for which `keep(relative path)` holds to the same place under `to`. */
export function copyTree(from, to, keep) {
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const rel = relative(from, path).split('\\').join('/');
      if (statSync(path).isDirectory()) walk(path);
      else if (keep(rel)) {
        mkdirSync(dirname(join(to, rel)), { recursive: true });
        cpSync(path, join(to, rel));
      }
    }
  };
  walk(from);
}
