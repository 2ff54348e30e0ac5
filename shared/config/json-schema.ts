// Files generated from the backends' registrations, committed, and kept current by a test
// (test/config/generated.test.ts): the config file's JSON Schema (shared/config/sitq.schema.json,
// for editor completion of sitq.config.json), the `sitq.profiles` settings schema in package.json
// (VS Code), and the option table in README.md. Each option is described once, in its backend's
// descriptor; its rules come from the backend's zod schema.
// Regenerate all three: npm run generate
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { registrations } from '../backends/index.js';
import { configFileSchema, PROFILE_NAME } from './schema.js';

type JsonSchema = Record<string, unknown>;

/** One backend's options as JSON Schema properties, each with its descriptor's line. */
function optionProperties(registration: ReturnType<typeof registrations>[number]): Record<string, JsonSchema> {
  const schema = z.toJSONSchema(registration.optionSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const docs = new Map(registration.descriptor.options.map((o) => [o.key, o.doc]));
  return Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, { ...property, description: docs.get(key) ?? key }]));
}

export function configJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(configFileSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const profiles = (schema.properties as Record<string, JsonSchema>).profiles;
  const entry = profiles.additionalProperties as JsonSchema;
  const meta = entry.properties as Record<string, JsonSchema>;
  // One branch per backend: the editor completes the options of the profile's `type`.
  profiles.additionalProperties = {
    type: 'object',
    required: ['type'],
    properties: { type: meta.type, description: meta.description },
    oneOf: registrations().map((r) => ({
      title: r.descriptor.label,
      properties: { type: { const: r.descriptor.kind }, description: meta.description, ...optionProperties(r) },
      additionalProperties: false,
    })),
  };
  return { ...schema, title: 'sitq configuration (sitq.config.json)' };
}

export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

const REFERENCE_ONLY = {
  pattern: '^\\$\\{[A-Za-z_][A-Za-z0-9_]*\\}$',
  patternErrorMessage:
    "A secret is never kept in settings: write a ${NAME} reference (VS Code's secret storage or the environment supplies it).",
};

/** The `sitq.profiles` setting's schema for one profile: every backend's options, secrets as
 *  `${NAME}` references only (settings are plain text and often synced). */
export function settingsProfileSchema(): JsonSchema {
  const properties: Record<string, JsonSchema> = {
    type: { type: 'string', enum: registrations().map((r) => r.descriptor.kind), description: 'Which backend this profile uses.' },
    description: { type: 'string', maxLength: 200, description: 'Shown next to the profile name.' },
  };
  const seen = new Map<string, { types: Set<string>; docs: Map<string, string[]>; secret: boolean }>();
  for (const r of registrations()) {
    const props = optionProperties(r);
    for (const option of r.descriptor.options) {
      const entry = seen.get(option.key) ?? { types: new Set<string>(), docs: new Map<string, string[]>(), secret: false };
      const type = props[option.key]?.type;
      for (const t of Array.isArray(type) ? type : type ? [type] : []) entry.types.add(String(t));
      entry.docs.set(option.doc, [...(entry.docs.get(option.doc) ?? []), r.descriptor.label]);
      entry.secret ||= option.kind === 'secret' && option.key !== 'connectionString' && option.key !== 'credsFile';
      seen.set(option.key, entry);
    }
  }
  for (const [key, { types, docs, secret }] of seen) {
    const list = [...types];
    const property: JsonSchema = list.length === 1 ? { type: list[0] } : list.length ? { type: list } : {};
    if (secret) Object.assign(property, { type: 'string' }, REFERENCE_ONLY);
    // One line per distinct text, naming the backends it is true of.
    property.description = [...docs].map(([doc, labels]) => `${labels.join(' / ')}: ${doc}`).join('; ');
    properties[key] = property;
  }
  return { type: 'object', required: ['type'], properties, additionalProperties: true };
}

/** package.json with the generated part of `sitq.profiles` replaced. */
export function packageJsonText(current: string): string {
  const pkg = JSON.parse(current) as { contributes: { configuration: { properties: Record<string, JsonSchema> } } };
  const setting = pkg.contributes.configuration.properties['sitq.profiles'];
  setting.propertyNames = {
    pattern: PROFILE_NAME.source,
    patternErrorMessage: "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
  };
  setting.additionalProperties = settingsProfileSchema();
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

const TABLE_START = '<!-- generated: backend options (npm run generate) -->';
const TABLE_END = '<!-- end generated -->';

/** The README's backend table: each backend's options from its descriptor. */
export function optionTable(): string {
  const rows = registrations().map((r) => {
    const d = r.descriptor;
    const options = d.options
      .filter((o) => o.key !== 'connectTimeout')
      .map((o) => `\`${o.key}\``)
      .join(', ');
    return `| \`${d.kind}\` | ${d.label} | ${options}${d.docsNote ? `; ${d.docsNote}` : ''} |`;
  });
  return [TABLE_START, '| type | backend | options |', '| --- | --- | --- |', ...rows, TABLE_END].join('\n');
}

/** README.md with the table between the markers replaced. */
export function readmeText(current: string): string {
  const start = current.indexOf(TABLE_START);
  const end = current.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md has no "${TABLE_START}" … "${TABLE_END}" block`);
  return current.slice(0, start) + optionTable() + current.slice(end + TABLE_END.length);
}

/** Each generated file, its path from the repository root, and its expected text. */
export function generatedFiles(root: string): { path: string; expected: string }[] {
  const read = (path: string) => readFileSync(`${root}/${path}`, 'utf8');
  return [
    { path: 'shared/config/sitq.schema.json', expected: configJsonSchemaText() },
    { path: 'package.json', expected: packageJsonText(read('package.json')) },
    { path: 'README.md', expected: readmeText(read('README.md')) },
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = process.argv[2] ?? '.';
  for (const file of generatedFiles(root)) {
    writeFileSync(`${root}/${file.path}`, file.expected);
    console.log(`wrote ${file.path}`);
  }
}
