// Stands in for better-sqlite3 when no copy loads in the core's Node: opening a SQLite profile
// then fails with the reason and the fix (native.ts) instead of a loader stack trace.
export default class MissingSqlite {
  constructor() {
    throw new Error(process.env.SITQ_SQLITE_ERROR ?? 'SQLite is unavailable: better-sqlite3 did not load in this Node');
  }
}
