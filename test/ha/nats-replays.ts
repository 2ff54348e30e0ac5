// Late copies of the NATS backend's META writes (issue 11, NATS HA). The requester sends a write
// again when its reply is lost (a node loss, an election), so the server can store a copy of a
// write after later writes to the same key. Here each such write is captured off the wire (a core
// subscription sees every publish to the bucket's subjects) and sent again, byte for byte with its
// headers, after the write that must not be undone; what the key then holds is checked:
// - a heartbeat after the worker's removal must not list the stopped worker again;
// - the removal of a purged task's idempotency key after a new enqueue took the key must not free
//   it (a third enqueue with the key would make a duplicate);
// - a delayed task's index entry after the task was moved must not index it again (a second
//   message for one task).
// Used on a single server (test/backends/nats.test.ts) and on a 3-replica cluster
// (test/ha/nats.test.ts), where compare-and-sets also carry their Nats-Msg-Id fence.
import assert from 'node:assert/strict';
import type { Msg, NatsConnection } from 'nats';
import type { NatsBackend } from '../../shared/backends/nats/index.js';
import { metaKeys } from '../../shared/backends/nats/names.js';
import { jsonSerializer } from '../../shared/core/serializers.js';
import { newTask, workerInfo } from '../conformance/harness.js';

const decoder = new TextDecoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every publish to the META bucket's keys from now on, in the order the server relayed them. */
function capture(nc: NatsConnection, streamName: string): { stop: () => void; of: (key: string) => Msg[] } {
  const prefix = `$KV.${streamName}_META.`;
  const seen: Msg[] = [];
  const sub = nc.subscribe(`${prefix}>`, { callback: (err, m) => err || seen.push(m) });
  return { stop: () => sub.unsubscribe(), of: (key) => seen.filter((m) => m.subject === prefix + key) };
}

/** Sends a captured write again as the requester would; what the server answered. */
async function replay(nc: NatsConnection, m: Msg): Promise<string> {
  const reply = await nc.request(m.subject, m.data, { headers: m.headers, timeout: 20_000 });
  return decoder.decode(reply.data);
}

const isPurge = (m: Msg) => m.headers?.get('KV-Operation') === 'PURGE';

/** Runs the three replays through `backend` (connected, on `streamName`); `admin` is a plain client
 *  of the same servers. Resolves to what went wrong, one line each (empty: nothing). */
export async function replayLateMetaWrites(backend: NatsBackend, admin: NatsConnection, streamName: string): Promise<string[]> {
  const wrong: string[] = [];
  const wire = capture(admin, streamName);
  await admin.flush(); // the subscription is in place before the writes
  const jsm = await admin.jetstreamManager();
  /** The key's last operation as the stream's leader has it: PUT, DEL, PURGE, or none. */
  const lastOp = async (key: string): Promise<string> => {
    const m = await jsm.streams.getMessage(`KV_${streamName}_META`, { last_by_subj: `$KV.${streamName}_META.${key}` }).catch(() => null);
    return m === null ? 'none' : (m.header?.get('KV-Operation') ?? '') || 'PUT';
  };
  try {
    // 1. Heartbeats, then the worker's removal; each heartbeat sent again.
    const now = Date.now();
    const info = workerInfo({ id: `w-replay-${now}`, queues: ['replay'] });
    await backend.heartbeat(info, 60_000);
    await backend.heartbeat({ ...info, seenAt: Date.now() }, 60_000);
    await backend.removeWorker(info.id);
    await admin.flush();
    const beats = wire.of(metaKeys.worker(info.id)).filter((m) => !isPurge(m));
    assert.equal(beats.length, 2, 'the two heartbeats were not seen on the wire');
    for (const m of beats) await replay(admin, m);
    const listed = (await backend.listWorkers()).filter((w) => w.id === info.id);
    if (listed.length > 0) wrong.push('a heartbeat sent again after the removal listed the stopped worker again');

    // 2. A task with an idempotency key, finished and purged; a new enqueue takes the key; the
    //    purge's removal of the key sent again; a third enqueue with the key.
    const keyed = () => newTask({ queue: 'replay', idempotencyKey: 'once', payload: jsonSerializer.serialize(1) });
    const [first] = await backend.enqueue([keyed()]);
    const [claimed] = await backend.claim({ workerId: 'w-replay', queues: ['replay'], max: 1, leaseMs: 30_000, waitMs: 10_000 });
    assert.equal(claimed?.record.id, first.id);
    assert.deepEqual(
      await backend.complete([
        { lease: claimed.lease, outcome: 'succeeded', result: jsonSerializer.serialize(1), finishedAt: Date.now() - 1000 },
      ]),
      [true],
    );
    assert.equal(await backend.purge({ olderThanMs: 0, queue: 'replay' }), 1);
    const [second] = await backend.enqueue([keyed()]);
    assert.ok(second.created && second.id !== first.id, 'the purge did not free the idempotency key');
    await admin.flush();
    const idemKey = metaKeys.idempotency('replay', 'once');
    const removals = wire.of(idemKey).filter(isPurge);
    assert.equal(removals.length, 1, 'the purge did not remove the idempotency key (on the wire)');
    await replay(admin, removals[0]);
    const [third] = await backend.enqueue([keyed()]);
    if (third.created || third.id !== second.id)
      wrong.push(`the key's removal sent again freed it for a duplicate: a third enqueue made ${third.id} beside ${second.id}`);

    // 3. A delayed task: its index entry, the task moved (and run) once due, the entry sent again.
    const [later] = await backend.enqueue([newTask({ queue: 'replay-later', runAt: Date.now() + 300 })]);
    const [moved] = await backend.claim({ workerId: 'w-replay', queues: ['replay-later'], max: 1, leaseMs: 30_000, waitMs: 10_000 });
    assert.equal(moved?.record.id, later.id);
    assert.deepEqual(
      await backend.complete([{ lease: moved.lease, outcome: 'succeeded', result: jsonSerializer.serialize(2), finishedAt: Date.now() }]),
      [true],
    );
    const entryKey = metaKeys.delayed(later.id);
    for (let i = 0; i < 100 && (await lastOp(entryKey)) === 'PUT'; i++) await sleep(100);
    assert.notEqual(await lastOp(entryKey), 'PUT', 'the moved task kept its index entry');
    await admin.flush();
    const entries = wire.of(entryKey).filter((m) => !isPurge(m));
    assert.equal(entries.length, 1, 'the index entry was not seen on the wire');
    await replay(admin, entries[0]);
    if ((await lastOp(entryKey)) === 'PUT') wrong.push('an index entry sent again after the move indexed the task again');
  } finally {
    wire.stop();
  }
  return wrong;
}
