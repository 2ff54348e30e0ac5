// Secrets for hosts without an OS key store (the browser dashboard): a JSON file readable only by
// the user, with environment variables as a read-only fallback so `${PG_PASSWORD}` references
// exported in the shell still resolve. The UI says plainly that this file is not encrypted.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SecretStore } from '../config/references.js';
import type { SecretStoreInfo } from '../protocol/models.js';
import { SecretFile } from './secret-file.js';

export function defaultSecretsPath(): string {
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'sitq', 'secrets.json');
}

export class FileSecretStore implements SecretStore {
  private readonly file: SecretFile;

  constructor(
    readonly path: string = defaultSecretsPath(),
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.file = new SecretFile(path);
  }

  get info(): SecretStoreInfo {
    return {
      label: `file ${this.path}`,
      secure: false,
      writable: true,
      warning: `Secrets entered here are saved unencrypted in ${this.path} (readable only by your user). The desktop app keeps them in the OS key store; or use \${ENV_VAR} references.`,
    };
  }

  async get(key: string): Promise<string | undefined> {
    return this.file.get(key) ?? this.env[key];
  }

  async set(key: string, value: string): Promise<void> {
    this.file.set(key, value);
  }

  async delete(key: string): Promise<void> {
    this.file.delete(key);
  }
}
