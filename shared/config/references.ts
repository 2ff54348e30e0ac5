// `${NAME}` references in profile values: how secrets (and anything else that differs between
// machines) stay out of sitq.config.json. A reference may stand alone (`"${PG_PASSWORD}"`) or sit
// inside a string (`"postgres://app:${PG_PASSWORD}@db/app"`); `$${` writes a literal `${`.
import { ConfigurationError, type ConfigurationIssue } from '../core/errors.js';

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const MALFORMED = /(?<!\$)\$\{(?![A-Za-z_][A-Za-z0-9_]*\})/;

/** Where a host looks up `${NAME}` values. The CLI's reads environment variables; the VS Code
 *  extension and the desktop app supply their own (backed by their secret storage). */
export interface SecretStore {
  /** The value for `${key}`, or undefined when it has none. */
  get(key: string): Promise<string | undefined>;
  /** Stores a value so a later `${key}` finds it. A store that cannot keep values throws. */
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Environment variables: read-only (a tool cannot set a variable in the user's shell). */
export class EnvSecretStore implements SecretStore {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}
  async get(key: string): Promise<string | undefined> {
    return this.env[key];
  }
  async set(key: string, _value?: string): Promise<void> {
    throw new ConfigurationError({
      option: key,
      expected: `to be set in the environment by you (export ${key}=...); the CLI cannot store secrets`,
    });
  }
  async delete(key: string): Promise<void> {
    throw new ConfigurationError({ option: key, expected: `to be unset in the environment by you (unset ${key})` });
  }
}

/** Names of the variables a string refers to. */
export function referencesIn(value: string): string[] {
  const names: string[] = [];
  for (const m of value.matchAll(REFERENCE)) if (m[1]) names.push(m[1]);
  return names;
}

/** True when the whole string is one reference, e.g. `${PG_PASSWORD}`. */
export function isReference(value: string): boolean {
  return /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(value);
}

export interface Resolved<T> {
  value: T;
  /** The values substituted for references: the output layer hides these wherever they appear. */
  substituted: string[];
}

/**
 * Replaces every `${NAME}` in every string of `value` (objects and arrays walked) with the
 * store's value. A missing variable or a malformed reference is a ConfigurationError naming the
 * field (`where` + path) and the variable; every problem is reported, not just the first.
 */
export async function resolveReferences<T>(value: T, store: SecretStore, where: string): Promise<Resolved<T>> {
  const issues: ConfigurationIssue[] = [];
  const substituted: string[] = [];
  const cache = new Map<string, string | undefined>();
  const lookup = async (name: string) => {
    if (!cache.has(name)) cache.set(name, await store.get(name));
    return cache.get(name);
  };

  const walk = async (v: unknown, path: string): Promise<unknown> => {
    if (typeof v === 'string') {
      if (MALFORMED.test(v)) {
        issues.push({ option: path, expected: 'references written as ${NAME} (letters, digits and _; write $${ for a literal ${)' });
        return v;
      }
      let out = '';
      let last = 0;
      for (const m of v.matchAll(REFERENCE)) {
        out += v.slice(last, m.index);
        last = m.index + m[0].length;
        if (!m[1]) {
          out += '${';
          continue;
        }
        const found = await lookup(m[1]);
        if (found === undefined) {
          issues.push({ option: path, expected: `the variable ${m[1]} to be set (the value refers to \${${m[1]}})` });
          continue;
        }
        if (found !== '') substituted.push(found);
        out += found;
      }
      return out + v.slice(last);
    }
    if (Array.isArray(v)) return Promise.all(v.map((item, i) => walk(item, `${path}.${i}`)));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = await walk(item, `${path}.${k}`);
      return out;
    }
    return v;
  };

  const resolved = (await walk(value, where)) as T;
  if (issues.length) throw new ConfigurationError(issues);
  return { value: resolved, substituted };
}
