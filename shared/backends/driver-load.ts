// Each backend loads its driver package on first use (its driver.ts: a literal import(), so
// bundlers include it); a driver that is not installed (they are optional peer dependencies) is a
// MissingDriverError naming the package to install, not a bare "Cannot find module".
import { MissingDriverError } from '../core/errors.js';

/** Whether `err` says that `packageName` itself (not one of its own imports) could not be found. */
export function isMissingPackage(err: unknown, packageName: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && String((err as Error).message).includes(`'${packageName}'`);
}

/** One backend's driver, loaded once on first use. `importer` must be a literal `import('pkg')`
 *  in the backend's own driver.ts (bundlers follow only literals). */
export interface LazyDriver<T> {
  /** Loads the package (once); a missing package is a MissingDriverError naming it. */
  load(): Promise<T>;
  /** The loaded package; only for code that runs after load() (a connection exists). */
  get(): T;
  /** The package if it is loaded, else undefined (nothing is loaded by asking). */
  peek(): T | undefined;
}

export function lazyDriver<T>(backend: string, packageName: string, importer: () => Promise<object>): LazyDriver<T> {
  let loaded: T | undefined;
  return {
    async load() {
      if (loaded) return loaded;
      try {
        // CommonJS packages arrive as their namespace or under `default`, depending on the loader.
        const module = (await importer()) as T & { default?: T };
        loaded = module.default ?? module;
      } catch (err) {
        if (isMissingPackage(err, packageName)) throw new MissingDriverError(backend, packageName, { cause: err });
        throw err;
      }
      return loaded;
    },
    get() {
      if (!loaded) throw new Error(`internal: ${packageName} used before it was loaded`);
      return loaded;
    },
    peek: () => loaded,
  };
}
