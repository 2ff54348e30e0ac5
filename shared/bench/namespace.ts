// Every benchmark runs in a namespace of its own, so it never reads or writes a user's data:
// a temp SQLite file, a `sitq_bench_*` PostgreSQL schema, a `sitq-bench:*:` Redis key prefix, a
// `SITQ_BENCH_*` NATS stream. The profile's connection settings are kept; only the namespace
// option is replaced.
import { optionsOf, registrationOf, type BackendConfig } from '../backends/index.js';
import { ConfigurationError } from '../core/errors.js';
import { BACKEND_KINDS } from '../backends/descriptors.js';
import { benchId } from './bench-id.js';

export { benchId } from './bench-id.js';
export { removeSqliteFiles } from '../backends/sqlite/files.js';

export interface BenchNamespace {
  config: BackendConfig;
  /** Human name of the namespace, for messages. */
  label: string;
  /** Removes what the backend's destroy() cannot (the temp file itself). Idempotent. */
  removeFiles(): void;
}

/** A copy of `config` pointing at a fresh namespace (the registration says which option holds it).
 *  `role` distinguishes a floor from a run. */
export function benchNamespace(config: BackendConfig, role = 'run'): BenchNamespace {
  const id = `${role}_${benchId()}`;
  const namespaced = registrationOf(config.type).namespace(optionsOf(config), id);
  return {
    config: { ...namespaced.options, type: config.type } as BackendConfig,
    label: namespaced.label,
    removeFiles: () => namespaced.removeFiles(),
  };
}

/** For a config whose type is none of the registered ones (only possible from unchecked input). */
export function unknownType(config: { type?: unknown }): ConfigurationError {
  return new ConfigurationError({ option: 'type', expected: `one of ${BACKEND_KINDS.join(', ')}`, given: config.type });
}
