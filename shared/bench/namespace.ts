// Every benchmark runs in a namespace of its own, so it never reads or writes a user's data:
// a temp SQLite file, a `sitq_bench_*` PostgreSQL schema, a `sitq-bench:*:` Redis key prefix, a
// `SITQ_BENCH_*` NATS stream. The profile's connection settings are kept; only the namespace
// option is replaced.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKEND_KINDS, type BackendConfig } from '../backends/index.js';
import { ConfigurationError } from '../core/errors.js';

/** A short random id, safe in schema names, key prefixes, stream names and file names. */
export function benchId(): string {
  return randomBytes(5).toString('hex');
}

export interface BenchNamespace {
  config: BackendConfig;
  /** Human name of the namespace, for messages. */
  label: string;
  /** Removes what the backend's destroy() cannot (the temp file itself). Idempotent. */
  removeFiles(): void;
}

/** A copy of `config` pointing at a fresh namespace. `role` distinguishes a floor from a run. */
export function benchNamespace(config: BackendConfig, role = 'run'): BenchNamespace {
  const id = `${role}_${benchId()}`;
  switch (config.type) {
    case 'sqlite': {
      // `:memory:` is already private to this process; anything else gets a temp file.
      if (config.path === ':memory:') return { config: { ...config }, label: ':memory:', removeFiles() {} };
      const path = join(tmpdir(), `sitq-bench-${id}.db`);
      return { config: { ...config, path }, label: path, removeFiles: () => removeSqliteFiles(path) };
    }
    case 'postgres': {
      const schema = `sitq_bench_${id}`;
      return { config: { ...config, schema }, label: `schema ${schema}`, removeFiles() {} };
    }
    case 'redis': {
      const keyPrefix = `sitq-bench:${id}:`;
      return { config: { ...config, keyPrefix }, label: `prefix ${keyPrefix}`, removeFiles() {} };
    }
    case 'nats': {
      const streamName = `SITQ_BENCH_${id.toUpperCase()}`;
      return { config: { ...config, streamName }, label: `stream ${streamName}`, removeFiles() {} };
    }
    default:
      throw unknownType(config);
  }
}

export function removeSqliteFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
}

/** For a config whose type is none of the four (only possible from unchecked input). */
export function unknownType(config: { type?: unknown }): ConfigurationError {
  return new ConfigurationError({ option: 'type', expected: `one of ${BACKEND_KINDS.join(', ')}`, given: config.type });
}
