// Claiming. One write transaction (BEGIN IMMEDIATE, so processes sharing the file take turns)
// first settles time-based changes — delayed tasks whose runAt has come become pending, expired
// leases are taken back — and then claims with ONE statement that picks the next tasks in claim
// order and re-checks their state as it updates them. No SELECT-then-UPDATE.
import type { EventLog } from './events.js';
import type { WireEvent } from '../../core/events.js';
import type { Database, Statement } from './driver.js';
import { LEASE_EXPIRED_ERROR } from '../../core/backend.js';
import type { ClaimedTask, ClaimRequest } from '../../core/types.js';
import { writeTransaction } from './connection.js';
import type { ClaimedQueues, CountBatch, Counts } from './counts.js';
import { byClaimOrder, CLAIMED_COLUMNS, toClaimedTask, type ClaimedTuple, type ClaimWrites } from './rows.js';

export interface ClaimResult {
  claimed: ClaimedTask[];
  /** Delayed tasks came due while settling (in any queue): waiting claimers may want them. */
  promoted: boolean;
  /** Queues in which an expired lease made a task ready again. */
  reclaimedIn: Set<string>;
  /** Tasks a lease expiry made dead (waitForFinish callers may want them). */
  died: string[];
  /** Earliest time at which a delayed task or a lease may come due; Infinity if none. */
  nextDueAt: number;
}

export interface Outlook {
  /** Something is claimable (or becomes so by settling) right now. */
  ready: boolean;
  /** Earliest future time at which a delayed task or a lease comes due; Infinity if none. */
  nextDueAt: number;
}

const LEASE_EXPIRED_MESSAGE = `'the lease of worker ' || coalesce(lease_owner, '?') || ' expired on attempt ' || attempts || ' of ' || max_attempts || '; the worker is presumed dead'`;

// Parameters are positional: binding by name costs a property lookup per parameter per call.
export class Claimer {
  private readonly promote: Statement<[now: number], { queue: string }>;
  private readonly expire: Statement<[now: number, now: number], { id: string; queue: string; state: 'pending' | 'dead' }>;
  private readonly outlook: Statement<[], { delayed: number | null; lease: number | null }>;
  private readonly anyDue: Statement<[now: number], { due: number }>;
  /**
   * Claim statements by number of queues and batch size (the SQL has one branch per queue, and the
   * batch size is written into it: see claimStatement).
   */
  private readonly claims = new Map<string, Statement<unknown[], ClaimedTuple>>();
  /** "Anything ready?" statements by number of queues. */
  private readonly readyChecks = new Map<number, Statement<unknown[], { ready: number }>>();
  private readonly claimTx: (request: ClaimRequest, now: number) => ClaimResult;
  private readonly promoteTx: (now: number) => boolean;
  /**
   * When something may next come due, as last seen, and when that was looked up. Settling is
   * skipped while nothing can be due, which saves two statements per claim on a busy queue; the
   * look-up is repeated at least every `recheckMs`, so other processes' delayed tasks and leases
   * are settled at most that late.
   */
  private dueAt = -Infinity;
  private dueSeenAt = -Infinity;

  constructor(
    private readonly db: Database,
    private readonly counts: Counts,
    private readonly claimedQueues: ClaimedQueues,
    private readonly recheckMs: number,
    private readonly events: EventLog,
  ) {
    this.promote = db.prepare(
      `UPDATE sitq_tasks INDEXED BY sitq_tasks_delayed SET state = 'pending' WHERE state = 'delayed' AND run_at <= ? RETURNING queue`,
    );
    this.expire = db.prepare(`
      UPDATE sitq_tasks INDEXED BY sitq_tasks_leases SET
        state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'pending' END,
        finished_at = CASE WHEN attempts >= max_attempts THEN ? END,
        -- Recorded on a reclaim too: the next worker then knows this task may kill its process.
        error = json_object('name', '${LEASE_EXPIRED_ERROR}', 'message', ${LEASE_EXPIRED_MESSAGE}),
        lease_owner = NULL,
        lease_expires_at = NULL
      WHERE state = 'running' AND lease_expires_at <= ?
      RETURNING id, queue, state`);
    this.outlook = db.prepare(`
      SELECT (SELECT min(run_at) FROM sitq_tasks INDEXED BY sitq_tasks_delayed WHERE state = 'delayed') AS delayed,
             (SELECT min(lease_expires_at) FROM sitq_tasks INDEXED BY sitq_tasks_leases WHERE state = 'running') AS lease`);
    this.anyDue = db.prepare(
      `SELECT EXISTS (SELECT 1 FROM sitq_tasks INDEXED BY sitq_tasks_delayed WHERE state = 'delayed' AND run_at <= ?) AS due`,
    );
    this.claimTx = writeTransaction(db, (request: ClaimRequest, now: number) => this.claimNow(request, now));
    this.promoteTx = writeTransaction(db, (now: number) => {
      const counts = this.counts.batch();
      const promoted = this.promoteDue(now, counts);
      counts.write();
      return promoted;
    });
  }

  /** Claims up to `request.max` ready tasks in one write transaction. */
  claim(request: ClaimRequest, now: number): ClaimResult {
    return this.claimTx(request, now);
  }

  /** A delayed task or a lease written in this process comes due at `at`. */
  noteDue(at: number): void {
    if (at < this.dueAt) this.dueAt = at;
  }

  /**
   * Makes delayed tasks whose runAt has passed `pending`, so that reads show the state the types
   * define even when no worker has claimed lately. Only takes the write lock when one is due.
   */
  settle(now: number): boolean {
    return this.anyDue.get(now)?.due === 1 && this.promoteTx(now);
  }

  /**
   * A read-only look (no write lock) used while waiting: is anything claimable for these queues,
   * and when does the next delayed task or lease come due? Idle pollers thus never queue up for
   * the write lock.
   */
  look(queues: readonly string[], now: number): Outlook {
    const args: unknown[] = [];
    for (const q of queues) args.push(q, now);
    const ready = this.readyCheck(queues.length).get(...args)?.ready === 1;
    const nextDueAt = this.lookUpDue(now);
    return { ready: ready || nextDueAt <= now, nextDueAt };
  }

  private lookUpDue(now: number): number {
    const due = this.outlook.get();
    this.dueAt = Math.min(due?.delayed ?? Infinity, due?.lease ?? Infinity);
    this.dueSeenAt = now;
    return this.dueAt;
  }

  /** Delayed tasks whose runAt has passed become pending; answers whether there were any. */
  private promoteDue(now: number, counts: CountBatch): boolean {
    const rows = this.promote.all(now);
    for (const row of rows) counts.moved(row.queue, 'delayed', 'pending');
    return rows.length > 0;
  }

  private claimNow(request: ClaimRequest, now: number): ClaimResult {
    const counts = this.counts.batch();
    let promoted = false;
    const reclaimedIn = new Set<string>();
    const died: string[] = [];
    if (now >= this.dueAt || now - this.dueSeenAt >= this.recheckMs) {
      promoted = this.promoteDue(now, counts);
      for (const row of this.expire.all(now, now)) {
        counts.moved(row.queue, 'running', row.state);
        if (row.state === 'dead' && this.events.wanted(now))
          this.events.append([
            [
              'd',
              row.id,
              row.queue,
              now,
              null,
              JSON.stringify({ name: LEASE_EXPIRED_ERROR, message: 'the lease expired on the last attempt' }),
            ],
          ]);
        if (row.state === 'dead') died.push(row.id);
        else reclaimedIn.add(row.queue);
      }
      this.lookUpDue(now);
    }
    const expires = now + request.leaseMs;
    const args: unknown[] = [request.workerId, expires, now];
    for (const q of request.queues) args.push(q, now);
    const rows = this.claimStatement(request.queues.length, request.max).all(...args);
    if (rows.length > 0) this.noteDue(expires);
    // RETURNING gives no order guarantee; callers start tasks in claim order.
    rows.sort(byClaimOrder);
    const writes: ClaimWrites = { owner: request.workerId, leaseExpiresAt: expires, startedAt: now };
    const only = request.queues.length === 1 ? request.queues[0] : undefined;
    const claimed = rows.map((row) => {
      const queue = only ?? (row[16] as string);
      counts.moved(queue, 'pending', 'running');
      this.claimedQueues.remember(row[0], queue);
      return toClaimedTask(row, queue, writes);
    });
    counts.write();
    if (claimed.length > 0 && this.events.wanted(now))
      this.events.append(claimed.map(({ record: r }): WireEvent => ['s', r.id, r.queue, now, r.attempts, null]));
    return { claimed, promoted, reclaimedIn, died, nextDueAt: this.dueAt };
  }

  /**
   * The batch size is a literal, not a parameter: SQLite (3.46 and later) plans a bound LIMIT from
   * its value, so re-binding it re-prepares the statement on every run — which cost about a fifth of
   * a claim-and-complete. A worker always asks for at most its concurrency, so a few sizes recur.
   */
  private claimStatement(queueCount: number, max: number): Statement<unknown[], ClaimedTuple> {
    const key = `${queueCount}:${max}`;
    let statement = this.claims.get(key);
    if (!statement) {
      // Each queue's branch reads its first `max` tasks straight off the ready index; the outer
      // ORDER BY merges them. `AND state = 'pending'` re-checks the row as it is updated. Rows are
      // picked by rowid, which the index holds: by id, each would first be looked up in the id index.
      // Bound as: owner, expires, now, then (queue, now) per queue.
      const branch = `SELECT * FROM (SELECT rowid AS rid, priority, run_at, seq FROM sitq_tasks INDEXED BY sitq_tasks_ready
                 WHERE state = 'pending' AND queue = ? AND run_at <= ?
                 ORDER BY priority DESC, run_at, seq LIMIT ${max})`;
      const branches = Array<string>(queueCount).fill(branch);
      const picked = queueCount === 1 ? branch : `${branches.join(' UNION ALL ')} ORDER BY priority DESC, run_at, seq LIMIT ${max}`;
      statement = this.db
        .prepare<unknown[], ClaimedTuple>(
          `UPDATE sitq_tasks SET
             state = 'running', attempts = attempts + 1, token = token + 1,
             lease_owner = ?, lease_expires_at = ?, started_at = ?
           WHERE rowid IN (SELECT rid FROM (${picked})) AND state = 'pending'
           RETURNING ${CLAIMED_COLUMNS}${queueCount === 1 ? '' : ', queue'}`,
        )
        .raw(true);
      // Bounds the cache for callers that vary their batch size endlessly.
      if (this.claims.size >= 64) this.claims.clear();
      this.claims.set(key, statement);
    }
    return statement;
  }

  /** Bound as (queue, now) per queue. */
  private readyCheck(queueCount: number): Statement<unknown[], { ready: number }> {
    let statement = this.readyChecks.get(queueCount);
    if (!statement) {
      const one = `EXISTS (SELECT 1 FROM sitq_tasks INDEXED BY sitq_tasks_ready WHERE state = 'pending' AND queue = ? AND run_at <= ?)`;
      statement = this.db.prepare(`SELECT (${Array<string>(queueCount).fill(one).join(' OR ')}) AS ready`);
      this.readyChecks.set(queueCount, statement);
    }
    return statement;
  }
}
