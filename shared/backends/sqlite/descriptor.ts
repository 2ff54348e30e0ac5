// What the tools show of the SQLite backend (zod-free; see ../descriptor.ts).
import { CONNECT_TIMEOUT_OPTION, type BackendDescriptor } from '../descriptor.js';

export const sqliteDescriptor: BackendDescriptor<'sqlite'> = {
  kind: 'sqlite',
  label: 'SQLite',
  icon: 'file-binary',
  detail: 'A file on this machine; no server needed',
  needsServer: false,
  messagePrefix: /^\s*sqlite\b/i,
  namespaceOption: 'path',
  options: [
    { key: 'path', label: 'Database file', kind: 'text', placeholder: 'sitq.db', help: 'A file path, or :memory: for a private in-memory database', doc: 'the database file, or `:memory:` (default `sitq.db`)' },
    { key: 'journalMode', label: 'Journal mode', kind: 'choice', choices: ['WAL', 'DELETE', 'TRUNCATE', 'PERSIST', 'MEMORY', 'OFF'], advanced: true, doc: 'PRAGMA journal_mode (default `WAL`; `MEMORY` for `:memory:`)' },
    { key: 'synchronous', label: 'Synchronous', kind: 'choice', choices: ['OFF', 'NORMAL', 'FULL', 'EXTRA'], advanced: true, doc: 'PRAGMA synchronous (default `NORMAL`)' },
    { key: 'cacheSize', label: 'Cache size (pages; negative = KiB)', kind: 'number', placeholder: '2000', advanced: true, doc: 'PRAGMA cache_size: pages when positive, KiB when negative (default 2000)' },
    { key: 'busyTimeout', label: 'Busy timeout (ms)', kind: 'number', placeholder: '5000', advanced: true, doc: 'ms a statement waits for another connection\'s write lock (default 5000)' },
    { key: 'pollInterval', label: 'Poll interval (ms)', kind: 'number', placeholder: '50', advanced: true, doc: 'ms between looks for work written by other processes (default 50)' },
    CONNECT_TIMEOUT_OPTION,
  ],
  driverPackage: 'better-sqlite3',
  idleP50TargetMs: 0.3,
  preset: { name: 'local', description: 'Embedded SQLite file next to this config; no server needed', options: { path: '.sitq/queue.db' } },
};
