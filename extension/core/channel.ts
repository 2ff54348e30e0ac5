// The messages between the extension host and the core process (extension/server/main.ts), over
// Node's IPC channel. The dashboard protocol's own envelopes travel inside `msg`, tagged with the
// session they belong to: the tree, each expanded profile and each webview are separate sessions
// of one DashboardService. Secrets live in VS Code's SecretStorage, so the core asks for them;
// user-level profiles live in VS Code's settings, so the host hands them in and the core asks the
// host to write them (calls and replies: calls.ts).
import type { HostBoundMessage, UiBoundMessage } from '../../shared/protocol/messages.js';
import type { ProfileDraft } from '../../shared/protocol/models.js';

export interface InitOptions {
  /** sitq.config.json the profiles are read from and saved to. */
  configPath: string;
  /** Folder for benchmark reports. */
  benchDir: string;
  /** The extension's version (shown by `hello`). */
  version: string;
  healthIntervalMs: number;
  /** The `sitq.profiles` setting as VS Code gives it (checked in the core). */
  userProfiles?: unknown;
}

export type Reply = { t: 'reply'; id: number; ok: true; value?: unknown } | { t: 'reply'; id: number; ok: false; error: string };

export type ToCore =
  | { t: 'init'; options: InitOptions }
  | { t: 'open'; session: number }
  | { t: 'close'; session: number }
  | { t: 'msg'; session: number; m: HostBoundMessage }
  /** The `sitq.profiles` setting changed. */
  | { t: 'userProfiles'; profiles: unknown }
  /** Save a profile (new, or an edit) into the user-level settings; replies with its ProfileView. */
  | { t: 'saveUser'; id: number; draft: ProfileDraft; originalName?: string }
  | Reply;

export type SecretOp = 'get' | 'set' | 'delete';

/** Which profiles come from settings, for the tree's "(user)" mark and the clash warning. */
export interface ProfileSources {
  user: string[];
  /** User-level names hidden by a project profile of the same name. */
  shadowed: string[];
  /** Entries of the setting that were left out, with why. */
  problems: string[];
}

export type FromCore =
  | { t: 'ready'; node: string; abi: string; sqlite: SqliteSupport }
  | { t: 'msg'; session: number; m: UiBoundMessage }
  | { t: 'secret'; id: number; op: SecretOp; key: string; value?: string }
  /** Write this object as the `sitq.profiles` user setting (no secret in it). */
  | { t: 'writeUserProfiles'; id: number; profiles: Record<string, unknown> }
  | { t: 'sources'; sources: ProfileSources }
  | Reply
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
