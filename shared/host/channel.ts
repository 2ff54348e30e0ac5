// The messages between a host (Electron's main process, VS Code's extension host) and the core
// process (core-main.ts), over the child's IPC channel (a Node child's `process.send`, Electron's
// `parentPort`). One format for both hosts. The dashboard protocol's own envelopes travel inside
// `msg`, tagged with the session they belong to: each window, tree and webview is a session of
// one DashboardService. Secrets live in the host's store (safeStorage, VS Code's SecretStorage),
// so the core asks for them; user-level profiles live in the host's settings (VS Code), so the
// host hands them in and the core asks the host to write them (calls and replies: calls.ts).
import type { HostBoundMessage, UiBoundMessage } from '../protocol/messages.js';
import type { HostKind, ProfileDraft, SecretStoreInfo } from '../protocol/models.js';

export interface InitOptions {
  host: HostKind;
  /** sitq.config.json the profiles are read from and saved to. */
  configPath: string;
  /** The host's version (shown by `hello`). */
  version: string;
  /** The host's secret store, as the UI describes it. */
  secretStore: SecretStoreInfo;
  /** Health check period per profile (ms); default the service's. */
  healthIntervalMs?: number;
  /** Folder for benchmark reports; default `.sitq/bench` next to the config file. */
  benchDir?: string;
  /** Set when the host keeps user-level profiles (VS Code's `sitq.profiles`): their current value. */
  userProfiles?: { label: string; profiles: unknown };
}

export type Reply = { t: 'reply'; id: number; ok: true; value?: unknown } | { t: 'reply'; id: number; ok: false; error: string };

export type ToCore =
  | { t: 'init'; options: InitOptions }
  | { t: 'open'; session: number }
  | { t: 'close'; session: number }
  | { t: 'msg'; session: number; m: HostBoundMessage }
  /** The user-level profiles changed in the host's settings. */
  | { t: 'userProfiles'; profiles: unknown }
  /** Save a profile (new, or an edit) into the user-level settings; replies with its ProfileView. */
  | { t: 'saveUser'; id: number; draft: ProfileDraft; originalName?: string }
  /** Stop local workers and close connections, then exit. */
  | { t: 'shutdown' }
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

/** Where a core's start went, in ms since its process started (performance.now() in the core):
 *  the host logs it beside its own spawn-to-ready time. */
export interface CoreStartup {
  /** The runtime's bootstrap and the core's modules loaded and evaluated. */
  loadedMs: number;
  /** The host's init message arrived. */
  initMs: number;
  /** The service was built and ready was sent. */
  readyMs: number;
}

export type FromCore =
  | { t: 'ready'; node: string; abi: string; sqlite: SqliteSupport; startup?: CoreStartup }
  | { t: 'msg'; session: number; m: UiBoundMessage }
  | { t: 'secret'; id: number; op: SecretOp; key: string; value?: string }
  /** Write this object as the user-level profiles setting (no secret in it). */
  | { t: 'writeUserProfiles'; id: number; profiles: Record<string, unknown> }
  | { t: 'sources'; sources: ProfileSources }
  | Reply
  | { t: 'fatal'; error: string };

/** Which SQLite driver the core runs (shared/backends/sqlite/driver.ts), or why none loads. */
export interface SqliteSupport {
  ok: boolean;
  /** e.g. "node:sqlite (SQLite 3.50.4)". */
  source?: string;
  error?: string;
}

function tagged(value: unknown): value is { t: string } {
  return !!value && typeof value === 'object' && typeof (value as { t?: unknown }).t === 'string';
}

export function isFromCore(value: unknown): value is FromCore {
  return tagged(value);
}

export function isToCore(value: unknown): value is ToCore {
  return tagged(value);
}
