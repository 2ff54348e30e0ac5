// The registry's Node half: what creating, checking and benchmarking a backend needs. Each
// backend's folder has one `registration.ts` exporting a BackendRegistration; index.ts lists them.
// Nothing here loads a driver: a registration's `create` builds a backend whose driver is loaded
// by connect(), and its floor loads the driver in setup().
import type { z } from 'zod';
import type { FloorDriver } from '../bench/floors/types.js';
import type { Backend } from '../core/backend.js';
import type { BackendDescriptor } from './descriptor.js';
import type { BackendKit } from './kit.js';

/** A copy of a backend's options pointing at a namespace of its own (a benchmark, a test). */
export interface Namespaced<O> {
  options: O;
  /** Human name of the namespace, for messages: `schema sitq_bench_x`. */
  label: string;
  /** Removes what the backend's destroy() cannot (a temp file). Idempotent. */
  removeFiles(): void;
}

export interface PoolSetting<O> {
  /** What the sweep's pool-size axis means on this backend. */
  note: string;
  /** The options for one pool size (unchanged when the backend has no pool). */
  apply(options: O, size: number): O;
}

export interface BackendRegistration<K extends string, O> {
  readonly descriptor: BackendDescriptor<K>;
  /** The zod schema of the options: the one place their rules live. */
  readonly optionSchema: z.ZodType;
  /** URL schemes (lower case, without the colon) an inline profile may use for this backend. */
  readonly urlSchemes: readonly string[];
  /** The options an inline URL stands for; throws ConfigurationError for a malformed one. */
  parseUrl(text: string): O;
  /** Builds the backend; checks the options (ConfigurationError) but connects nothing. */
  create(options: O): Backend;
  /** A copy of `options` in namespace `id` (letters, digits, `_`), keeping the connection settings. */
  namespace(options: O, id: string): Namespaced<O>;
  readonly pool: PoolSetting<O>;
  /** The raw claim loop of the benchmark's floor, on the same server and client library. */
  floor(options: O): FloorDriver<unknown>;
  /** Resolves relative file paths in a profile's options against the config file's folder. */
  resolvePaths?(options: O, baseDir: string): O;
  /** Creates what a profile explicitly names on this machine (a SQLite file's folder) before it connects. */
  prepareLocal?(options: O): void;
  /** What the project's tools (fault tool, profiler, test runner) know about this backend: its
   *  folder's kit.ts, loaded only when a tool asks (`() => loadKit(import.meta.url)`). */
  kit?(): Promise<BackendKit<O>>;
}

/** The options type of a registration. */
export type OptionsOf<R> = R extends BackendRegistration<string, infer O> ? O : never;
