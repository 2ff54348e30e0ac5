// The messages between the extension host and the core process (extension/server/main.ts), over
// Node's IPC channel. The dashboard protocol's own envelopes travel inside `msg`, tagged with the
// session they belong to: the tree, each expanded profile and each webview are separate sessions
// of one DashboardService. Secrets live in VS Code's SecretStorage, so the core asks for them.
import type { HostBoundMessage, UiBoundMessage } from '../../shared/protocol/messages.js';

export interface InitOptions {
  /** sitq.config.json the profiles are read from and saved to. */
  configPath: string;
  /** Folder for benchmark reports. */
  benchDir: string;
  /** The extension's version (shown by `hello`). */
  version: string;
  healthIntervalMs: number;
}

export type ToCore =
  | { t: 'init'; options: InitOptions }
  | { t: 'open'; session: number }
  | { t: 'close'; session: number }
  | { t: 'msg'; session: number; m: HostBoundMessage }
  | { t: 'secret.reply'; id: number; ok: true; value?: string }
  | { t: 'secret.reply'; id: number; ok: false; error: string };

export type SecretOp = 'get' | 'set' | 'delete';

export type FromCore =
  | { t: 'ready'; node: string; abi: string; sqlite: SqliteSupport }
  | { t: 'msg'; session: number; m: UiBoundMessage }
  | { t: 'secret'; id: number; op: SecretOp; key: string; value?: string }
  | { t: 'fatal'; error: string };

/** Which better-sqlite3 the core loaded (see extension/server/native.ts). */
export interface SqliteSupport {
  ok: boolean;
  /** Where it came from, e.g. the extension's bundled copy or the workspace's node_modules. */
  source?: string;
  error?: string;
}

export function isFromCore(value: unknown): value is FromCore {
  return !!value && typeof value === 'object' && typeof (value as { t?: unknown }).t === 'string';
}
