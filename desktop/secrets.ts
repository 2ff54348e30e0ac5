// Secrets of the desktop app: encrypted with Electron's safeStorage (the OS key store: Keychain,
// DPAPI, libsecret/KWallet) into a file in the app's data folder. On Linux without a key store
// safeStorage falls back to `basic_text` (a hard-coded key): the UI then shows a warning.
import type { SecretStore } from '../shared/config/references.js';
import type { SecretStoreInfo } from '../shared/protocol/models.js';
import { SecretFile } from '../shared/service/secret-file.js';
import type { SafeStorageLike } from './electron-types.js';

export class SafeStorageSecretStore implements SecretStore {
  private readonly file: SecretFile;

  constructor(
    private readonly safeStorage: SafeStorageLike,
    readonly path: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.file = new SecretFile(path);
  }

  get info(): SecretStoreInfo {
    const available = this.safeStorage.isEncryptionAvailable();
    const backend = this.safeStorage.getSelectedStorageBackend?.();
    const label = `Electron safeStorage${backend ? ` (${backend})` : ''}`;
    if (!available) {
      return {
        label,
        secure: false,
        writable: false,
        warning: 'No OS key store is available, so secrets cannot be stored here; use ${ENV_VAR} references in the profile instead.',
      };
    }
    if (backend === 'basic_text') {
      return {
        label,
        secure: false,
        writable: true,
        warning:
          'No OS key store was found (safeStorage fell back to "basic_text"): secrets are only obfuscated with a fixed key, not protected. Start GNOME Keyring or KWallet, or use ${ENV_VAR} references.',
      };
    }
    return { label, secure: true, writable: true };
  }

  async get(key: string): Promise<string | undefined> {
    const stored = this.file.get(key);
    if (stored === undefined) return this.env[key];
    return this.safeStorage.decryptString(Buffer.from(stored, 'base64'));
  }

  async set(key: string, value: string): Promise<void> {
    if (!this.safeStorage.isEncryptionAvailable())
      throw new Error('no OS key store is available to keep this secret; use a ${ENV_VAR} reference instead');
    this.file.set(key, this.safeStorage.encryptString(value).toString('base64'));
  }

  async delete(key: string): Promise<void> {
    this.file.delete(key);
  }
}
