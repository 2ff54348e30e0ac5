// The config file's JSON Schema, for editor completion and validation of sitq.config.json.
// shared/config/sitq.schema.json is this module's output, committed; a test keeps it current.
// Regenerate: node scripts/build.mjs && node dist/shared/config/json-schema.js shared/config/sitq.schema.json
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { configFileSchema } from './schema.js';

export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configFileSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, title: 'sitq configuration (sitq.config.json)' };
}

export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2] ?? 'shared/config/sitq.schema.json';
  writeFileSync(out, configJsonSchemaText());
  console.log(`wrote ${out}`);
}
