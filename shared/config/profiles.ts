// From a profile as the file stores it to the BackendConfig that createBackend takes: references
// resolved through a SecretStore, relative SQLite paths anchored at the config file's folder, and
// every option checked by the backend's own validation (errors renamed to profiles.<name>.<field>).
import { createBackend, registrationOf, type BackendConfig } from '../backends/index.js';
import { isBackendKind, type BackendKind } from '../backends/descriptors.js';
import { ConfigurationError, type ConfigurationIssue } from '../core/errors.js';
import { redact, scrub } from './redact.js';
import { secretValuesIn } from './secrets.js';
import { EnvSecretStore, resolveReferences, type SecretStore } from './references.js';
import { PROFILE_NAME, PROFILE_NAME_EXPECTED, type ProfileEntry, type SitqConfig } from './schema.js';

export { plainSecretFields, secretValuesIn } from './secrets.js';

/** A profile ready to use. */
export interface Profile {
  name: string;
  type: BackendKind;
  description?: string;
  /** What createBackend takes: references resolved, a relative SQLite path made absolute. */
  backend: BackendConfig;
  /** Secret values this profile holds (passwords, tokens, substituted references): hosts hide them
   *  wherever they could appear (logs, errors, output). */
  secrets: string[];
}

export interface ResolveOptions {
  /** Where `${NAME}` values come from. Default: environment variables. */
  secrets?: SecretStore;
  /** Folder a relative SQLite path is taken from (the config file's folder). Default: cwd. */
  baseDir?: string;
}

/** The profile a command uses: the one asked for, else the file's defaultProfile, else the only one. */
export function pickProfileName(config: SitqConfig, requested?: string): string {
  const names = Object.keys(config.profiles);
  if (requested !== undefined) {
    if (!PROFILE_NAME.test(requested))
      throw new ConfigurationError({ option: 'profile', expected: PROFILE_NAME_EXPECTED, given: requested });
    if (!config.profiles[requested]) {
      throw new ConfigurationError({
        option: 'profile',
        expected: `one of the profiles in the config (${names.join(', ') || 'none defined'})`,
        given: requested,
      });
    }
    return requested;
  }
  if (config.defaultProfile) return config.defaultProfile;
  if (names.length === 1) return names[0];
  throw new ConfigurationError({
    option: 'defaultProfile',
    expected: `a default profile, or a profile named with --profile (one of ${names.join(', ') || 'none defined'})`,
  });
}

/** Resolves and validates one named profile of a loaded config. */
export async function resolveProfile(config: SitqConfig, name: string, options: ResolveOptions = {}): Promise<Profile> {
  const entry = config.profiles[name];
  if (!entry)
    throw new ConfigurationError({ option: 'profile', expected: `one of ${Object.keys(config.profiles).join(', ')}`, given: name });
  return resolveEntry(name, entry, options);
}

/** Resolves and validates a profile given inline (not from a file). */
export async function resolveEntry(name: string, entry: ProfileEntry, options: ResolveOptions = {}): Promise<Profile> {
  const where = `profiles.${name}`;
  const { value, substituted } = await resolveReferences(entry, options.secrets ?? new EnvSecretStore(), where);
  const { type, description, ...given } = value;
  // An unknown type is reported by validateBackendConfig below, under the profile's name.
  const backendOptions = (isBackendKind(type) && registrationOf(type).resolvePaths?.(given, options.baseDir ?? process.cwd())) || given;
  const backend = { type, ...backendOptions } as BackendConfig;
  const secrets = [...substituted, ...secretValuesIn(backendOptions)];
  validateBackendConfig(backend, where, secrets);
  const profile: Profile = { name, type, backend, secrets };
  if (description !== undefined) profile.description = description;
  return profile;
}

/**
 * Checks a backend config with the backend's own rules (constructing a backend connects nothing).
 * Issues are renamed from `postgres.poolSize` to `<where>.poolSize`, and any secret value that
 * slipped into one is masked.
 */
export function validateBackendConfig(config: BackendConfig, where: string, secrets: readonly string[] = []): void {
  try {
    createBackend(config);
  } catch (err) {
    if (!(err instanceof ConfigurationError)) throw err;
    throw new ConfigurationError(err.issues.map((issue) => renameIssue(issue, config.type, where, secrets)));
  }
}

function renameIssue(issue: ConfigurationIssue, kind: string, where: string, secrets: readonly string[]): ConfigurationIssue {
  const field = issue.option.startsWith(`${kind}.`) ? issue.option.slice(kind.length + 1) : issue.option === kind ? '' : issue.option;
  const renamed: ConfigurationIssue = { option: field ? `${where}.${field}` : where, expected: scrub(issue.expected, secrets) };
  if ('given' in issue) renamed.given = scrubGiven(issue.given, secrets);
  return renamed;
}

/** A given value with secrets scrubbed from every string in it: a substituted secret can sit in an
 *  array or object of a wrongly typed option, and --json prints the issues' values. */
function scrubGiven(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return scrub(redact(value), secrets);
  if (Array.isArray(value)) return value.map((v) => scrubGiven(v, secrets));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubGiven(v, secrets)]));
  return value;
}
