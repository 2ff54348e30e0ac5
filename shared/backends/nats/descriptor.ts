// What the tools show of the NATS JetStream backend (zod-free; see ../descriptor.ts).
import { CONNECT_TIMEOUT_OPTION, type BackendDescriptor } from '../descriptor.js';

export const natsDescriptor: BackendDescriptor<'nats'> = {
  kind: 'nats',
  label: 'NATS JetStream',
  icon: 'radio-tower',
  detail: 'A NATS server with JetStream',
  needsServer: true,
  messagePrefix: /^\s*nats\b/i,
  namespaceOption: 'streamName',
  docsNote: 'HA: several `servers` and `replicas` ([docs/high-availability/nats.md](docs/high-availability/nats.md))',
  options: [
    { key: 'servers', label: 'Servers (comma-separated)', kind: 'list', placeholder: 'nats://127.0.0.1:4222', help: 'Several servers for a cluster', doc: 'server URLs, several for a cluster (default `nats://127.0.0.1:4222`)' },
    { key: 'streamName', label: 'Stream name', kind: 'text', placeholder: 'SITQ_TASKS', doc: 'the work-queue stream; its KV buckets are named after it (default `SITQ_TASKS`)' },
    { key: 'replicas', label: 'Replicas (cluster)', kind: 'number', placeholder: '1', help: 'Copies of the stream and records on a JetStream cluster (set when they are created)', advanced: true, doc: 'copies of the stream and buckets on a JetStream cluster, 1-5 (default 1)' },
    { key: 'user', label: 'User', kind: 'text', advanced: true, doc: 'user for user/password authentication' },
    { key: 'pass', label: 'Password', kind: 'secret', advanced: true, doc: 'password for user/password authentication' },
    { key: 'token', label: 'Token', kind: 'secret', advanced: true, doc: 'token authentication' },
    { key: 'nkey', label: 'NKey seed', kind: 'secret', placeholder: 'SU…', advanced: true, doc: 'an NKey user seed (`SU…`)' },
    { key: 'credsFile', label: 'Credentials file (.creds)', kind: 'secret', advanced: true, help: 'Its path is kept in the secret store too', doc: 'a `.creds` file (JWT + NKey seed)' },
    { key: 'tls', label: 'TLS', kind: 'boolean', advanced: true, doc: '`true` for TLS with the system\'s CAs, or `{ caFile, certFile, keyFile, handshakeFirst, … }`' },
    { key: 'maxReconnectAttempts', label: 'Max reconnect attempts (-1 = forever)', kind: 'number', placeholder: '-1', advanced: true, doc: 'reconnect attempts per server; -1 = keep trying (default -1)' },
    { key: 'reconnectWait', label: 'Reconnect wait (ms)', kind: 'number', placeholder: '2000', advanced: true, doc: 'ms between reconnect attempts (default 2000)' },
    { key: 'pingInterval', label: 'Ping interval (ms)', kind: 'number', placeholder: '20000', advanced: true, doc: 'ms between client PINGs (default 20000)' },
    { key: 'maxPingsOutstanding', label: 'Max pings outstanding', kind: 'number', placeholder: '3', advanced: true, doc: 'unanswered PINGs before the connection is re-opened (default 3)' },
    CONNECT_TIMEOUT_OPTION,
  ],
  driverPackage: 'nats',
  idleP50TargetMs: 1,
  localServer: { host: '127.0.0.1', port: 4222 },
  preset: { name: 'nats', description: 'NATS JetStream on 127.0.0.1:4222', options: { servers: ['nats://127.0.0.1:4222'] } },
};
