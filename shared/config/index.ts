// Profiles and configuration: one schema and one loader for the CLI, the VS Code extension and
// the desktop app. See shared/config/README.md.
export {
  CONFIG_FILE_NAME,
  PROFILE_NAME,
  PROFILE_TYPES,
  configFileSchema,
  profileEntrySchema,
  type ProfileEntry,
  type SitqConfig,
} from './schema.js';
export {
  ConfigNotFoundError,
  checkConfig,
  findConfigFile,
  loadConfig,
  parseConfig,
  type LoadConfigOptions,
  type LoadedConfig,
} from './load.js';
export { saveConfig, secretKeyFor, type SaveConfigOptions } from './save.js';
export {
  pickProfileName,
  plainSecretFields,
  resolveEntry,
  resolveProfile,
  validateBackendConfig,
  type Profile,
  type ResolveOptions,
} from './profiles.js';
export { EnvSecretStore, isReference, referencesIn, resolveReferences, type SecretStore } from './references.js';
export { MASK, isSecretField, redact, redactValue, scrub } from './redact.js';
export { LOCAL_SERVER_PRESETS, LOCAL_SQLITE_PROFILE, starterConfig } from './presets.js';
export { INLINE_PROFILE_NAME, looksInline, parseInlineProfile } from './inline.js';
export { configJsonSchema, configJsonSchemaText } from './json-schema.js';
