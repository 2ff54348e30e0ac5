// Memory backend options: validated with zod so a bad value names the option.
import { z } from 'zod';
import { parseOptions } from '../../core/validate.js';

export interface MemoryOptions {
  /** The store's name: every backend of this process created with the same name shares one store
   *  (a TaskQueue and a Worker built from the same config see the same tasks). Default `default`. */
  name?: string;
  /** Accepted for symmetry with the other backends; connecting never waits. */
  connectTimeout?: number;
}

const schema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'a store name of 1-100 letters, digits, ".", "_", ":" or "-"')
    .optional(),
  connectTimeout: z.number().int().min(1).max(600_000).optional(),
});

export interface ResolvedMemoryOptions {
  name: string;
}

export function resolveOptions(input: MemoryOptions | undefined): ResolvedMemoryOptions {
  const options = parseOptions(schema, input ?? {}, 'memory');
  return { name: options.name ?? 'default' };
}

/** The option schema the registration publishes (JSON schema, settings, docs are generated from it). */
export { schema as optionSchema };
