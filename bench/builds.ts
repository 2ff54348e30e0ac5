// The A/B tools (enqueue-ab, idle-ab, events-ab) compare builds of sitq in one process. A build is
// a compiled tree — e.g. another commit's worktree after `npm run build` — imported by file URL,
// so each build has module instances of its own.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Sitq from '../shared/index.js';
import type * as Namespace from '../shared/bench/namespace.js';

export interface LoadedBuild {
  /** The compiled tree's folder, as given. */
  dir: string;
  /** The build's public API (`shared/index.js`). */
  sitq: typeof Sitq;
  /** The build's own benchNamespace (a backend config of its own per run). */
  benchNamespace: typeof Namespace.benchNamespace;
}

export async function loadBuild(dir: string): Promise<LoadedBuild> {
  const url = (p: string) => pathToFileURL(resolve(dir, p)).href;
  const sitq = (await import(url('shared/index.js'))) as typeof Sitq;
  const { benchNamespace } = (await import(url('shared/bench/namespace.js'))) as typeof Namespace;
  return { dir, sitq, benchNamespace };
}
