// Backend configs for the health and CLI tests: a fresh namespace per call on the real servers,
// a closed port, or a port of the test's choosing.
import { randomBytes } from 'node:crypto';
import type { BackendConfig } from '../../shared/backends/index.js';

const id = () => randomBytes(5).toString('hex');

export type ServerKind = 'postgres' | 'redis' | 'nats';

export const serverConfigs = {
  /** A new schema / key prefix / stream on the shared server. */
  fresh(kind: ServerKind): BackendConfig {
    switch (kind) {
      case 'postgres':
        return { type: 'postgres', host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test', schema: `sitq_t_${id()}` };
      case 'redis':
        return { type: 'redis', host: '127.0.0.1', port: 6379, keyPrefix: `sitq-t-${id()}:` };
      case 'nats':
        return { type: 'nats', servers: ['nats://127.0.0.1:4222'], streamName: `SITQ_T_${id().toUpperCase()}` };
    }
  },
  /** The server kind at `port` on loopback. */
  atPort(kind: ServerKind, port: number, connectTimeout = 1000): BackendConfig {
    switch (kind) {
      case 'postgres':
        return { type: 'postgres', host: '127.0.0.1', port, user: 'postgres', database: 'test', connectTimeout };
      case 'redis':
        return { type: 'redis', host: '127.0.0.1', port, connectTimeout };
      case 'nats':
        return { type: 'nats', servers: [`nats://127.0.0.1:${port}`], connectTimeout };
    }
  },
  /** Each server kind on a closed port. */
  unreachable(): Record<ServerKind, BackendConfig> {
    return { postgres: this.atPort('postgres', 1), redis: this.atPort('redis', 1), nats: this.atPort('nats', 1) };
  },
};
