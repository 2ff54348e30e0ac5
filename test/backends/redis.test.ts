import { randomBytes } from 'node:crypto';
import { exerciseBackend } from '../conformance/index.js';

const prefix = () => `sitq-test-${randomBytes(5).toString('hex')}:`;

await exerciseBackend({
  kind: 'redis',
  server: 'redis',
  freshConfig: () => ({ type: 'redis', host: '127.0.0.1', port: 6379, keyPrefix: prefix() }),
  unreachableConfig: () => ({ type: 'redis', host: '127.0.0.1', port: 1, connectTimeout: 1000 }),
});
