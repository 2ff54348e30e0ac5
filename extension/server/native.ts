// Which better-sqlite3 the core process uses. It is the only native module the core needs, and a
// native module only loads in the Node ABI it was built for, so the core runs in a Node the user
// has (setting `sitq.nodePath`) and takes the first copy that loads there: the workspace's own
// (built by the user's `npm install` for their Node, as language servers use a workspace's
// library), then the copy packaged with the extension. When none loads, SQLite profiles get an
// error that says what to do; the other backends are pure JavaScript and work regardless.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface SqliteChoice {
  /** file: URL of the better-sqlite3 entry to load, when one loaded. */
  url?: string;
  /** Human description of where it came from. */
  source?: string;
  error?: string;
}

/** Folders to resolve `better-sqlite3` from, in order (SITQ_SQLITE_SEARCH, path-delimited). */
export function searchFolders(env: NodeJS.ProcessEnv = process.env): string[] {
  const sep = process.platform === 'win32' ? ';' : ':';
  return (env.SITQ_SQLITE_SEARCH ?? '').split(sep).filter(Boolean);
}

export function pickSqlite(folders: readonly string[], builtFor?: string): SqliteChoice {
  const failures: string[] = [];
  for (const folder of folders) {
    try {
      const req = createRequire(join(folder, 'noop.js'));
      const entry = req.resolve('better-sqlite3');
      const Database = req('better-sqlite3') as new (path: string) => { close(): void };
      // The addon is loaded on first construction: this is where an ABI mismatch shows.
      new Database(':memory:').close();
      return { url: pathToFileURL(entry).href, source: entry };
    } catch (err) {
      failures.push(`${folder}: ${firstLine(err)}`);
    }
  }
  const here = `Node ${process.version} (module ABI ${process.versions.modules})`;
  const fix = builtFor
    ? `set the "sitq.nodePath" setting to a Node ${builtFor} (the build this extension ships), or run "npm install sitq" in the workspace so its own copy, built for your Node, is used`
    : 'run "npm install sitq" in the workspace so a copy built for your Node is used';
  return { error: `SQLite is unavailable: better-sqlite3 does not load in ${here}. To fix it, ${fix}. (${failures.join('; ') || 'no copy found'})` };
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0];
}
