// Enqueue: idempotency keys (created only if absent), then the task records (created only if
// absent), then one work message per ready task — carrying the record and the revision it was
// written at, so the claim needs no read — or a delayed-index entry per future task. Each step
// is one round of concurrent requests for the whole batch.
// These are separate writes, so a producer can die between them. An enqueue that finds its key
// taken finishes the earlier one: a key whose task record was never written gets that record
// (create-only, under the key's id: if the earlier producer was only slow, one of the two writes
// wins), and a task still pending or delayed with no attempt gets its work message (same
// Nats-Msg-Id, so the server keeps one within its duplicate window; a stray copy is dropped by the
// claim's compare-and-set) or its delayed-index entry again. So a retried enqueue of a key never
// answers a task that does not exist or never runs.
import type { WireEvent } from '../../core/events.js';
import { publishEvents } from './events.js';
import type { EnqueueOutcome, NewTask } from '../../core/types.js';
import type { Session } from './context.js';
import { checkPriority, checkQueue, checkTaskId, metaKeys } from './names.js';
import { encodeRecord, type StoredTask } from './records.js';
import { ORDER_TOLERANCE_MS } from './publish.js';
import { encodeEntry } from './scheduler.js';
import { SitqError } from '../../core/errors.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Tasks written per round: a huge batch must not hold thousands of requests in flight (each
 *  must be answered within the request timeout). */
const CHUNK = 1000;

export async function enqueue(s: Session, tasks: readonly NewTask[]): Promise<EnqueueOutcome[]> {
  for (const t of tasks) {
    checkTaskId(t.id);
    checkQueue(t.queue);
    checkPriority(t.priority);
  }
  if (tasks.length === 0) return [];
  // Due delayed tasks go first: they became ready before these. (Each step is awaited only when it
  // has something to do: with nothing due and every level known, as on a steady producer, an
  // enqueue goes straight to its writes.)
  if (s.scheduler.mayMove()) await s.scheduler.moveDue();
  if (!s.levels.knowsAll(tasks)) await s.levels.ensure(tasks.map((t) => [t.queue, t.priority] as const));
  let outcomes: EnqueueOutcome[];
  if (tasks.length <= CHUNK) outcomes = await enqueueChunk(s, tasks);
  else {
    outcomes = [];
    for (let i = 0; i < tasks.length; i += CHUNK) outcomes.push(...(await enqueueChunk(s, tasks.slice(i, i + CHUNK))));
  }
  return outcomes;
}

async function enqueueChunk(s: Session, tasks: readonly NewTask[]): Promise<EnqueueOutcome[]> {
  // Without idempotency keys every task is new: no key to claim, no earlier enqueue to finish.
  const keyed = tasks.some((t) => t.idempotencyKey !== undefined);
  const outcomes = keyed ? await claimIdempotencyKeys(s, tasks) : tasks.map((t): EnqueueOutcome => ({ id: t.id, created: true }));
  const fresh = keyed ? tasks.filter((_, i) => outcomes[i].created) : tasks;
  const now = Date.now();
  const written: { rec: StoredTask; rev: number; body: Uint8Array }[] = new Array(fresh.length);
  const writes: Promise<number | null>[] = new Array(fresh.length);
  for (let i = 0; i < fresh.length; i++) {
    const t = fresh[i];
    const rec: StoredTask = { ...t, state: t.runAt > now ? 'delayed' : 'pending', attempts: 0, token: 0 };
    if (t.idempotencyKey !== undefined) rec.idemKey = metaKeys.idempotency(t.queue, t.idempotencyKey);
    const body = encodeRecord(rec);
    written[i] = { rec, rev: 0, body };
    writes[i] = s.store.write(rec, 0, body);
  }
  const revs = await Promise.all(writes);
  const clash = revs.findIndex((r) => r === null);
  if (clash >= 0) throw new SitqError(`a task with id ${written[clash].rec.id} already exists`);
  for (let i = 0; i < written.length; i++) written[i].rev = revs[i]!;
  // The records exist: their `enqueued` events go into the outbox now, so the request that
  // publishes the work messages carries them ahead in the same socket write. Added after that
  // request, they waited for the next one (up to 10 ms), and a worker in another process could
  // claim the task and publish its `started` first: a subscriber saw started before enqueued.
  const at = Date.now();
  const events: WireEvent[] = [];
  for (const t of fresh) events.push(['e', t.id, t.queue, at, null, null]);
  publishEvents(s, events);
  if (keyed) written.push(...(await finishEarlierEnqueues(s, tasks, outcomes, now)));
  await makeClaimable(s, written);
  return outcomes;
}

/** Publishes the work message of each ready task (earlier runAt first, then the given order) and
 *  indexes each delayed one. A retry comes back the same way (leases.ts). */
export async function makeClaimable(s: Session, written: readonly { rec: StoredTask; rev: number; body: Uint8Array }[]): Promise<void> {
  const ready: (typeof written)[number][] = [];
  const later: (typeof written)[number][] = [];
  for (const w of written) (w.rec.state === 'delayed' ? later : ready).push(w);
  // Within one batch, earlier runAt first (then batch order, kept by the stable sort).
  if (ready.length > 1) ready.sort((a, b) => a.rec.runAt - b.rec.runAt);
  if (later.length === 0) return publishReady(s, ready);
  await Promise.all([
    publishReady(s, ready),
    ...later.map(async ({ rec, rev }) => {
      const entry = { queue: rec.queue, level: rec.priority, runAt: rec.runAt, order: rev };
      // Not a compare-and-set (a repeated enqueue writes the same entry again), but one write per
      // record revision: a copy sent again after a lost reply, stored after the scheduler moved
      // the task and removed the entry, would index it again and publish a second message. (That
      // second message would only be dropped by the claim's compare-and-set, but costs a delivery.)
      const entryRev = await s.meta.put(metaKeys.delayed(rec.id), encodeEntry(entry), `d:${rec.id}:${rev}`);
      s.scheduler.add({ id: rec.id, ...entry, rev: entryRev });
    }),
  ]);
}

function publishReady(s: Session, ready: readonly { rec: StoredTask; rev: number; body: Uint8Array }[]): Promise<void> {
  return s.publisher.publish(
    ready.map(({ rec, rev, body }) => ({
      taskId: rec.id,
      queue: rec.queue,
      level: rec.priority,
      runAt: rec.runAt,
      order: rev,
      msgId: `${rec.id}:${rev}`,
      rev,
      body,
      backdated: rec.runAt < rec.enqueuedAt - ORDER_TOLERANCE_MS,
    })),
  );
}

/** For each task whose key named an earlier enqueue's task: that task as it must be made
 *  claimable again (see the top of this file), or nothing when it is underway or done. */
async function finishEarlierEnqueues(
  s: Session,
  tasks: readonly NewTask[],
  outcomes: readonly EnqueueOutcome[],
  now: number,
): Promise<{ rec: StoredTask; rev: number; body: Uint8Array }[]> {
  const owners = new Map<string, NewTask>();
  const batchIds = new Set(tasks.map((t) => t.id));
  tasks.forEach((t, i) => {
    const id = outcomes[i].id;
    if (!outcomes[i].created && !batchIds.has(id) && !owners.has(id)) owners.set(id, t);
  });
  const found = await Promise.all(
    [...owners].map(async ([id, t]) => {
      const last = await s.requester.lastBySubject(s.names.taskStream, s.names.taskSubject(id), true);
      if (last === null) {
        // The key was taken and the record never written: write it now from this task's fields.
        const rec: StoredTask = {
          ...t,
          id,
          state: t.runAt > now ? 'delayed' : 'pending',
          attempts: 0,
          token: 0,
          idemKey: metaKeys.idempotency(t.queue, t.idempotencyKey!),
        };
        const body = encodeRecord(rec);
        const rev = await s.store.write(rec, 0, body);
        return rev === null ? null : { rec, rev, body }; // null: the earlier producer wrote it meanwhile
      }
      if (last.operation === 'DEL' || last.operation === 'PURGE' || last.data.length === 0) return null; // purged: its key goes with it
      const current = await s.store.get(id, true);
      if (!current || current.rec.attempts > 0 || (current.rec.state !== 'pending' && current.rec.state !== 'delayed')) return null;
      return { rec: current.rec, rev: current.rev, body: encodeRecord(current.rec) };
    }),
  );
  return found.filter((f): f is { rec: StoredTask; rev: number; body: Uint8Array } => f !== null);
}

/** One outcome per task: `created` unless its key already names a task (whose id is returned;
 *  a key repeated within the batch goes to its first task). */
async function claimIdempotencyKeys(s: Session, tasks: readonly NewTask[]): Promise<EnqueueOutcome[]> {
  const firstWithKey = new Map<string, number>();
  const outcomes = tasks.map((t): EnqueueOutcome => ({ id: t.id, created: true }));
  const owners = await Promise.all(
    tasks.map(async (t, i) => {
      if (t.idempotencyKey === undefined) return null;
      const key = metaKeys.idempotency(t.queue, t.idempotencyKey);
      if (firstWithKey.has(key)) return null;
      firstWithKey.set(key, i);
      if ((await s.meta.create(key, encoder.encode(t.id))) !== null) return null;
      const existing = await s.meta.get(key);
      return existing ? decoder.decode(existing.value) : null;
    }),
  );
  tasks.forEach((t, i) => {
    if (t.idempotencyKey === undefined) return;
    const first = firstWithKey.get(metaKeys.idempotency(t.queue, t.idempotencyKey))!;
    const owner = owners[first];
    if (owner !== null) outcomes[i] = { id: owner, created: false };
    else if (first !== i) outcomes[i] = { id: tasks[first].id, created: false };
  });
  return outcomes;
}
