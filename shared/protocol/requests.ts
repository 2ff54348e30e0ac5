// Every request the UI can make, with its parameters and its result. The UI's client and the
// host's service are both typed from this one map, so a renamed field is a compile error.
import type { HistoryReport, HistoryResolution } from '../core/history.js';
import type { KeepSettings, QueueSettings } from '../core/queue-settings.js';
import type { BenchRunRequest, BenchRunSummary, BenchRunView, ExportFormat, ExportedFile, RunComparison } from './bench.js';
import type {
  BulkAction,
  BulkOutcome,
  BulkTarget,
  ConnectionTestResult,
  EnqueueRequest,
  FieldIssue,
  HealthSample,
  HostInfo,
  LocalWorkerView,
  LogLine,
  NodeStatus,
  ProfileDraft,
  ProfileHealth,
  ProfileView,
  QueuesSnapshot,
  RateLimitView,
  ScheduleDraft,
  SchedulePreview,
  ScheduleSpecView,
  ScheduleView,
  StartWorkerRequest,
  TaskDetail,
  TaskPageView,
  TaskState,
} from './models.js';

type Empty = Record<string, never>;

export interface Requests {
  hello: { params: Empty; result: HostInfo };

  'profiles.list': { params: Empty; result: ProfileView[] };
  /** Checks a draft with the same rules the CLI uses; an empty list means it is valid. */
  'profiles.validate': { params: { draft: ProfileDraft; originalName?: string }; result: FieldIssue[] };
  /** Saves (creates, or replaces `originalName`, renaming it if the name changed). */
  'profiles.save': { params: { draft: ProfileDraft; originalName?: string }; result: ProfileView };
  'profiles.delete': { params: { name: string }; result: { deleted: boolean } };
  /** Connects with a draft (unsaved) or a saved profile, pings, disconnects. */
  'profiles.test': { params: { draft?: ProfileDraft; name?: string; originalName?: string }; result: ConnectionTestResult };

  'health.list': { params: Empty; result: ProfileHealth[] };
  'health.history': { params: { profile: string }; result: HealthSample[] };
  'ha.nodes': { params: { profile: string }; result: NodeStatus[] };

  /** Which profile this session is looking at: the host pushes its `queues` events while set. */
  'watch.set': { params: { profile: string | null }; result: { watching: string | null } };
  'queues.snapshot': { params: { profile: string }; result: QueuesSnapshot };
  /** `search` matches id, name, error or JSON payload text in the backend (ListTasksQuery.search). */
  'tasks.list': {
    params: { profile: string; queue?: string; state?: TaskState; search?: string; offset: number; limit: number };
    result: TaskPageView;
  };
  'tasks.get': { params: { profile: string; id: string }; result: TaskDetail | null };
  /** Follows one task or one queue's live events (a progress bar, a log tail): the host pushes
   *  them as `task.events` to this session until `tasks.unfollow` or another follow (one follow per
   *  session). At most once: a `gap` item means read `tasks.get` afresh. */
  'tasks.follow': { params: { profile: string; taskId?: string; queue?: string }; result: { following: true } };
  'tasks.unfollow': { params: Record<string, never>; result: { following: false } };
  'tasks.requeue': { params: { profile: string; id: string }; result: { ok: boolean } };
  /** Cancels a pending, delayed or running task (a running one's worker aborts its handler within
   *  about a second); ok false when it is unknown or already finished. */
  'tasks.cancel': { params: { profile: string; id: string }; result: { ok: boolean } };
  /** Requeues (dead, cancelled) or cancels (pending, delayed, running) many tasks: the listed ids, or every
   *  task matching a filter at the time of the call. Tasks whose state does not allow it are skipped. */
  'tasks.bulk': { params: { profile: string; action: BulkAction; target: BulkTarget }; result: BulkOutcome };
  'tasks.purge': { params: { profile: string; queue?: string; olderThanMs: number }; result: { deleted: number } };
  'tasks.enqueue': { params: EnqueueRequest; result: { enqueued: number; firstId?: string } };

  /** Flow control of a queue, stored on the backend and obeyed by every worker of every process
   *  (TaskQueue.pauseQueue / resumeQueue / setQueueLimits; queues.settings reads them). Pause:
   *  workers stop claiming within a second, running tasks finish, enqueueing still works. Each
   *  answers the queue's settings after the change (all of them, `keep` too); the watched
   *  profile's `queues` push follows. */
  'queues.pause': { params: { profile: string; queue: string }; result: QueueSettings };
  'queues.resume': { params: { profile: string; queue: string }; result: QueueSettings };
  /** Sets (a value) or removes (null) the rate limit `{ max, perMs }` and `maxRunning`; an absent
   *  field is left as it is. Bad values are refused naming the field (limits.rate.max, ...). */
  'queues.setLimits': {
    params: { profile: string; queue: string; rate?: RateLimitView | null; maxRunning?: number | null };
    result: QueueSettings;
  };

  /** Every schedule of the profile by name, each with its next `runs` tick times (default 5). */
  'schedules.list': { params: { profile: string; runs?: number }; result: ScheduleView[] };
  /** One schedule, or null when there is none of that name. */
  'schedules.get': { params: { profile: string; name: string; runs?: number }; result: ScheduleView | null };
  /** Creates the schedule or replaces the one of that name (TaskQueue.schedule). */
  'schedules.save': { params: ScheduleDraft; result: ScheduleView };
  /** ok: false when there is no schedule of that name. Pausing a paused one (or resuming a running one) is ok. */
  'schedules.pause': { params: { profile: string; name: string }; result: { ok: boolean } };
  'schedules.resume': { params: { profile: string; name: string }; result: { ok: boolean } };
  'schedules.remove': { params: { profile: string; name: string }; result: { ok: boolean } };
  /** The next `runs` (default 5) times of a spec from now, for the form's live preview. */
  'schedules.preview': { params: { spec: ScheduleSpecView; runs?: number }; result: SchedulePreview };
  /** Throughput history of a profile's backend (TaskQueue.stats): per queue, dense series of
   *  enqueued / succeeded / failed / retried / dead counts and processing-time percentiles per
   *  minute (kept 24 h) or hour (kept 14 days). `since`/`until` are epoch ms; without `queue`, every
   *  queue that holds tasks. For the dashboard's and the extension's throughput charts. */
  'stats.history': {
    params: { profile: string; queue?: string; since?: number; until?: number; resolution?: HistoryResolution };
    result: HistoryReport;
  };
  /** A queue's stored settings (pause, limits, retention `keep`); {} when none are stored. */
  'queues.settings': { params: { profile: string; queue: string }; result: QueueSettings };
  /** Sets a queue's retention (replaces its `keep` whole; `{}` removes it; the other settings
   *  stay). The workers enforce it continuously, one at a time. Answers the settings written. */
  'queues.setRetention': { params: { profile: string; queue: string; keep: KeepSettings }; result: QueueSettings };

  'workers.list': { params: Empty; result: LocalWorkerView[] };
  'workers.start': { params: StartWorkerRequest; result: LocalWorkerView };
  'workers.stop': { params: { id: string; force: boolean }; result: LocalWorkerView };
  'workers.log': { params: { id: string }; result: LogLine[] };
  /** Forgets the local workers that have stopped or failed (their cards and logs). */
  'workers.clear': { params: Empty; result: { cleared: number } };

  'bench.list': { params: Empty; result: BenchRunSummary[] };
  'bench.start': { params: BenchRunRequest; result: BenchRunSummary };
  'bench.cancel': { params: { id: string }; result: BenchRunSummary };
  'bench.get': { params: { id: string }; result: BenchRunView | null };
  /** Loads a saved report (JSON text) so it can be compared with a run. */
  'bench.import': { params: { json: string }; result: BenchRunView };
  'bench.export': { params: { id: string; format: ExportFormat }; result: ExportedFile };
  /** Figure-by-figure change from an earlier run to a later one. */
  'bench.compare': { params: { id: string; earlierId: string }; result: RunComparison };
}

export type Method = keyof Requests;
export type ParamsOf<M extends Method> = Requests[M]['params'];
export type ResultOf<M extends Method> = Requests[M]['result'];

export const METHODS: readonly Method[] = [
  'hello',
  'profiles.list',
  'profiles.validate',
  'profiles.save',
  'profiles.delete',
  'profiles.test',
  'health.list',
  'health.history',
  'ha.nodes',
  'watch.set',
  'queues.snapshot',
  'queues.pause',
  'queues.resume',
  'queues.setLimits',
  'tasks.list',
  'tasks.get',
  'tasks.follow',
  'tasks.unfollow',
  'tasks.requeue',
  'tasks.cancel',
  'tasks.bulk',
  'tasks.purge',
  'tasks.enqueue',
  'schedules.list',
  'schedules.get',
  'schedules.save',
  'schedules.pause',
  'schedules.resume',
  'schedules.remove',
  'schedules.preview',
  'stats.history',
  'queues.settings',
  'queues.setRetention',
  'workers.list',
  'workers.start',
  'workers.stop',
  'workers.log',
  'workers.clear',
  'bench.list',
  'bench.start',
  'bench.cancel',
  'bench.get',
  'bench.import',
  'bench.export',
  'bench.compare',
];
