// What the profile form shows for each backend. This is layout only (labels, input kinds, hints):
// the rules live in each backend's option schema, which the host applies (`profiles.validate`),
// so the form and the CLI can never disagree about what is valid.
import type { BackendKind } from './models.js';

export type FieldKind = 'text' | 'number' | 'boolean' | 'choice' | 'list' | 'secret';

export interface FieldSpec {
  key: string;
  label: string;
  kind: FieldKind;
  /** For `choice`. */
  choices?: readonly string[];
  placeholder?: string;
  help?: string;
  /** Shown under "Advanced" (collapsed by default). */
  advanced?: boolean;
}

const connectTimeout: FieldSpec = { key: 'connectTimeout', label: 'Connect timeout (ms)', kind: 'number', placeholder: '5000', advanced: true };

export const BACKEND_FIELDS: Readonly<Record<BackendKind, readonly FieldSpec[]>> = {
  sqlite: [
    { key: 'path', label: 'Database file', kind: 'text', placeholder: 'sitq.db', help: 'A file path, or :memory: for a private in-memory database' },
    { key: 'journalMode', label: 'Journal mode', kind: 'choice', choices: ['WAL', 'DELETE', 'TRUNCATE', 'PERSIST', 'MEMORY', 'OFF'], advanced: true },
    { key: 'synchronous', label: 'Synchronous', kind: 'choice', choices: ['OFF', 'NORMAL', 'FULL', 'EXTRA'], advanced: true },
    { key: 'cacheSize', label: 'Cache size (pages; negative = KiB)', kind: 'number', placeholder: '2000', advanced: true },
    { key: 'busyTimeout', label: 'Busy timeout (ms)', kind: 'number', placeholder: '5000', advanced: true },
    { key: 'pollInterval', label: 'Poll interval (ms)', kind: 'number', placeholder: '50', advanced: true },
    connectTimeout,
  ],
  postgres: [
    { key: 'host', label: 'Host', kind: 'text', placeholder: '127.0.0.1' },
    { key: 'port', label: 'Port', kind: 'number', placeholder: '5432' },
    { key: 'database', label: 'Database', kind: 'text', placeholder: 'sitq' },
    { key: 'user', label: 'User', kind: 'text', placeholder: 'postgres' },
    { key: 'password', label: 'Password', kind: 'secret' },
    { key: 'connectionString', label: 'Connection string (instead of the fields above)', kind: 'secret', placeholder: 'postgres://user:password@host:5432/db', advanced: true },
    { key: 'schema', label: 'Schema', kind: 'text', placeholder: 'sitq', advanced: true },
    { key: 'ssl', label: 'TLS', kind: 'boolean', advanced: true },
    { key: 'poolSize', label: 'Pool size', kind: 'number', placeholder: '10', advanced: true },
    { key: 'maxOverflow', label: 'Max overflow', kind: 'number', placeholder: '10', advanced: true },
    { key: 'poolTimeout', label: 'Pool timeout (ms)', kind: 'number', placeholder: '30000', advanced: true },
    { key: 'poolRecycle', label: 'Pool recycle (ms)', kind: 'number', placeholder: '3600000', advanced: true },
    { key: 'hosts', label: 'Hosts (primary and replicas, host:port, comma-separated)', kind: 'list', placeholder: 'db1:5432, db2:5432', help: 'Instead of Host/Port: writes go to whichever is the primary, and follow a failover', advanced: true },
    { key: 'failoverTimeout', label: 'Failover timeout (ms)', kind: 'number', placeholder: '30000', advanced: true },
    { key: 'queryTimeout', label: 'Query timeout (ms)', kind: 'number', placeholder: '30000', help: 'A query with no answer fails after this and its connection is replaced (a silent network stall)', advanced: true },
    { key: 'keepAlive', label: 'Keep-alive (ms)', kind: 'number', placeholder: '15000', advanced: true },
    connectTimeout,
  ],
  redis: [
    { key: 'host', label: 'Host', kind: 'text', placeholder: '127.0.0.1' },
    { key: 'port', label: 'Port', kind: 'number', placeholder: '6379' },
    { key: 'db', label: 'Database number', kind: 'number', placeholder: '0' },
    { key: 'username', label: 'ACL user', kind: 'text' },
    { key: 'password', label: 'Password', kind: 'secret' },
    { key: 'tls', label: 'TLS', kind: 'boolean', advanced: true },
    { key: 'keyPrefix', label: 'Key prefix', kind: 'text', placeholder: 'sitq:', advanced: true },
    { key: 'maxConnections', label: 'Max connections', kind: 'number', placeholder: '10', advanced: true },
    { key: 'socketTimeout', label: 'Socket timeout (ms)', kind: 'number', placeholder: '10000', advanced: true },
    { key: 'socketConnectTimeout', label: 'Socket connect timeout (ms)', kind: 'number', advanced: true },
    { key: 'keepAlive', label: 'Keep-alive ping (ms)', kind: 'number', placeholder: '10000', help: 'How often an idle connection is pinged, so a silent stall is noticed', advanced: true },
    connectTimeout,
  ],
  nats: [
    { key: 'servers', label: 'Servers (comma-separated)', kind: 'list', placeholder: 'nats://127.0.0.1:4222', help: 'Several servers for a cluster' },
    { key: 'streamName', label: 'Stream name', kind: 'text', placeholder: 'SITQ_TASKS' },
    { key: 'replicas', label: 'Replicas (cluster)', kind: 'number', placeholder: '1', help: 'Copies of the stream and records on a JetStream cluster (set when they are created)', advanced: true },
    { key: 'user', label: 'User', kind: 'text', advanced: true },
    { key: 'pass', label: 'Password', kind: 'secret', advanced: true },
    { key: 'token', label: 'Token', kind: 'secret', advanced: true },
    { key: 'nkey', label: 'NKey seed', kind: 'secret', placeholder: 'SU…', advanced: true },
    { key: 'credsFile', label: 'Credentials file (.creds)', kind: 'secret', advanced: true, help: 'Its path is kept in the secret store too' },
    { key: 'tls', label: 'TLS', kind: 'boolean', advanced: true },
    { key: 'maxReconnectAttempts', label: 'Max reconnect attempts (-1 = forever)', kind: 'number', placeholder: '-1', advanced: true },
    { key: 'reconnectWait', label: 'Reconnect wait (ms)', kind: 'number', placeholder: '2000', advanced: true },
    { key: 'pingInterval', label: 'Ping interval (ms)', kind: 'number', placeholder: '20000', advanced: true },
    { key: 'maxPingsOutstanding', label: 'Max pings outstanding', kind: 'number', placeholder: '3', advanced: true },
    connectTimeout,
  ],
};

export const BACKEND_LABELS: Readonly<Record<BackendKind, string>> = {
  sqlite: 'SQLite',
  postgres: 'PostgreSQL',
  redis: 'Redis',
  nats: 'NATS JetStream',
};
