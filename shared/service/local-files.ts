// A SQLite profile made in the dashboard (e.g. the `.sitq/queue.db` preset) should just work: the
// backend refuses a missing folder on purpose (a typo should not create directories silently), so
// the dashboard creates the folder of the file it was explicitly told to use, before connecting.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BackendConfig } from '../backends/index.js';

export function ensureLocalFolder(config: BackendConfig): void {
  if (config.type !== 'sqlite') return;
  const path = config.path ?? 'sitq.db';
  if (path === ':memory:' || path.startsWith('file:')) return;
  mkdirSync(dirname(path), { recursive: true });
}
