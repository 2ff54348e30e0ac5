// What a lease holder reports: outcomes, renewals, give-backs. Every statement re-checks
// state = running and the lease's fencing token (and owner), so a report made under a lost lease
// changes nothing. Each batch is one write transaction.
import { completionWire, reportWire, type WireEvent } from '../../core/events.js';
import type { EventLog } from './events.js';
import type { Database, Statement } from './driver.js';
import type { TaskReport } from '../../core/progress.js';
import type { Completion, Lease, TaskState } from '../../core/types.js';
import { writeTransaction } from './connection.js';
import type { ClaimedQueues, Counts } from './counts.js';
import { errorJson } from './rows.js';

// Positional parameters throughout: binding by name costs a property lookup per parameter per row.
// Every statement ends with the lease check, bound as (taskId, token, owner).
const HELD = `id = ? AND state = 'running' AND token = ? AND lease_owner = ?`;
const DROP_LEASE = `lease_owner = NULL, lease_expires_at = NULL`;
type Held = [taskId: string, token: number, owner: string];

export interface ReportResult {
  accepted: boolean[];
  /** Tasks that reached a final state. */
  finished: string[];
  /** Queues that got a task back (retried, ready now or delayed): their claimers should look again. */
  queues: Set<string>;
  /** The earliest runAt of a retry that waits as delayed; Infinity if none. */
  dueAt: number;
}

type Returned = { queue: string };

export class Reporter {
  private readonly succeed: Statement<[result: Uint8Array, finishedAt: number, ...Held]>;
  private readonly fail: Statement<[error: string, finishedAt: number, ...Held]>;
  private readonly retry: Statement<[state: TaskState, runAt: number, error: string, ...Held], Returned>;
  private readonly renewStmt: Statement<[expires: number, ...Held]>;
  private readonly reportStmt: Statement<[progress: string | null, log: string | null, dropped: number, ...Held]>;
  private readonly reportTx: (reports: readonly TaskReport[]) => boolean[];
  private readonly taskOf: Statement<[id: string], { queue: string; attempts: number }>;
  private readonly releaseStmt: Statement<Held, Returned>;
  private readonly queuesOf: Statement<[idsJson: string], { queue: string; n: number }>;
  private readonly completeTx: (completions: readonly Completion[], now: number) => ReportResult;
  private readonly renewTx: (leases: readonly Lease[], expires: number) => boolean[];
  private readonly releaseTx: (leases: readonly Lease[]) => Set<string>;

  constructor(
    db: Database,
    private readonly counts: Counts,
    private readonly claimedQueues: ClaimedQueues,
    private readonly events: EventLog,
  ) {
    this.succeed = db.prepare(`UPDATE sitq_tasks SET state = 'succeeded', result = ?, finished_at = ?, ${DROP_LEASE} WHERE ${HELD}`);
    this.fail = db.prepare(`UPDATE sitq_tasks SET state = 'dead', error = ?, finished_at = ?, ${DROP_LEASE} WHERE ${HELD}`);
    // Only a retry returns its queue (to wake that queue's claimers); the common outcomes skip
    // RETURNING, which has a cost of its own.
    this.retry = db.prepare(`UPDATE sitq_tasks SET state = ?, run_at = ?, error = ?, ${DROP_LEASE} WHERE ${HELD} RETURNING queue`);
    this.renewStmt = db.prepare(`UPDATE sitq_tasks SET lease_expires_at = ? WHERE ${HELD}`);
    // A give-back is not an attempt; the row keeps priority, run_at and seq, hence its place.
    this.releaseStmt = db.prepare(`
      UPDATE sitq_tasks SET state = 'pending', attempts = attempts - 1,
        started_at = CASE WHEN attempts = 1 THEN NULL ELSE started_at END, ${DROP_LEASE}
      WHERE ${HELD} RETURNING queue`);
    this.queuesOf = db.prepare(`SELECT queue, count(*) AS n FROM sitq_tasks WHERE id IN (SELECT value FROM json_each(?)) GROUP BY queue`);
    this.completeTx = writeTransaction(db, (completions: readonly Completion[], now: number) => this.completeNow(completions, now));
    this.reportStmt = db.prepare(`UPDATE sitq_tasks SET progress = ?, log = ?, log_dropped = ? WHERE ${HELD}`);
    this.reportTx = writeTransaction(db, (reports: readonly TaskReport[]) => {
      const held = reports.map((r) => {
        const progress = r.progress === undefined ? null : JSON.stringify(r.progress);
        const log = r.log.lines.length === 0 ? null : JSON.stringify(r.log.lines);
        return this.reportStmt.run(progress, log, r.log.dropped, r.lease.taskId, r.lease.token, r.lease.owner).changes === 1;
      });
      const now = Date.now();
      if (this.events.wanted(now)) {
        this.events.append(
          reports.flatMap((r, i) => (held[i] ? this.withTask(r.lease.taskId, (queue, attempt) => reportWire(r, queue, now, attempt)) : [])),
        );
      }
      return held;
    });
    this.taskOf = db.prepare(`SELECT queue, attempts FROM sitq_tasks WHERE id = ?`);
    this.renewTx = writeTransaction(db, (leases: readonly Lease[], expires: number) =>
      leases.map((l) => {
        const held = this.renewStmt.run(expires, l.taskId, l.token, l.owner).changes === 1;
        if (!held) this.claimedQueues.take(l.taskId); // it will not be reported
        return held;
      }),
    );
    this.releaseTx = writeTransaction(db, (leases: readonly Lease[]) => {
      const queues = new Set<string>();
      const counts = this.counts.batch();
      for (const l of leases) {
        this.claimedQueues.take(l.taskId);
        const row = this.releaseStmt.get(l.taskId, l.token, l.owner);
        if (!row) continue;
        queues.add(row.queue);
        counts.moved(row.queue, 'running', 'pending');
      }
      counts.write();
      return queues;
    });
  }

  complete(completions: readonly Completion[], now: number): ReportResult {
    if (completions.length === 0) return { accepted: [], finished: [], queues: new Set(), dueAt: Infinity };
    return this.completeTx(completions, now);
  }

  /** Extends each held lease to `expires`; answers per lease whether it is still held. */
  renew(leases: readonly Lease[], expires: number): boolean[] {
    return leases.length === 0 ? [] : this.renewTx(leases, expires);
  }

  /** Stores handlers' progress and logs (replacing what the task held) while their leases hold. */
  report(reports: readonly TaskReport[]): boolean[] {
    return reports.length === 0 ? [] : this.reportTx(reports);
  }

  /** Gives claimed tasks back unstarted; answers the queues they went back to. */
  release(leases: readonly Lease[]): Set<string> {
    return leases.length === 0 ? new Set() : this.releaseTx(leases);
  }

  private completeNow(completions: readonly Completion[], now: number): ReportResult {
    const result: ReportResult = { accepted: [], finished: [], queues: new Set(), dueAt: Infinity };
    const counts = this.counts.batch();
    // The two final outcomes do not return their queue (see above): it is known from the claim, or
    // else looked up once per batch.
    const succeeded: string[] = [];
    const dead: string[] = [];
    for (const c of completions) {
      const { taskId, token, owner } = c.lease;
      const knownQueue = this.claimedQueues.take(taskId);
      let accepted: boolean;
      switch (c.outcome) {
        case 'succeeded':
          accepted = this.succeed.run(c.result, c.finishedAt, taskId, token, owner).changes === 1;
          break;
        case 'dead':
          accepted = this.fail.run(errorJson(c.error), c.finishedAt, taskId, token, owner).changes === 1;
          break;
        case 'retry': {
          // A retry waits as `delayed` until its runAt, or is `pending` at once when that has passed.
          const state: TaskState = c.runAt <= now ? 'pending' : 'delayed';
          const row = this.retry.get(state, c.runAt, errorJson(c.error), taskId, token, owner);
          result.accepted.push(row !== undefined);
          if (!row) continue;
          result.queues.add(row.queue);
          counts.moved(row.queue, 'running', state);
          if (state === 'delayed') result.dueAt = Math.min(result.dueAt, c.runAt);
          continue;
        }
      }
      result.accepted.push(accepted);
      if (!accepted) continue;
      result.finished.push(taskId);
      if (knownQueue !== undefined) counts.moved(knownQueue, 'running', c.outcome);
      else (c.outcome === 'succeeded' ? succeeded : dead).push(taskId);
    }
    for (const [ids, state] of [
      [succeeded, 'succeeded'],
      [dead, 'dead'],
    ] as const) {
      if (ids.length === 0) continue;
      for (const { queue, n } of this.queuesOf.all(JSON.stringify(ids))) counts.moved(queue, 'running', state, n);
    }
    counts.write();
    if (this.events.wanted(now)) {
      this.events.append(
        completions.flatMap((c, i) =>
          result.accepted[i] ? this.withTask(c.lease.taskId, (queue, attempt) => [completionWire(c, queue, now, attempt)]) : [],
        ),
      );
    }
    return result;
  }

  /** The events `make` builds from the task's queue and attempt (none if it is gone). */
  private withTask(id: string, make: (queue: string, attempt: number) => WireEvent[]): WireEvent[] {
    const row = this.taskOf.get(id);
    return row ? make(row.queue, row.attempts) : [];
  }
}
