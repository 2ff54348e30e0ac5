// Writing sitq.config.json. A tool never writes a secret into it: a secret written out in full is
// either moved to the host's SecretStore (and replaced by a `${NAME}` reference), stripped, or the
// save is refused with one issue per field.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigurationError } from '../core/errors.js';
import { checkConfig } from './load.js';
import { plainSecretFields } from './secrets.js';
import { isReference, type SecretStore } from './references.js';
import type { ProfileEntry, SitqConfig } from './schema.js';

export interface SaveConfigOptions {
  /** Move plain secrets here and write `${SITQ_<PROFILE>_<FIELD>}` references in their place. */
  secretStore?: SecretStore;
  /** Without a store: drop plain secrets instead of refusing (the user supplies them another way). */
  stripSecrets?: boolean;
}

/** The reference name a moved secret gets: `SITQ_PROD_PASSWORD`, `SITQ_PROD_CONNECTIONSTRING`. */
export function secretKeyFor(profile: string, field: string): string {
  return `SITQ_${profile}_${field}`.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/** Checks and writes the config (atomically: a crash never leaves half a file); returns what was written. */
export async function saveConfig(path: string, config: SitqConfig, options: SaveConfigOptions = {}): Promise<SitqConfig> {
  const out = structuredClone(checkConfig(config));
  const refused: string[] = [];
  for (const [name, entry] of Object.entries(out.profiles)) {
    for (const field of plainSecretFields(entry)) {
      if (options.secretStore) await moveSecret(entry, name, field, options.secretStore);
      else if (options.stripSecrets) stripSecret(entry, field);
      else refused.push(`profiles.${name}.${field}`);
    }
  }
  if (refused.length) {
    throw new ConfigurationError(
      refused.map((option) => ({
        option,
        expected:
          "a ${ENV_VAR} reference (sitq never writes a secret into the config file; set the variable in the environment or the host's secret store)",
      })),
    );
  }
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(out, null, 2)}\n`, { mode: 0o644 });
  renameSync(tmp, path);
  return out;
}

async function moveSecret(entry: ProfileEntry, profile: string, field: string, store: SecretStore): Promise<void> {
  const path = field.split('.');
  const key = secretKeyFor(profile, field);
  const value = getAt(entry, path);
  if (typeof value !== 'string') return;
  const password = urlPassword(value);
  if (password !== undefined) {
    await store.set(key, password);
    setAt(entry, path, replaceUrlPassword(value, `\${${key}}`));
  } else {
    await store.set(key, value);
    setAt(entry, path, `\${${key}}`);
  }
}

function stripSecret(entry: ProfileEntry, field: string): void {
  const path = field.split('.');
  const value = getAt(entry, path);
  if (typeof value === 'string' && urlPassword(value) !== undefined) setAt(entry, path, replaceUrlPassword(value, ''));
  else setAt(entry, path, undefined);
}

const URL_WITH_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^\s:@/?#]*:)([^\s@/?#]*)(@.*)$/i;

function urlPassword(value: string): string | undefined {
  const m = URL_WITH_PASSWORD.exec(value);
  return m && m[2] && !isReference(m[2]) ? m[2] : undefined;
}

function replaceUrlPassword(value: string, replacement: string): string {
  return value.replace(URL_WITH_PASSWORD, (_all, head: string, _pw: string, tail: string) =>
    replacement ? `${head}${replacement}${tail}` : `${head.slice(0, -1)}${tail}`,
  );
}

function getAt(obj: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), obj);
}

function setAt(obj: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let target: Record<string, unknown> = obj;
  for (const k of path.slice(0, -1)) target = target[k] as Record<string, unknown>;
  const last = path[path.length - 1];
  if (value === undefined) delete target[last];
  else target[last] = value;
}
