// The profiles of one sitq.config.json, as the dashboard reads and edits them. Parsing, checking,
// reference resolution and the no-secrets-in-the-file rule are shared/config's; this file maps
// them to the form (drafts in, field issues out) and watches the file for edits made elsewhere.
// A host may add a second source, user-level profiles kept in its settings (the VS Code
// extension's `sitq.profiles`): listed after the file's, the file winning on a name clash, and,
// like the file, never holding a secret (saving moves each one to the secret store).
import { existsSync, readFileSync, unwatchFile, watchFile } from 'node:fs';
import { dirname } from 'node:path';
import type { BackendConfig } from '../backends/index.js';
import { createBackend } from '../backends/index.js';
import { ConfigurationError, describeValue, type ConfigurationIssue } from '../core/errors.js';
import { isSecretField, redactValue } from '../config/redact.js';
import { checkConfig, parseConfig } from '../config/load.js';
import { resolveEntry, validateBackendConfig, type Profile } from '../config/profiles.js';
import { isReference, referencesIn, type SecretStore } from '../config/references.js';
import { saveConfig, secretKeyFor } from '../config/save.js';
import { plainSecretFields } from '../config/secrets.js';
import { PROFILE_NAME, PROFILE_NAME_EXPECTED, type ProfileEntry, type SitqConfig } from '../config/schema.js';
import type { FieldIssue, ProfileDraft, ProfileView } from '../protocol/models.js';
import { NotFoundError } from './errors.js';

/** Option keys that list several servers: a profile with more than one is shown in the HA view. */
const MULTI_HOST_KEYS = ['servers', 'hosts', 'nodes', 'sentinels', 'startupNodes'];

export interface ProfileBookOptions {
  configPath: string;
  secrets: SecretStore;
  /** Called after the profiles changed (saved here, or the file was edited elsewhere). */
  onChange?: () => void;
  /** How often to look at the file for outside edits (ms); 0 turns watching off. Default 1000. */
  watchIntervalMs?: number;
  /** User-level profiles kept by the host (its settings); none when absent. */
  userProfiles?: UserProfileStore;
}

/** Where a profile comes from: the project's config file, or the host's user-level settings. */
export type ProfileSource = 'project' | 'user';

/** The host's user-level profiles: the host hands them in (setUserProfiles) and writes them back. */
export interface UserProfileStore {
  /** Where they live, for messages: "VS Code user settings". */
  readonly label: string;
  /** Stores the whole set; secrets were already replaced by `${NAME}` references. */
  write(profiles: Record<string, ProfileEntry>): Promise<void>;
}

export class ProfileBook {
  readonly configPath: string;
  private readonly secrets: SecretStore;
  private config: SitqConfig = { profiles: {} };
  private lastText = '';
  private loadError: string | undefined;
  private readonly onChange: () => void;
  private readonly watchIntervalMs: number;
  private readonly userStore: UserProfileStore | undefined;
  /** The user-level profiles that passed the structure check, and why the others did not. */
  private user: Record<string, ProfileEntry> = {};
  private userIssues: string[] = [];

  constructor(options: ProfileBookOptions) {
    this.configPath = options.configPath;
    this.secrets = options.secrets;
    this.userStore = options.userProfiles;
    this.onChange = options.onChange ?? (() => {});
    this.watchIntervalMs = options.watchIntervalMs ?? 1000;
    this.reload();
    if (this.watchIntervalMs > 0) {
      watchFile(this.configPath, { interval: this.watchIntervalMs, persistent: false }, () => {
        if (this.reload()) this.onChange();
      });
    }
  }

  close(): void {
    unwatchFile(this.configPath);
  }

  /** A problem reading the file (shown in the UI instead of the list). */
  get problem(): string | undefined {
    return this.loadError;
  }

  /** User-level entries that were left out, each with why (shown in the host's log). */
  get userProblems(): readonly string[] {
    return this.userIssues;
  }

  names(): string[] {
    return Object.keys(this.entries());
  }

  /** The config file's default profile, when it names one that exists. */
  defaultName(): string | undefined {
    const name = this.config.defaultProfile;
    return name !== undefined && this.has(name) ? name : undefined;
  }

  has(name: string): boolean {
    return this.source(name) !== undefined;
  }

  /** Where the profile in effect under this name comes from (the file wins on a clash). */
  source(name: string): ProfileSource | undefined {
    if (Object.hasOwn(this.config.profiles, name)) return 'project';
    return Object.hasOwn(this.user, name) ? 'user' : undefined;
  }

  /** User-level profiles hidden by a project profile of the same name. */
  shadowed(): string[] {
    return Object.keys(this.user).filter((name) => Object.hasOwn(this.config.profiles, name));
  }

  list(): ProfileView[] {
    return Object.entries(this.entries()).map(([name, entry]) => this.view(name, entry));
  }

  /** Replaces the user-level profiles (the host's settings changed); true when they changed. */
  setUserProfiles(raw: unknown): boolean {
    const next: Record<string, ProfileEntry> = {};
    const issues: string[] = [];
    const isObject = !!raw && typeof raw === 'object' && !Array.isArray(raw);
    if (!isObject && raw !== undefined && raw !== null) issues.push(`expected an object of named profiles (got ${describeValue(raw)})`);
    for (const [name, entry] of isObject ? Object.entries(raw) : []) {
      try {
        // The file's structure rules, one profile at a time, so one bad entry hides only itself.
        next[name] = checkConfig({ profiles: { [name]: entry } }).profiles[name];
      } catch (err) {
        issues.push(`${name}: ${(err as Error).message}`);
      }
    }
    this.userIssues = issues;
    if (JSON.stringify(next) === JSON.stringify(this.user)) return false;
    this.user = next;
    return true;
  }

  /** The profile ready to connect: references resolved through the secret store, options checked. */
  async resolve(name: string): Promise<Profile> {
    const entry = this.entries()[name];
    if (!entry) throw new NotFoundError('profile', name);
    return resolveEntry(name, entry, { secrets: this.secrets, baseDir: dirname(this.configPath) });
  }

  /** A draft (maybe unsaved) ready to connect, for "test connection" before saving. */
  async resolveDraft(draft: ProfileDraft, originalName?: string): Promise<Profile> {
    const issues = this.validate(draft, originalName);
    if (issues.length) throw new ConfigurationError(issues.map((i) => ({ option: i.field, expected: i.message })));
    const entry = this.entryFromDraft(draft, originalName);
    // Plain secrets typed into the form are used as they are; stored ones come from the store.
    return resolveEntry(draft.name || 'draft', entry, { secrets: this.secrets, baseDir: dirname(this.configPath) });
  }

  /** Issues for the form, one per field; empty when the draft can be saved. */
  validate(draft: ProfileDraft, originalName?: string): FieldIssue[] {
    const issues: FieldIssue[] = [];
    if (!PROFILE_NAME.test(draft.name)) issues.push({ field: 'name', message: `expected ${PROFILE_NAME_EXPECTED}` });
    else if (draft.name !== originalName && this.has(draft.name))
      issues.push({ field: 'name', message: `a profile named "${draft.name}" already exists` });
    if (originalName !== undefined && !this.has(originalName))
      issues.push({ field: 'name', message: `the profile "${originalName}" no longer exists` });
    const entry = this.entryFromDraft(draft, originalName);
    const { type, description, ...options } = entry;
    if (description !== undefined && (typeof description !== 'string' || description.length > 200)) {
      issues.push({ field: 'description', message: 'expected at most 200 characters' });
    }
    const where = `profiles.${PROFILE_NAME.test(draft.name) ? draft.name : 'draft'}`;
    try {
      validateBackendConfig({ type, ...withPlaceholders(options) } as BackendConfig, where);
    } catch (err) {
      if (!(err instanceof ConfigurationError)) throw err;
      for (const issue of err.issues) issues.push(toFieldIssue(issue, where));
    }
    return issues;
  }

  /** Saves where the edited profile lives; a new one goes to `target` (default the file). */
  async save(draft: ProfileDraft, originalName?: string, target: ProfileSource = 'project'): Promise<ProfileView> {
    const toUser = (originalName !== undefined ? this.source(originalName) : target) === 'user';
    if (!toUser) this.refuseIfUnreadable();
    const issues = this.validate(draft, originalName);
    if (issues.length) throw new ConfigurationError(issues.map((i) => ({ option: i.field, expected: i.message })));
    if (toUser) return this.saveUser(draft, originalName);
    const next = structuredClone(this.config);
    const entry = this.entryFromDraft(draft, originalName);
    if (originalName !== undefined && originalName !== draft.name) {
      delete next.profiles[originalName];
      if (next.defaultProfile === originalName) next.defaultProfile = draft.name;
    }
    next.profiles[draft.name] = entry;
    if (!next.defaultProfile) next.defaultProfile = draft.name;
    for (const [key, value] of Object.entries(draft.secrets)) {
      if (value === null) await this.forgetSecret(draft.name, key);
    }
    // saveConfig moves every secret typed in plain text to the store and writes a reference.
    const written = await saveConfig(this.configPath, next, { secretStore: this.secrets });
    this.adopt(written);
    return this.view(draft.name, written.profiles[draft.name]);
  }

  async remove(name: string): Promise<boolean> {
    if (this.source(name) === 'user') {
      const next = { ...this.user };
      const entry = next[name];
      delete next[name];
      await this.writeUser(next);
      for (const key of Object.keys(entry)) await this.forgetSecret(name, key);
      return true;
    }
    this.refuseIfUnreadable();
    if (!this.has(name)) return false;
    const next = structuredClone(this.config);
    const entry = next.profiles[name];
    delete next.profiles[name];
    if (next.defaultProfile === name) {
      const rest = Object.keys(next.profiles);
      if (rest.length) next.defaultProfile = rest[0];
      else delete next.defaultProfile;
    }
    const written = await saveConfig(this.configPath, next, { secretStore: this.secrets });
    // Secrets the dashboard created for this profile go with it; references the user wrote stay.
    for (const key of Object.keys(entry)) await this.forgetSecret(name, key);
    this.adopt(written);
    return true;
  }

  /** Reads the file again; true when the profiles changed. */
  reload(): boolean {
    let text = '';
    try {
      text = existsSync(this.configPath) ? readFileSync(this.configPath, 'utf8') : '';
    } catch (err) {
      this.loadError = `${this.configPath}: ${(err as Error).message}`;
      return false;
    }
    if (text === this.lastText && this.lastText !== '') return false;
    this.lastText = text;
    if (text.trim() === '') {
      this.config = { profiles: {} };
      this.loadError = undefined;
      return true;
    }
    try {
      this.config = parseConfig(text, this.configPath).config;
      this.loadError = undefined;
    } catch (err) {
      this.loadError = (err as Error).message;
    }
    return true;
  }

  /** Every profile in effect: the file's, then the user-level ones it does not name. */
  private entries(): Record<string, ProfileEntry> {
    const all = { ...this.config.profiles };
    for (const [name, entry] of Object.entries(this.user)) if (!Object.hasOwn(all, name)) all[name] = entry;
    return all;
  }

  /** A user-level save: each secret typed into the form goes to the secret store and the entry
   *  keeps a `${NAME}` reference; any other secret written out in full is refused. */
  private async saveUser(draft: ProfileDraft, originalName?: string): Promise<ProfileView> {
    const store = this.userStore;
    if (!store)
      throw new ConfigurationError({
        option: 'profiles',
        expected: 'user-level profiles supported by this host (save the profile in the config file instead)',
      });
    const entry = this.entryFromDraft(draft, originalName);
    for (const [key, value] of Object.entries(draft.secrets)) {
      if (value === null) await this.forgetSecret(draft.name, key);
      if (typeof value !== 'string' || value === '') continue;
      const ref = secretKeyFor(draft.name, key);
      await this.secrets.set(ref, value);
      entry[key] = `\${${ref}}`;
    }
    const plain = plainSecretFields(entry);
    if (plain.length) {
      throw new ConfigurationError(
        plain.map((field) => ({
          option: `${draft.name}.${field}`,
          expected: `a \${ENV_VAR} reference or the form's secret field (sitq never writes a secret into ${store.label})`,
        })),
      );
    }
    const next = { ...this.user };
    if (originalName !== undefined && originalName !== draft.name) delete next[originalName];
    next[draft.name] = entry;
    await this.writeUser(next);
    return this.view(draft.name, entry);
  }

  private async writeUser(next: Record<string, ProfileEntry>): Promise<void> {
    if (!this.userStore) throw new ConfigurationError({ option: 'profiles', expected: 'user-level profiles supported by this host' });
    await this.userStore.write(next);
    // The host echoes the new settings back later; adopting them now keeps the reply in step.
    if (this.setUserProfiles(next)) this.onChange();
  }

  /** Saving over a file that could not be read would throw away whatever the user wrote in it. */
  private refuseIfUnreadable(): void {
    if (this.loadError)
      throw new ConfigurationError({
        option: this.configPath,
        expected: `a config file that can be read; fix it first (${this.loadError})`,
      });
  }

  private adopt(config: SitqConfig): void {
    this.config = checkConfig(config);
    this.lastText = existsSync(this.configPath) ? readFileSync(this.configPath, 'utf8') : '';
    this.loadError = undefined;
    this.onChange();
  }

  private async forgetSecret(profile: string, field: string): Promise<void> {
    try {
      await this.secrets.delete(secretKeyFor(profile, field));
    } catch {
      // A read-only store (environment variables) has nothing of ours to delete.
    }
  }

  /** The entry a draft stands for. A secret left untouched keeps the stored reference. */
  private entryFromDraft(draft: ProfileDraft, originalName?: string): ProfileEntry {
    const previous = originalName !== undefined ? this.entries()[originalName] : undefined;
    const entry: ProfileEntry = { type: draft.kind };
    if (draft.description) entry.description = draft.description;
    for (const [key, value] of Object.entries(draft.options)) {
      if (key === 'type' || key === 'description' || value === undefined || value === '' || value === null) continue;
      entry[key] = value;
    }
    if (previous && previous.type === draft.kind) {
      for (const [key, value] of Object.entries(previous)) {
        if (isSecretOption(key, value) && !(key in draft.secrets) && !(key in entry)) entry[key] = value;
      }
    }
    for (const [key, value] of Object.entries(draft.secrets)) {
      if (value !== null && value !== '') entry[key] = value;
    }
    return entry;
  }

  private view(name: string, entry: ProfileEntry): ProfileView {
    const { type, description, ...options } = entry;
    const secretKeys = Object.entries(options)
      .filter(([key, value]) => isSecretOption(key, value))
      .map(([key]) => key);
    const view: ProfileView = {
      name,
      kind: type,
      address: '',
      options: redactValue(options),
      secretKeys,
      hostCount: hostCount(options),
      isDefault: this.config.defaultProfile === name,
    };
    if (description) view.description = description;
    try {
      view.address = createBackend({ type, ...withPlaceholders(options) } as BackendConfig).address;
    } catch (err) {
      view.address = type;
      view.problem = (err as Error).message;
    }
    const plain = this.source(name) === 'user' ? plainSecretFields(entry) : [];
    if (plain.length && this.userStore)
      view.problem ??= `${this.userStore.label} hold a secret written out in full (${plain.join(', ')}): edit the profile to move it to the secret store`;
    return view;
  }
}

/** A stored option whose value is (or holds) a secret: a secret field, or a `${NAME}` reference. */
function isSecretOption(key: string, value: unknown): boolean {
  if (isSecretField([key])) return value !== undefined && value !== '';
  return typeof value === 'string' && referencesIn(value).length > 0;
}

/** Options with each whole-value `${NAME}` reference replaced by a value of the right shape, so
 *  validation checks everything else without needing the secret. */
function withPlaceholders(options: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) out[key] = typeof value === 'string' && isReference(value) ? 'secret' : value;
  return out;
}

function hostCount(options: Record<string, unknown>): number {
  let n = 1;
  for (const key of MULTI_HOST_KEYS) {
    const v = options[key];
    if (Array.isArray(v)) n = Math.max(n, v.length);
  }
  return n;
}

function toFieldIssue(issue: ConfigurationIssue, where: string): FieldIssue {
  const rest = issue.option.startsWith(`${where}.`) ? issue.option.slice(where.length + 1) : issue.option;
  const field = rest.split('.')[0] || 'options';
  const given = 'given' in issue ? ` (got ${describeValue(issue.given)})` : '';
  return { field, message: `expected ${issue.expected}${given}` };
}
