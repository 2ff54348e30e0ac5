// The core's SecretStore: `${NAME}` references resolve through VS Code's SecretStorage, which only
// the extension host can reach, so every get/set/delete is a round trip over the IPC channel.
import type { SecretStore } from '../../shared/config/references.js';
import type { FromCore, SecretOp, ToCore } from '../core/channel.js';

const TIMEOUT_MS = 30_000;

interface Pending {
  resolve(value: string | undefined): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class RemoteSecretStore implements SecretStore {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly send: (message: FromCore) => void) {}

  get(key: string): Promise<string | undefined> {
    return this.ask('get', key);
  }

  async set(key: string, value: string): Promise<void> {
    await this.ask('set', key, value);
  }

  async delete(key: string): Promise<void> {
    await this.ask('delete', key);
  }

  /** Routes the extension's answer to the waiting call. */
  reply(message: Extract<ToCore, { t: 'secret.reply' }>): void {
    const p = this.pending.get(message.id);
    if (!p) return;
    this.pending.delete(message.id);
    clearTimeout(p.timer);
    if (message.ok) p.resolve(message.value);
    else p.reject(new Error(message.error));
  }

  private ask(op: SecretOp, key: string, value?: string): Promise<string | undefined> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`VS Code's secret storage did not answer ${op} ${key} within ${TIMEOUT_MS / 1000} s`));
      }, TIMEOUT_MS);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      this.send(value === undefined ? { t: 'secret', id, op, key } : { t: 'secret', id, op, key, value });
    });
  }
}
