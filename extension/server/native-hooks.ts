// Loaded with `node --import` before the core (and, through the inherited execArgv, before every
// worker thread): picks the better-sqlite3 that loads in this Node and points every
// `import 'better-sqlite3'` of the core at it, or at a stub that throws the reason.
import { register } from 'node:module';
import { pickSqlite, searchFolders, type SqliteChoice } from './native.js';

const choice: SqliteChoice = pickSqlite(searchFolders(), process.env.SITQ_SQLITE_BUILT_FOR);
const target = choice.url ?? new URL('./native-missing.js', import.meta.url).href;
if (choice.error) process.env.SITQ_SQLITE_ERROR = choice.error;
register('./native-resolve.js', import.meta.url, { data: { target } });
(globalThis as { __sitqSqlite?: SqliteChoice }).__sitqSqlite = choice;
