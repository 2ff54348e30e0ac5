// Each backend loads its driver package on first use (its driver.ts: a literal import(), so
// bundlers include it); a driver that is not installed (they are optional peer dependencies) is a
// MissingDriverError naming the package to install, not a bare "Cannot find module".

/** Whether `err` says that `packageName` itself (not one of its own imports) could not be found. */
export function isMissingPackage(err: unknown, packageName: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && String((err as Error).message).includes(`'${packageName}'`);
}
