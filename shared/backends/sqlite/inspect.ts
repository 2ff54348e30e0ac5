// Reading: single tasks, pages of tasks, per-queue counts, queue names. Counts and paging totals
// come from the sitq_counts table (see counts.ts) and a live count of running tasks, so they cost
// the same with 100 or 1,000,000 tasks; a page is read from the nearer end of its listing
// (core/paging.ts), so the last page costs what the first does.
import { checkListQuery } from '../../core/rules.js';
import { newestFirst, pageWindow } from '../../core/paging.js';
import type { Database, Statement } from './driver.js';
import { searchNeedle } from '../../core/task-search.js';
import {
  emptyCounts,
  type ListTasksQuery,
  type QueueCounts,
  type StateCounts,
  type TaskPage,
  type TaskRecord,
  type TaskState,
} from '../../core/types.js';
import type { StoredState } from './counts.js';
import { toRecord, type TaskRow } from './rows.js';

type PageParams = { queue?: string; limit: number; offset: number };
type SearchParams = PageParams & { search: string };

/** task-search.ts's rule in SQL: id, name, the error's name or message, or a JSON payload's text
 *  contains the (already lower-cased) search; lower() folds A–Z only, as foldCase does. */
const SEARCH_CONDITION = `(instr(lower(id), :search) > 0 OR instr(lower(name), :search) > 0
  OR instr(lower(coalesce(json_extract(error, '$.name'), '')), :search) > 0
  OR instr(lower(coalesce(json_extract(error, '$.message'), '')), :search) > 0
  OR (CASE WHEN serializer = 'json' THEN instr(lower(CAST(payload AS TEXT)), :search) > 0 ELSE 0 END))`;

/** States that sitq_tasks_failed indexes (its WHERE, as in the migration); any other state filter
 *  walks the id order instead. */
const INDEXED_STATES: ReadonlySet<TaskState> = new Set(['dead', 'cancelled']);
const FAILED_CONDITION = `state IN ('dead', 'cancelled')`;

export class Inspector {
  private readonly byId: Statement<[string], TaskRow>;
  private readonly pages = new Map<string, Statement<[PageParams], TaskRow>>();
  private readonly searches = new Map<
    string,
    { page: Statement<[SearchParams], TaskRow>; total: Statement<[SearchParams], { n: number }> }
  >();
  private readonly stored: Statement<[], { queue: string; state: StoredState; n: number }>;
  private readonly running: Statement<[], { queue: string; n: number }>;
  /** Stored counts and running tasks, read in one snapshot so that they agree. */
  private readonly snapshot: () => Map<string, StateCounts>;
  private readonly oldestPending: Statement<[{ queue: string }], { oldest: number | null }>;
  private readonly queues: Statement<[], { queue: string }>;

  /** The columns a listing reads. */
  private readonly listing: string;

  constructor(private readonly db: Database) {
    this.byId = db.prepare(`SELECT * FROM sitq_tasks WHERE id = ?`);
    // Listings leave the log out (Backend.listTasks): every column but it, read from the schema.
    const columns = db.prepare(`PRAGMA table_info(sitq_tasks)`).all() as { name: string }[];
    this.listing = columns
      .map((c) => (c.name === 'log' ? 'NULL AS log' : c.name === 'log_dropped' ? '0 AS log_dropped' : c.name))
      .join(', ');
    this.stored = db.prepare(`SELECT queue, state, n FROM sitq_counts WHERE n <> 0`);
    this.running = db.prepare(
      `SELECT queue, count(*) AS n FROM sitq_tasks INDEXED BY sitq_tasks_leases WHERE state = 'running' GROUP BY queue`,
    );
    this.snapshot = db.transaction(() => this.readCounts());
    // The oldest runAt among a queue's pending tasks, without reading them all: hop from one
    // priority to the next along the ready index and take each priority's first (earliest) entry.
    this.oldestPending = db.prepare(`
      WITH RECURSIVE p(priority) AS (
        SELECT max(priority) FROM sitq_tasks INDEXED BY sitq_tasks_ready WHERE state = 'pending' AND queue = :queue
        UNION ALL
        SELECT (SELECT max(priority) FROM sitq_tasks INDEXED BY sitq_tasks_ready
                WHERE state = 'pending' AND queue = :queue AND priority < p.priority)
        FROM p WHERE p.priority IS NOT NULL
      )
      SELECT min((SELECT min(run_at) FROM sitq_tasks INDEXED BY sitq_tasks_ready
                  WHERE state = 'pending' AND queue = :queue AND priority = p.priority)) AS oldest
      FROM p WHERE p.priority IS NOT NULL`);
    this.queues = db.prepare(`SELECT queue FROM sitq_counts GROUP BY queue HAVING sum(n) > 0 ORDER BY queue`);
  }

  getTask(taskId: string): TaskRecord | null {
    const row = this.byId.get(taskId);
    return row ? toRecord(row) : null;
  }

  listTasks(query: ListTasksQuery): TaskPage {
    const { limit, offset } = checkListQuery(query);
    const needle = searchNeedle(query.search);
    const byQueue = query.queue !== undefined;
    const pageParams: PageParams = { limit, offset };
    if (byQueue) pageParams.queue = query.queue;
    if (needle !== undefined) {
      // A search reads every task of the filter (no index helps a substring), once for the
      // page and once for the count, in one read transaction so the two agree.
      const statements = this.search(byQueue, query.state);
      const params = { ...pageParams, search: needle };
      return this.db.transaction(() => ({
        tasks: statements.page.all(params).map(toRecord),
        total: statements.total.get(params)?.n ?? 0,
      }))();
    }
    // The total first, then the page from the nearer end (core/paging.ts): OFFSET walks every
    // skipped index entry. One read transaction, so the page agrees with the total it was placed by.
    return this.db.transaction(() => {
      let total = 0;
      for (const [queue, counts] of this.readCounts()) {
        if (byQueue && queue !== query.queue) continue;
        total += query.state !== undefined ? counts[query.state] : Object.values(counts).reduce((a, b) => a + b, 0);
      }
      const window = pageWindow(total, offset, limit);
      if (window.limit === 0) return { tasks: [], total };
      const rows = this.page(byQueue, query.state, window.oldestFirst).all({ ...pageParams, offset: window.offset, limit: window.limit });
      return { tasks: newestFirst(window, rows).map(toRecord), total };
    })();
  }

  counts(now: number): QueueCounts[] {
    const result: QueueCounts[] = [];
    for (const [queue, counts] of this.snapshot()) {
      const entry: QueueCounts = { queue, counts, oldestPendingAgeMs: 0 };
      if (counts.pending > 0) {
        const oldest = this.oldestPending.get({ queue })?.oldest;
        if (oldest != null) entry.oldestPendingAgeMs = Math.max(0, now - oldest);
      }
      result.push(entry);
    }
    return result.sort((a, b) => (a.queue < b.queue ? -1 : a.queue > b.queue ? 1 : 0));
  }

  /** Per queue with any task: the stored counts, with `active` split into pending and running. */
  private readCounts(): Map<string, StateCounts> {
    const byQueue = new Map<string, StateCounts>();
    const of = (queue: string) => {
      let counts = byQueue.get(queue);
      if (!counts) byQueue.set(queue, (counts = emptyCounts()));
      return counts;
    };
    for (const { queue, state, n } of this.stored.all()) {
      if (state === 'active') of(queue).pending += n;
      else of(queue)[state] += n;
    }
    for (const { queue, n } of this.running.all()) {
      const counts = of(queue);
      counts.running += n;
      counts.pending -= n;
    }
    return byQueue;
  }

  listQueues(): string[] {
    return this.queues.all().map((r) => r.queue);
  }

  private search(byQueue: boolean, state: TaskState | undefined) {
    const key = `${byQueue}:${state ?? ''}`;
    let statements = this.searches.get(key);
    if (!statements) {
      const where = [SEARCH_CONDITION];
      if (byQueue) where.push('queue = :queue');
      if (state !== undefined) where.push(`state = '${state}'`);
      const filter = `WHERE ${where.join(' AND ')}`;
      statements = {
        page: this.db.prepare(`SELECT ${this.listing} FROM sitq_tasks ${filter} ORDER BY id DESC LIMIT :limit OFFSET :offset`),
        total: this.db.prepare(`SELECT count(*) AS n FROM sitq_tasks ${filter}`),
      };
      this.searches.set(key, statements);
    }
    return statements;
  }

  /** Newest first, or oldest first for a page nearer the end. */
  private page(byQueue: boolean, state: TaskState | undefined, oldestFirst: boolean): Statement<[PageParams], TaskRow> {
    const key = `${byQueue}:${state ?? ''}:${oldestFirst}`;
    let statement = this.pages.get(key);
    if (!statement) {
      const { index, where } = listingPath(byQueue, state);
      statement = this.db.prepare(
        `SELECT ${this.listing} FROM sitq_tasks ${index} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id ${oldestFirst ? 'ASC' : 'DESC'} LIMIT :limit OFFSET :offset`,
      );
      this.pages.set(key, statement);
    }
    return statement;
  }
}

/**
 * The index a listing walks in id order, and its conditions. The state is written into the SQL
 * (it is one of six checked names), and a partial index's own condition is repeated word for word:
 * SQLite uses a partial index only when the query's WHERE contains it.
 * - pending tasks of a queue: sitq_tasks_pending (queue, id), which holds nothing else, so a page
 *   costs the same however many finished tasks sit at either end of the queue;
 * - running tasks: the leases index, which holds only them (as many as the workers' concurrency),
 *   sorted by id;
 * - dead and cancelled: sitq_tasks_failed (state, id);
 * - any other filter walks the queue's index (queue, id), or the primary key, skipping the tasks
 *   in other states (`+state` keeps the planner off the claim-side indexes, not in id order).
 */
function listingPath(byQueue: boolean, state: TaskState | undefined): { index: string; where: string[] } {
  const where: string[] = byQueue ? ['queue = :queue'] : [];
  if (state === 'pending' && byQueue) return { index: 'INDEXED BY sitq_tasks_pending', where: [...where, `state = 'pending'`] };
  if (state === 'running') return { index: 'INDEXED BY sitq_tasks_leases', where: [...where, `state = 'running'`] };
  if (state !== undefined && INDEXED_STATES.has(state))
    return { index: 'INDEXED BY sitq_tasks_failed', where: [...where, `${FAILED_CONDITION} AND state = '${state}'`] };
  if (state !== undefined) where.push(`+state = '${state}'`);
  return { index: byQueue ? 'INDEXED BY sitq_tasks_queue' : '', where };
}
