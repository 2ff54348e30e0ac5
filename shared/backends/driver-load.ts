// Loading a backend's driver package on first use: importing sitq loads no driver, and a driver
// that is not installed (they are optional peer dependencies) is a MissingDriverError naming the
// package to install, not a bare "Cannot find module".
import { createRequire } from 'node:module';
import { MissingDriverError } from '../core/errors.js';

const require = createRequire(import.meta.url);
const loaded = new Map<string, unknown>();

/** Whether `err` says that `packageName` itself (not one of its own imports) could not be found. */
export function isMissingPackage(err: unknown, packageName: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && String((err as Error).message).includes(`'${packageName}'`);
}

/** The CommonJS driver package, loaded once (synchronously) on first use. */
export function requireDriver<T>(packageName: string, backend: string): T {
  if (loaded.has(packageName)) return loaded.get(packageName) as T;
  try {
    const driver = require(packageName) as T;
    loaded.set(packageName, driver);
    return driver;
  } catch (err) {
    if (isMissingPackage(err, packageName)) throw new MissingDriverError(backend, packageName, { cause: err });
    throw err;
  }
}
