import { rmSync } from 'node:fs';

/** Removes a database file and its WAL, shared-memory and journal companions. */
export function removeSqliteFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
}
