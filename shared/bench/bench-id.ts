import { randomBytes } from 'node:crypto';

/** A short random id, safe in schema names, key prefixes, stream names and file names. */
export function benchId(): string {
  return randomBytes(5).toString('hex');
}
