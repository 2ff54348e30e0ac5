// One JSON file of key → string, readable only by the user and replaced atomically on each write.
// Both file-backed secret stores keep their values here: the browser host's in plain text, the
// desktop app's as safeStorage ciphertext (base64).
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class SecretFile {
  constructor(readonly path: string) {}

  get(key: string): string | undefined {
    return this.read()[key];
  }

  set(key: string, value: string): void {
    const all = this.read();
    all[key] = value;
    this.write(all);
  }

  delete(key: string): void {
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
    chmodSync(tmp, 0o600); // mode is ignored when the tmp file already existed
    renameSync(tmp, this.path);
  }
}
