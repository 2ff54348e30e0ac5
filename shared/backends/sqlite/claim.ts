// Claiming. One write transaction (BEGIN IMMEDIATE, so processes sharing the file take turns)
// first settles time-based changes — delayed tasks whose runAt has come become pending, expired
// leases are taken back — and then claims with ONE statement that picks the next tasks in claim
// order and re-checks their state as it updates them. No SELECT-then-UPDATE.
import type { Database, Statement } from 'better-sqlite3';
import { writeTransaction } from './connection.js';
import type { ClaimedTask, ClaimRequest } from '../../core/types.js';
import { byClaimOrder, CLAIMED_COLUMNS, toClaimedTask, type ClaimedTuple } from './rows.js';

export interface ClaimResult {
  claimed: ClaimedTask[];
  /** Delayed tasks came due while settling (in any queue): waiting claimers may want them. */
  promoted: boolean;
  /** Queues in which an expired lease made a task ready again. */
  reclaimedIn: Set<string>;
  /** Tasks a lease expiry made dead (waitForFinish callers may want them). */
  died: string[];
  /** When nothing was claimed: the earliest future time a delayed task or a lease comes due. */
  nextDueAt: number;
}

export interface Outlook {
  /** Something is claimable (or becomes so by settling) right now. */
  ready: boolean;
  /** Earliest future time at which a delayed task or a lease comes due; Infinity if none. */
  nextDueAt: number;
}

const LEASE_EXPIRED_MESSAGE = `'the lease of worker ' || coalesce(lease_owner, '?') || ' expired on attempt ' || attempts || ' of ' || max_attempts || '; the worker is presumed dead'`;

export class Claimer {
  private readonly promote: Statement<[number]>;
  private readonly expire: Statement<[{ now: number }], { id: string; queue: string; state: string }>;
  private readonly outlook: Statement<[], { delayed: number | null; lease: number | null }>;
  /** Claim and "anything ready?" statements by number of queues (the SQL lists one branch per queue). */
  private readonly claims = new Map<number, Statement<[Record<string, unknown>], ClaimedTuple>>();
  private readonly readyChecks = new Map<number, Statement<[Record<string, unknown>], { ready: number }>>();
  private readonly claimTx: (request: ClaimRequest, now: number) => ClaimResult;
  private readonly anyDue: Statement<[number], { due: number }>;
  private readonly promoteTx: (now: number) => boolean;

  constructor(private readonly db: Database) {
    this.promote = db.prepare(`UPDATE sitq_tasks INDEXED BY sitq_tasks_delayed SET state = 'pending' WHERE state = 'delayed' AND run_at <= ?`);
    this.expire = db.prepare(`
      UPDATE sitq_tasks INDEXED BY sitq_tasks_leases SET
        state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'pending' END,
        finished_at = CASE WHEN attempts >= max_attempts THEN :now END,
        error = CASE WHEN attempts >= max_attempts
          THEN json_object('name', 'LeaseExpiredError', 'message', ${LEASE_EXPIRED_MESSAGE})
          ELSE error END,
        lease_owner = NULL,
        lease_expires_at = NULL
      WHERE state = 'running' AND lease_expires_at <= :now
      RETURNING id, queue, state`);
    this.outlook = db.prepare(`
      SELECT (SELECT min(run_at) FROM sitq_tasks INDEXED BY sitq_tasks_delayed WHERE state = 'delayed') AS delayed,
             (SELECT min(lease_expires_at) FROM sitq_tasks INDEXED BY sitq_tasks_leases WHERE state = 'running') AS lease`);
    this.claimTx = writeTransaction(db, (request: ClaimRequest, now: number) => this.claimNow(request, now));
    this.anyDue = db.prepare(`SELECT EXISTS (SELECT 1 FROM sitq_tasks INDEXED BY sitq_tasks_delayed WHERE state = 'delayed' AND run_at <= ?) AS due`);
    this.promoteTx = writeTransaction(db, (now: number) => this.promote.run(now).changes > 0);
  }

  /** Claims up to `request.max` ready tasks in one write transaction. */
  claim(request: ClaimRequest, now: number): ClaimResult {
    return this.claimTx(request, now);
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
    const ready = this.readyCheck(queues.length).get(queueParams(queues, now))?.ready === 1;
    const nextDueAt = this.nextDue();
    return { ready: ready || nextDueAt <= now, nextDueAt };
  }

  private nextDue(): number {
    const due = this.outlook.get();
    return Math.min(due?.delayed ?? Infinity, due?.lease ?? Infinity);
  }

  private claimNow(request: ClaimRequest, now: number): ClaimResult {
    const promoted = this.promote.run(now).changes > 0;
    const reclaimedIn = new Set<string>();
    const died: string[] = [];
    for (const row of this.expire.all({ now })) {
      if (row.state === 'dead') died.push(row.id);
      else reclaimedIn.add(row.queue);
    }
    const params = queueParams(request.queues, now);
    params.max = request.max;
    params.owner = request.workerId;
    params.expires = now + request.leaseMs;
    const rows = this.claimStatement(request.queues.length).all(params);
    // RETURNING gives no order guarantee; callers start tasks in claim order.
    rows.sort(byClaimOrder);
    return { claimed: rows.map(toClaimedTask), promoted, reclaimedIn, died, nextDueAt: rows.length > 0 ? Infinity : this.nextDue() };
  }

  private claimStatement(queueCount: number): Statement<[Record<string, unknown>], ClaimedTuple> {
    let statement = this.claims.get(queueCount);
    if (!statement) {
      // Each queue's branch reads its first `max` tasks straight off the ready index; the outer
      // ORDER BY merges them. `AND state = 'pending'` re-checks the row as it is updated.
      const branches = range(queueCount).map(
        (i) => `SELECT * FROM (SELECT id, priority, run_at, seq FROM sitq_tasks INDEXED BY sitq_tasks_ready
                 WHERE state = 'pending' AND queue = :q${i} AND run_at <= :now
                 ORDER BY priority DESC, run_at, seq LIMIT :max)`,
      );
      const picked = queueCount === 1 ? branches[0] : `${branches.join(' UNION ALL ')} ORDER BY priority DESC, run_at, seq LIMIT :max`;
      statement = this.db.prepare<[Record<string, unknown>], ClaimedTuple>(`
        UPDATE sitq_tasks SET
          state = 'running', attempts = attempts + 1, token = token + 1,
          lease_owner = :owner, lease_expires_at = :expires, started_at = :now
        WHERE id IN (SELECT id FROM (${picked})) AND state = 'pending'
        RETURNING ${CLAIMED_COLUMNS}`).raw(true);
      this.claims.set(queueCount, statement);
    }
    return statement;
  }

  private readyCheck(queueCount: number): Statement<[Record<string, unknown>], { ready: number }> {
    let statement = this.readyChecks.get(queueCount);
    if (!statement) {
      const pending = range(queueCount).map((i) => `EXISTS (SELECT 1 FROM sitq_tasks INDEXED BY sitq_tasks_ready WHERE state = 'pending' AND queue = :q${i} AND run_at <= :now)`);
      statement = this.db.prepare(`SELECT (${pending.join(' OR ')}) AS ready`);
      this.readyChecks.set(queueCount, statement);
    }
    return statement;
  }
}

function queueParams(queues: readonly string[], now: number): Record<string, unknown> {
  const params: Record<string, unknown> = { now };
  queues.forEach((q, i) => (params[`q${i}`] = q));
  return params;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
