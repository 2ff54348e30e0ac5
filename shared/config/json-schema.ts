// The config file's JSON Schema, for editor completion and validation of sitq.config.json.
// shared/config/sitq.schema.json is this function's output, committed (a test keeps it current).
import { z } from 'zod';
import { configFileSchema } from './schema.js';

export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configFileSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, title: 'sitq configuration (sitq.config.json)' };
}
