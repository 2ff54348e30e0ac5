// Messages between Electron's main process and the core process (core-process.ts). Main relays
// protocol messages for each window (a session) and answers the core's secret-store calls, since
// safeStorage exists only in main.
import type { RequestMessage, UiBoundMessage } from '../shared/protocol/messages.js';
import type { SecretStoreInfo } from '../shared/protocol/models.js';

export type ToCore =
  | { kind: 'init'; configPath: string; secretStore: SecretStoreInfo; version: string }
  | { kind: 'open'; session: number }
  | { kind: 'request'; session: number; message: RequestMessage }
  | { kind: 'close'; session: number }
  /** Stop local workers and close connections, then exit. */
  | { kind: 'shutdown' }
  | { kind: 'secret-result'; id: number; ok: boolean; value?: string; error?: string };

export type FromCore =
  | { kind: 'ready' }
  | { kind: 'ui'; session: number; message: UiBoundMessage }
  | { kind: 'secret'; id: number; op: 'get' | 'set' | 'delete'; key: string; value?: string }
  | { kind: 'fatal'; error: string };

export function isFromCore(m: unknown): m is FromCore {
  return !!m && typeof m === 'object' && typeof (m as { kind?: unknown }).kind === 'string';
}

export function isToCore(m: unknown): m is ToCore {
  return !!m && typeof m === 'object' && typeof (m as { kind?: unknown }).kind === 'string';
}
