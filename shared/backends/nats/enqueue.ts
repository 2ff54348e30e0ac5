// Enqueue: idempotency keys (created only if absent), then the task records (created only if
// absent), then one work message per ready task — carrying the record and the revision it was
// written at, so the claim needs no read — or a delayed-index entry per future task. Each step
// is one round of concurrent requests for the whole batch.
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
  // Due delayed tasks go first: they became ready before these.
  await s.scheduler.moveDue();
  await s.levels.ensure(tasks.map((t) => [t.queue, t.priority] as const));
  const outcomes: EnqueueOutcome[] = [];
  for (let i = 0; i < tasks.length; i += CHUNK) outcomes.push(...(await enqueueChunk(s, tasks.slice(i, i + CHUNK))));
  const now = Date.now();
  publishEvents(s, tasks.flatMap((t, i) => (outcomes[i]?.created ? [['e', t.id, t.queue, now, null, null] as WireEvent] : [])));
  return outcomes;
}

async function enqueueChunk(s: Session, tasks: readonly NewTask[]): Promise<EnqueueOutcome[]> {
  const outcomes = await claimIdempotencyKeys(s, tasks);
  const fresh = tasks.filter((_, i) => outcomes[i].created);
  const records = fresh.map((t): StoredTask => {
    const rec: StoredTask = { ...t, state: 'pending', attempts: 0, token: 0 };
    if (t.idempotencyKey !== undefined) rec.idemKey = metaKeys.idempotency(t.queue, t.idempotencyKey);
    return rec;
  });
  const now = Date.now();
  for (const rec of records) if (rec.runAt > now) rec.state = 'delayed';
  const encoded = records.map(encodeRecord);
  const revs = await Promise.all(records.map((rec, i) => s.store.write(rec, 0, encoded[i])));
  const clash = revs.findIndex((r) => r === null);
  if (clash >= 0) throw new SitqError(`a task with id ${records[clash].id} already exists`);

  const ready: { rec: StoredTask; rev: number; body: Uint8Array }[] = [];
  const later: { rec: StoredTask; rev: number }[] = [];
  records.forEach((rec, i) => {
    if (rec.state === 'delayed') later.push({ rec, rev: revs[i]! });
    else ready.push({ rec, rev: revs[i]!, body: encoded[i] });
  });
  // Within one batch, earlier runAt first (then batch order, kept by the stable sort).
  ready.sort((a, b) => a.rec.runAt - b.rec.runAt);
  await Promise.all([
    s.publisher.publish(
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
    ),
    ...later.map(async ({ rec, rev }) => {
      const entry = { queue: rec.queue, level: rec.priority, runAt: rec.runAt, order: rev };
      const entryRev = await s.meta.put(metaKeys.delayed(rec.id), encodeEntry(entry));
      s.scheduler.add({ id: rec.id, ...entry, rev: entryRev });
    }),
  ]);
  return outcomes;
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
