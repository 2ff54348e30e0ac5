// Every benchmark runs in a namespace of its own, so it never reads or writes a user's data:
// a temp SQLite file, a `sitq_bench_*` PostgreSQL schema, a `sitq-bench:*:` Redis key prefix, a
// `SITQ_BENCH_*` NATS stream. The profile's connection settings are kept; only the namespace
// option is replaced.
import { createBackend, optionsOf, registrationOf, type BackendConfig } from '../backends/index.js';
import type { Backend } from '../core/backend.js';
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
  /** Removes the namespace once nothing of the run can write to it again: `runBackend` (the
   *  backend the run used) is closed first, then a backend of its own drops the namespace, then the
   *  files go. Never throws (a benchmark's figures stand whether or not the cleanup did). */
  remove(runBackend: Backend): Promise<void>;
}

/** A copy of `config` pointing at a fresh namespace (the registration says which option holds it).
 *  `role` distinguishes a floor from a run. */
export function benchNamespace(config: BackendConfig, role = 'run'): BenchNamespace {
  const id = `${role}_${benchId()}`;
  const namespaced = registrationOf(config.type).namespace(optionsOf(config), id);
  const nsConfig = { ...namespaced.options, type: config.type } as BackendConfig;
  return {
    config: nsConfig,
    label: namespaced.label,
    removeFiles: () => namespaced.removeFiles(),
    async remove(runBackend) {
      // Not runBackend.destroy(): a backend that is used after destroy() reconnects and makes its
      // namespace again, and the run may still hold it in a timer (a queue's history flush every
      // 2 s). One such flush between the drop and close() left a sitq_bench_run_* schema behind
      // under `npm run test:stress`. Once closed, the run's backend refuses every call.
      await runBackend.close().catch(() => {});
      const dropper = createBackend(nsConfig);
      try {
        await dropper.connect();
        await dropper.destroy();
      } catch {
        // An unreachable server keeps its namespace; nothing here can remove it.
      } finally {
        await dropper.close().catch(() => {});
        namespaced.removeFiles();
      }
    },
  };
}

/** For a config whose type is none of the registered ones (only possible from unchecked input). */
export function unknownType(config: { type?: unknown }): ConfigurationError {
  return new ConfigurationError({ option: 'type', expected: `one of ${BACKEND_KINDS.join(', ')}`, given: config.type });
}
