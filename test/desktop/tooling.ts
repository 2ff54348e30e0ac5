// Files from npm packages the desktop checks need but the project does not install (electron's
// type definitions, electron-builder's configuration schema, a YAML parser): taken from
// node_modules when present, else from a cache filled once with `npm pack` (the ordinary npm
// client). When neither works the check is skipped outside CI, with the reason.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { IN_CI } from '../helpers/servers.js';
import { ROOT } from '../ui/build.js';

export const PINNED = { 'app-builder-lib': '26.17.0', 'js-yaml': '4.1.0', electron: '45.5.0' } as const;
type Pinned = keyof typeof PINNED;

const CACHE = process.env.SITQ_TOOLING_CACHE ?? join(homedir(), '.cache', 'sitq', 'electron-builder');

/** Absolute path of `file` inside package `name`, or a reason it is not available. */
export function packageFile(name: Pinned, file: string): { path: string } | { reason: string } {
  const installed = join(ROOT, 'node_modules', name, file);
  if (existsSync(installed)) return { path: installed };
  const dir = join(CACHE, `${name}-${PINNED[name]}`);
  const cached = join(dir, 'package', file);
  if (existsSync(cached)) return { path: cached };
  mkdirSync(dir, { recursive: true });
  const pack = spawnSync('npm', ['pack', `${name}@${PINNED[name]}`, '--pack-destination', dir, '--silent'], { encoding: 'utf8', timeout: 120_000 });
  const tgz = pack.stdout?.trim().split('\n').pop();
  if (pack.status !== 0 || !tgz) return { reason: `${name} is not installed and \`npm pack ${name}@${PINNED[name]}\` failed: ${(pack.stderr || pack.error?.message || '').trim().split('\n')[0]}` };
  const untar = spawnSync('tar', ['-xzf', join(dir, tgz), '-C', dir], { encoding: 'utf8' });
  if (untar.status !== 0 || !existsSync(cached)) return { reason: `could not unpack ${tgz}: ${untar.stderr}` };
  return { path: cached };
}

/** A skip message (outside CI) or a thrown error (under CI) when a tool file is missing. */
export function toolSkip(result: { path: string } | { reason: string }): string | false {
  if ('path' in result) return false;
  if (IN_CI) throw new Error(`${result.reason} (CI=true: add electron-builder and electron as devDependencies)`);
  return result.reason;
}
