// What every command needs: the config file (found once), the chosen profile (resolved, its secrets
// registered for scrubbing), and connected backends that are all closed when the command ends.
import type { Backend } from '../core/backend.js';
import type { BackendKind } from '../backends/descriptors.js';
import { ConfigNotFoundError, loadConfig, type LoadedConfig } from '../config/load.js';
import type { Profile } from '../config/profiles.js';
import { EnvSecretStore } from '../config/references.js';
import type { Io } from './io.js';

export interface GlobalOptions {
  json?: boolean;
  config?: string;
  profile?: string;
  verbose?: boolean;
}

export class CliContext {
  private loaded: LoadedConfig | undefined;
  private readonly backends: Backend[] = [];

  constructor(
    readonly io: Io,
    readonly options: GlobalOptions,
  ) {}

  get json(): boolean {
    return !!this.options.json;
  }

  /** The config file (found by walking up from the working folder, or --config). */
  config(): LoadedConfig {
    if (!this.loaded) {
      this.loaded = loadConfig({ path: this.options.config, cwd: this.io.cwd });
      for (const w of this.loaded.warnings) this.io.warn(w);
    }
    return this.loaded;
  }

  /** The config, or undefined when there is none (commands that can run without one). */
  configIfAny(): LoadedConfig | undefined {
    try {
      return this.config();
    } catch (err) {
      if (err instanceof ConfigNotFoundError && this.options.config === undefined) return undefined;
      throw err;
    }
  }

  /** The profile named by --profile (a name, a URL or inline JSON), else the config's default. */
  async profile(requested: string | undefined = this.options.profile): Promise<Profile> {
    const { pickProfileName, resolveEntry, resolveProfile } = await loadProfiles();
    const { INLINE_PROFILE_NAME, looksInline, parseInlineProfile } = await import('../config/inline.js');
    const secrets = new EnvSecretStore(this.io.env);
    let profile: Profile;
    if (requested !== undefined && looksInline(requested)) {
      profile = await resolveEntry(INLINE_PROFILE_NAME, parseInlineProfile(requested), { secrets, baseDir: this.io.cwd });
    } else {
      const { config, dir } = this.config();
      profile = await resolveProfile(config, pickProfileName(config, requested), { secrets, baseDir: dir });
    }
    this.remember(profile);
    return profile;
  }

  /** Every profile of the config, each resolved or with the reason it cannot be. */
  async allProfiles(): Promise<{ name: string; type: BackendKind; profile?: Profile; error?: unknown }[]> {
    const { config, dir } = this.config();
    const { resolveProfile } = await loadProfiles();
    const secrets = new EnvSecretStore(this.io.env);
    return Promise.all(
      Object.keys(config.profiles).map(async (name) => {
        try {
          const profile = await resolveProfile(config, name, { secrets, baseDir: dir });
          this.remember(profile);
          return { name, type: profile.type, profile };
        } catch (error) {
          // The file's type stays known when the profile's options are bad: the tools show it.
          return { name, type: config.profiles[name].type, error };
        }
      }),
    );
  }

  /** A backend for the profile, connected; closed by closeAll(). */
  async connect(profile: Profile): Promise<Backend> {
    const backend = await this.backendFor(profile);
    await backend.connect();
    return backend;
  }

  /** A backend for the profile, not yet connected; closed by closeAll(). */
  async backendFor(profile: Profile): Promise<Backend> {
    await prepareProfile(profile);
    const { createBackend } = await import('../backends/index.js');
    const backend = createBackend(profile.backend);
    this.backends.push(backend);
    return backend;
  }

  async closeAll(): Promise<void> {
    const list = this.backends.splice(0);
    await Promise.all(list.map((b) => b.close().catch(() => {})));
  }

  private remember(profile: Profile): void {
    for (const s of profile.secrets) this.io.secrets.add(s);
  }
}

/** Creates what the profile names on this machine (a SQLite file's folder: the starter config uses
 *  .sitq/queue.db), through the backend's registration. */
export async function prepareProfile(profile: Profile): Promise<void> {
  const { ensureLocalFolder } = await import('../service/local-files.js');
  ensureLocalFolder(profile.backend);
}

/** Resolving a profile validates it with the backend's own rules, which loads the drivers: only
 *  when a command uses a profile, so `sitq --help` and usage errors stay quick. */
function loadProfiles(): Promise<typeof import('../config/profiles.js')> {
  return import('../config/profiles.js');
}
