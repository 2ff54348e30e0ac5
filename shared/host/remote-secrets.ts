// The core's SecretStore: `${NAME}` references resolve through the host's store (Electron's
// safeStorage, VS Code's SecretStorage), which only the host process can reach, so every
// get/set/delete is a round trip over the core channel.
import type { SecretStore } from '../config/references.js';
import type { Calls } from './calls.js';
import type { FromCore, SecretOp } from './channel.js';

export class RemoteSecretStore implements SecretStore {
  constructor(
    private readonly calls: Calls,
    private readonly send: (message: FromCore) => void,
    /** Names the store in a timeout message, e.g. "VS Code's secret storage". */
    private readonly label: string,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const value = await this.ask('get', key);
    return typeof value === 'string' ? value : undefined;
  }

  async set(key: string, value: string): Promise<void> {
    await this.ask('set', key, value);
  }

  async delete(key: string): Promise<void> {
    await this.ask('delete', key);
  }

  private ask(op: SecretOp, key: string, value?: string): Promise<unknown> {
    return this.calls.call(
      (id) => this.send(value === undefined ? { t: 'secret', id, op, key } : { t: 'secret', id, op, key, value }),
      `${this.label} (${op} ${key})`,
    );
  }
}
