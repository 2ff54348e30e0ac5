// The UI tests need dist/ui; build it once if it is missing (npm test builds only the TypeScript).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = process.cwd();

export function ensureUiBuilt(): void {
  if (existsSync(join(ROOT, 'dist', 'ui', 'index.html')) && existsSync(join(ROOT, 'dist', 'ui', 'app.js'))) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-ui.mjs')], { stdio: 'inherit', cwd: ROOT });
  if (r.status !== 0) throw new Error('node scripts/build-ui.mjs failed');
}
