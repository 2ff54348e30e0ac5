// The UI and desktop tests need the esbuild bundles (dist/ui, dist/desktop/app); build them once
// if they are missing (npm test builds only the TypeScript).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = process.cwd();

export function ensureUiBuilt(): void {
  const outputs = [
    ['ui', 'index.html'],
    ['ui', 'app.js'],
    ['desktop', 'app', 'main.mjs'],
    ['desktop', 'app', 'preload.cjs'],
  ];
  if (outputs.every((p) => existsSync(join(ROOT, 'dist', ...p)))) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-ui.mjs')], { stdio: 'inherit', cwd: ROOT });
  if (r.status !== 0) throw new Error('node scripts/build-ui.mjs failed');
}
