// Backend registry: a serializable config ({ type, ...options }) → a Backend. The config shape is
// what profiles store, what child worker processes receive, and what the tools send.
import type { Backend, BackendKind } from '../core/backend.js';
import { ConfigurationError } from '../core/errors.js';
import { NatsBackend, type NatsOptions } from './nats/index.js';
import { PostgresBackend, type PostgresOptions } from './postgres/index.js';
import { RedisBackend, type RedisOptions } from './redis/index.js';
import { SqliteBackend, type SqliteOptions } from './sqlite/index.js';

export type BackendConfig =
  | ({ type: 'sqlite' } & SqliteOptions)
  | ({ type: 'postgres' } & PostgresOptions)
  | ({ type: 'redis' } & RedisOptions)
  | ({ type: 'nats' } & NatsOptions);

export const BACKEND_KINDS: readonly BackendKind[] = ['sqlite', 'postgres', 'redis', 'nats'];

export function createBackend(config: BackendConfig): Backend {
  const { type, ...options } = config;
  switch (type) {
    case 'sqlite':
      return new SqliteBackend(options as SqliteOptions);
    case 'postgres':
      return new PostgresBackend(options as PostgresOptions);
    case 'redis':
      return new RedisBackend(options as RedisOptions);
    case 'nats':
      return new NatsBackend(options as NatsOptions);
    default:
      throw new ConfigurationError({ option: 'type', expected: `one of ${BACKEND_KINDS.join(', ')}`, given: type });
  }
}
