// Secrets for hosts without an OS key store (the browser dashboard): a JSON file readable only by
// the user, with environment variables as a read-only fallback so `${PG_PASSWORD}` references
// exported in the shell still resolve. The UI says plainly that this file is not encrypted.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { SecretStore } from '../config/references.js';
import type { SecretStoreInfo } from '../protocol/models.js';

export function defaultSecretsPath(): string {
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'sitq', 'secrets.json');
}

export class FileSecretStore implements SecretStore {
  constructor(
    readonly path: string = defaultSecretsPath(),
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  get info(): SecretStoreInfo {
    return {
      label: `file ${this.path}`,
      secure: false,
      writable: true,
      warning: `Secrets entered here are saved unencrypted in ${this.path} (readable only by your user). The desktop app keeps them in the OS key store; or use \${ENV_VAR} references.`,
    };
  }

  async get(key: string): Promise<string | undefined> {
    return this.read()[key] ?? this.env[key];
  }

  async set(key: string, value: string): Promise<void> {
    const all = this.read();
    all[key] = value;
    this.write(all);
  }

  async delete(key: string): Promise<void> {
    const all = this.read();
    if (!(key in all)) return;
    delete all[key];
    this.write(all);
  }

  private read(): Record<string, string> {
    if (!existsSync(this.path)) return {};
    const data = JSON.parse(readFileSync(this.path, 'utf8')) as unknown;
    if (!data || typeof data !== 'object' || Array.isArray(data)) return {};
    return Object.fromEntries(Object.entries(data).filter((e): e is [string, string] => typeof e[1] === 'string'));
  }

  private write(all: Record<string, string>): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.path);
  }
}
