// Queues and tasks as the UI shows them: records turned into small rows and readable details,
// plus the operator actions (requeue, cancel, purge) and test-task enqueueing.
import { inspect } from 'node:util';
import { ConfigurationError } from '../core/errors.js';
import { toTaskView, type TaskView } from '../core/task-view.js';
import type { TaskRecord, WorkerInfo } from '../core/types.js';
import type {
  BulkAction,
  BulkOutcome,
  BulkTarget,
  EnqueueRequest,
  QueuesSnapshot,
  TaskDetail,
  TaskPageView,
  TaskRow,
  TaskState,
} from '../protocol/models.js';
import type { Connection } from './connections.js';

export async function snapshot(profile: string, c: Connection): Promise<QueuesSnapshot> {
  const [queues, workers] = await Promise.all([c.queue.queues(), c.backend.listWorkers()]);
  return {
    profile,
    at: Date.now(),
    queues: queues
      .map((q) => ({
        queue: q.queue,
        counts: { ...q.counts },
        oldestPendingAgeMs: q.oldestPendingAgeMs,
        paused: q.paused,
        ...(q.rate ? { rate: { ...q.rate } } : {}),
        ...(q.maxRunning !== undefined ? { maxRunning: q.maxRunning } : {}),
        ...(q.keep ? { keep: structuredClone(q.keep) } : {}),
      }))
      .sort((a, b) => a.queue.localeCompare(b.queue)),
    workers: workers.map((w: WorkerInfo) => ({ ...w, queues: [...w.queues] })),
  };
}

/** What changed in a snapshot, ignoring clocks that tick on their own. */
export function snapshotSignature(s: QueuesSnapshot): string {
  return JSON.stringify([
    s.queues.map((q) => [q.queue, q.counts, q.paused, q.rate, q.maxRunning, q.keep]),
    s.workers.map((w) => [w.id, w.running, w.processed, w.failed]),
  ]);
}

export async function listTasks(
  c: Connection,
  query: { queue?: string; state?: TaskState; search?: string; offset: number; limit: number },
): Promise<TaskPageView> {
  const page = await c.backend.listTasks({
    queue: query.queue || undefined,
    state: query.state,
    search: query.search,
    offset: query.offset,
    limit: query.limit,
  });
  return { rows: page.tasks.map(toRow), total: page.total, offset: query.offset, limit: query.limit };
}

/** Acted on this many tasks at a time (each is its own backend call). */
const BULK_PARALLEL = 16;
const BULK_PAGE = 1000;

/**
 * Requeues or cancels a selection, or every task a filter matches when the call starts (the
 * matching ids are read first, page by page, so tasks that change state meanwhile are neither
 * acted on twice nor chased). Each task goes through the same checked single-task operation as
 * the task detail's button, so a task whose state does not allow it is skipped, not forced.
 */
export async function bulkAction(c: Connection, action: BulkAction, target: BulkTarget): Promise<BulkOutcome> {
  let ids: string[];
  if ('ids' in target) ids = [...new Set(target.ids)];
  else {
    ids = [];
    const query = { queue: target.queue || undefined, state: target.state, search: target.search };
    for (let offset = 0; ; offset += BULK_PAGE) {
      const page = await c.backend.listTasks({ ...query, offset, limit: BULK_PAGE });
      ids.push(...page.tasks.map((t) => t.id));
      if (page.tasks.length < BULK_PAGE || offset + BULK_PAGE >= page.total) break;
    }
  }
  const one = action === 'requeue' ? (id: string) => c.queue.requeue(id) : (id: string) => c.queue.cancel(id);
  let changed = 0;
  for (let i = 0; i < ids.length; i += BULK_PARALLEL) {
    for (const ok of await Promise.all(ids.slice(i, i + BULK_PARALLEL).map(one))) if (ok) changed++;
  }
  return { changed, skipped: ids.length - changed };
}

export async function getTask(c: Connection, id: string): Promise<TaskDetail | null> {
  const record = await c.backend.getTask(id);
  if (!record) return null;
  return toDetail(record, toTaskView(record));
}

export function toRow(r: TaskRecord): TaskRow {
  const row: TaskRow = {
    id: r.id,
    queue: r.queue,
    name: r.name,
    state: r.state,
    priority: r.priority,
    attempts: r.attempts,
    maxAttempts: r.maxAttempts,
    enqueuedAt: r.enqueuedAt,
    runAt: r.runAt,
  };
  if (r.startedAt !== undefined) row.startedAt = r.startedAt;
  if (r.finishedAt !== undefined) row.finishedAt = r.finishedAt;
  if (r.error) row.error = `${r.error.name}: ${firstLine(r.error.message)}`;
  if (r.progress !== undefined) row.progress = r.progress;
  return row;
}

function toDetail(r: TaskRecord, view: TaskView): TaskDetail {
  const detail: TaskDetail = {
    ...toRow(r),
    serializer: r.serializer,
    payloadText: view.decodeError ? '' : show(view.payload),
    backoff: { ...r.backoff },
  };
  if (view.result !== undefined) detail.resultText = show(view.result);
  if (view.decodeError) detail.decodeError = view.decodeError;
  if (r.error) {
    detail.errorName = r.error.name;
    detail.errorMessage = r.error.message;
    if (r.error.stack) detail.errorStack = r.error.stack;
  }
  if (r.timeoutMs !== undefined) detail.timeoutMs = r.timeoutMs;
  if (r.idempotencyKey !== undefined) detail.idempotencyKey = r.idempotencyKey;
  if (r.leaseOwner !== undefined) detail.leaseOwner = r.leaseOwner;
  if (r.leaseExpiresAt !== undefined) detail.leaseExpiresAt = r.leaseExpiresAt;
  if (r.log !== undefined) detail.log = r.log;
  if (r.logDropped !== undefined) detail.logDropped = r.logDropped;
  if (r.headers !== undefined) detail.headers = r.headers;
  return detail;
}

/** Pretty JSON where the value is JSON; otherwise Node's inspection (v8-serialized Dates, Maps...). */
function show(value: unknown): string {
  try {
    const json = JSON.stringify(value, null, 2);
    if (json !== undefined && JSON.stringify(JSON.parse(json)) === JSON.stringify(value)) return json;
  } catch {
    // not JSON
  }
  return inspect(value, { depth: 6, breakLength: 100 });
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0];
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/** Parses the form's JSON payload; a syntax error is a ConfigurationError naming the field. */
export function parsePayload(text: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigurationError({ option: 'payloadJson', expected: `valid JSON (${(err as Error).message})` });
  }
}

export async function enqueue(c: Connection, req: EnqueueRequest): Promise<{ enqueued: number; firstId?: string }> {
  const payload = parsePayload(req.payloadJson);
  const payloads = Array.from({ length: req.count }, () => payload);
  // TaskQueue validates the name and options (queue, priority, delay, attempts) before writing.
  const ids = await c.queue.enqueueMany(req.name, payloads, {
    queue: req.queue || 'default',
    priority: req.priority,
    delay: req.delayMs,
    maxAttempts: req.maxAttempts,
  });
  return ids.length ? { enqueued: ids.length, firstId: ids[0] } : { enqueued: 0 };
}
