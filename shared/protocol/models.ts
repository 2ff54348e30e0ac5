// The data shapes that travel between the dashboard UI and its host. Everything here is plain
// JSON (no Dates, no bytes, no class instances), so the same values cross a WebSocket, Electron
// IPC and a VS Code webview's postMessage unchanged. Times are UTC epoch milliseconds.
import type { NodeStatus } from '../core/backend.js';
import type { BackendKind } from '../backends/descriptors.js';
import type { TaskState, WorkerInfo } from '../core/types.js';
import type { CatchUpPolicy, ScheduleInfo, ScheduleSpec } from '../core/schedule-types.js';
import type { EventStreamItem } from '../core/event-types.js';
import type { TaskProgress } from '../core/progress.js';
import type { KeepSettings } from '../core/queue-settings.js';

export type { BackendKind, NodeStatus, TaskState, WorkerInfo, EventStreamItem, TaskProgress };

export const PROTOCOL_VERSION = 1;

/** Which host serves the UI; the UI adapts a few words (e.g. where secrets go). */
export type HostKind = 'browser' | 'electron' | 'vscode';

export interface SecretStoreInfo {
  /** Human name, e.g. `Electron safeStorage (gnome_libsecret)` or `file ~/.config/sitq/secrets.json`. */
  label: string;
  /** False when secrets are not protected by an OS key store: the UI shows `warning`. */
  secure: boolean;
  warning?: string;
  /** False when the store cannot keep values (e.g. environment variables only). */
  writable: boolean;
}

export interface HostInfo {
  protocol: number;
  host: HostKind;
  version: string;
  /** Where profiles are read from and saved to. */
  configPath: string;
  secretStore: SecretStoreInfo;
  testTasks: TestTaskInfo[];
  /** Ready-made drafts (local SQLite file, the usual loopback servers) for one-click profiles. */
  presets: ProfileDraft[];
  /** Benchmarks need the bench module; false hides the screen's run button with a reason. */
  benchAvailable: boolean;
}

export interface TestTaskInfo {
  name: string;
  description: string;
  /** A payload that shows the task's shape, as JSON text. */
  examplePayload: string;
}

// --- profiles -------------------------------------------------------------------------------

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy' | 'unknown';

export interface ProfileView {
  name: string;
  kind: BackendKind;
  description?: string;
  /** The backend's redacted address (no password). */
  address: string;
  /** Options as stored in the config file (secret values appear only as `${NAME}` references). */
  options: Record<string, unknown>;
  /** Option keys whose value lives in the secret store. */
  secretKeys: string[];
  /** Number of hosts/nodes configured (HA view shows profiles with more than one). */
  hostCount: number;
  /** The config file's defaultProfile. */
  isDefault: boolean;
  /** Set when the stored profile itself is invalid; the profile is still listed. */
  problem?: string;
}

/** What the profile form sends: options as the user typed them (already converted to numbers and
 *  booleans by field type), secrets separately so they never touch the config file. */
export interface ProfileDraft {
  name: string;
  kind: BackendKind;
  description?: string;
  options: Record<string, unknown>;
  /** New secret values by option key; `null` removes the stored secret; absent keeps it. */
  secrets: Record<string, string | null>;
}

export interface FieldIssue {
  /** The form field: `name`, `kind`, or an option key such as `port`. */
  field: string;
  message: string;
}

export interface ConnectionTestResult {
  ok: boolean;
  latencyMs: number;
  serverVersion?: string;
  address?: string;
  error?: string;
}

// --- health ---------------------------------------------------------------------------------

export interface HealthSample {
  at: number;
  status: HealthStatus;
  /** Round trip of the check, when it answered. */
  latencyMs?: number;
  error?: string;
}

export interface QueueFacts {
  /** Oldest pending task's age across queues (how far behind the workers are). */
  lagMs: number;
  liveWorkers: number;
  deadTasks: number;
}

export interface ProfileHealth {
  profile: string;
  status: HealthStatus;
  /** 0..100. */
  score: number;
  latencyMs?: number;
  checkedAt?: number;
  error?: string;
  serverVersion?: string;
  facts?: QueueFacts;
}

// --- queues and tasks -----------------------------------------------------------------------

export type StateCountsView = Record<TaskState, number>;

export interface QueueView {
  queue: string;
  counts: StateCountsView;
  oldestPendingAgeMs: number;
  /** No worker claims from the queue until it is resumed (queues.pause / queues.resume). */
  paused: boolean;
  /** At most `max` task starts per `perMs` ms across every worker (queues.setLimits). */
  rate?: RateLimitView;
  /** At most this many of the queue's tasks running at once across every worker (queues.setLimits). */
  maxRunning?: number;
  /** How long and how many of its finished tasks per state it keeps (queues.setRetention). */
  keep?: KeepSettings;
}

export interface RateLimitView {
  max: number;
  perMs: number;
}

export interface QueuesSnapshot {
  profile: string;
  at: number;
  queues: QueueView[];
  /** Workers registered in the backend (any process), from their heartbeats. */
  workers: WorkerInfo[];
}

/** One row of the task list: small, so a page of rows is cheap to send and render. */
export interface TaskRow {
  id: string;
  queue: string;
  name: string;
  state: TaskState;
  priority: number;
  attempts: number;
  maxAttempts: number;
  enqueuedAt: number;
  runAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** `Name: message` of the last error, one line. */
  error?: string;
  /** The last progress its handler reported (ctx.progress): 0-100 or a small object. */
  progress?: TaskProgress;
}

export interface TaskPageView {
  rows: TaskRow[];
  total: number;
  offset: number;
  limit: number;
}

export interface TaskDetail extends TaskRow {
  serializer: string;
  /** Payload and result as readable text (pretty JSON, or an inspection for non-JSON values). */
  payloadText: string;
  resultText?: string;
  decodeError?: string;
  errorName?: string;
  errorMessage?: string;
  errorStack?: string;
  timeoutMs?: number;
  idempotencyKey?: string;
  leaseOwner?: string;
  leaseExpiresAt?: number;
  backoff: { type: string; baseMs: number; maxMs: number; jitter: number };
  /** Its handler's log (ctx.log), oldest first, bounded (see docs/semantics.md). */
  log?: string[];
  /** Older lines dropped to keep the log's bound. */
  logDropped?: number;
  headers?: Record<string, string>;
}

export type BulkAction = 'requeue' | 'cancel';

/** Which tasks a bulk action takes: a selection by id, or every task of a filter. */
export type BulkTarget = { ids: string[] } | { queue?: string; state: TaskState; search?: string };

export interface BulkOutcome {
  /** Tasks the action changed. */
  changed: number;
  /** Tasks it left as they were (their state did not allow it, or changed meanwhile, or they are gone). */
  skipped: number;
}

export interface EnqueueRequest {
  profile: string;
  /** A built-in test task (`sitq.echo`, ...) or any task name. */
  name: string;
  /** The payload as JSON text (validated on both sides). */
  payloadJson: string;
  count: number;
  queue: string;
  priority: number;
  delayMs: number;
  maxAttempts: number;
}

// --- schedules (TaskQueue.schedule & co.; see docs/semantics.md) -----------------------------

export type { CatchUpPolicy as CatchUpPolicyView, ScheduleSpec as ScheduleSpecView } from '../core/schedule-types.js';

/** One schedule as the tools show it: the core's ScheduleInfo (see its fields' docs in
 *  shared/core/schedules.ts), with the payload as JSON text; `payloadJson` is absent when the
 *  payload was stored by a serializer this host does not know, or is not JSON (`serializer` says which). */
export type ScheduleView = Omit<ScheduleInfo, 'payload' | 'version'> & { payloadJson?: string };

/** The Schedules form: creates the schedule, or replaces the one of that name. */
export interface ScheduleDraft {
  profile: string;
  name: string;
  spec: ScheduleSpec;
  task: string;
  /** The payload as JSON text. */
  payloadJson: string;
  queue?: string;
  priority?: number;
  maxAttempts?: number;
  /** Per-attempt time limit (ms). */
  timeoutMs?: number;
  catchUp?: CatchUpPolicy;
  catchUpLimit?: number;
  paused?: boolean;
}

/** The next runs of a spec as the user types it (no profile needed), or why it is not valid. */
export interface SchedulePreview {
  nextRuns: number[];
  /** Each problem: the field (`spec.cron`, `spec.tz`, `spec.every`) and what it expects. */
  issues: FieldIssue[];
}

// --- local workers --------------------------------------------------------------------------

export type LocalWorkerState = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface LocalWorkerView {
  id: string;
  profile: string;
  queues: string[];
  concurrency: number;
  taskModule?: string;
  state: LocalWorkerState;
  startedAt: number;
  stoppedAt?: number;
  running: number;
  succeeded: number;
  failed: number;
  /** Tasks finished per second over the last few seconds. */
  ratePerSec: number;
  error?: string;
}

export interface LogLine {
  at: number;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

export interface StartWorkerRequest {
  profile: string;
  queues: string[];
  concurrency: number;
  /** Path of a module exporting task definitions (optional; test tasks are always known). */
  taskModule?: string;
}
