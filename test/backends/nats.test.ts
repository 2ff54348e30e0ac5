// The NATS JetStream backend: the shared conformance suite, then every option and the
// JetStream-specific behaviour against the real server on 127.0.0.1:4222 (and private
// nats-server processes where a test needs auth, TLS or a restart).
import { randomBytes } from 'node:crypto';
import { exerciseBackend } from '../conformance/index.js';

const freshStream = () => `SITQ_TEST_${randomBytes(5).toString('hex').toUpperCase()}`;

await exerciseBackend({
  kind: 'nats',
  server: 'nats',
  freshConfig: () => ({ type: 'nats', servers: ['nats://127.0.0.1:4222'], streamName: freshStream() }),
  unreachableConfig: () => ({ type: 'nats', servers: ['nats://127.0.0.1:1'], connectTimeout: 1000 }),
});
