// The installed desktop tooling (electron's type definitions, electron-builder's own modules), as
// devDependencies put it in node_modules. A missing package skips the check outside CI, with the
// reason, and fails it under CI=true.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { IN_CI } from '../helpers/servers.js';
import { ROOT } from '../ui/build.js';

/** Absolute path of `file` inside the installed package `name`, or why it is not there. */
export function packageFile(name: string, file: string): { path: string } | { reason: string } {
  const path = join(ROOT, 'node_modules', name, file);
  return existsSync(path) ? { path } : { reason: `${name} is not installed (it is a devDependency: run npm install)` };
}

/** A skip message (outside CI) or a thrown error (under CI) when a tool file is missing. */
export function toolSkip(result: { path: string } | { reason: string }): string | false {
  if ('path' in result) return false;
  if (IN_CI) throw new Error(`${result.reason} (CI=true)`);
  return result.reason;
}
