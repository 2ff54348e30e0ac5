// NATS high availability: a 3-node JetStream cluster on loopback (started here, private ports),
// the stream and buckets replicated 3 times. A steady load runs through TaskQueue and Worker
// while the node the worker is connected to is SIGKILLed: the work goes on, no task is lost
// (a repeat is allowed — at-least-once — and counted), nodes() shows the dead node, and the
// node rejoins after a restart. The client ports use TLS. Then, on a fresh cluster, completions
// raced by renewals of their leases into a new leader: each is applied once and read back.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { connect, type JetStreamManager, type NatsConnection } from 'nats';
import { NatsBackend } from '../../shared/backends/nats/index.js';
import { CAS_CONFLICT, JsApiError, Requester } from '../../shared/backends/nats/requester.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { Worker } from '../../shared/core/worker.js';
import { natsServerSkip, selfSignedCert, startCluster, stopAll, waitHealthy, type ClusterNode } from './nats-servers.js';
import { Ledger } from '../helpers/ledger.js';
import { silentLogger } from '../../shared/core/logger.js';
import { jsonSerializer } from '../../shared/core/serializers.js';
import type { ClaimedTask, Completion } from '../../shared/core/types.js';
import { newTask } from '../conformance/harness.js';
import { replayLateMetaWrites } from './nats-replays.js';

const skip = natsServerSkip('the NATS cluster tests');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

after(stopAll);

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await check().catch(() => undefined);
    if (got) return got;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** Steps the stream's leader down until `node` leads it (each step-down elects a random peer). */
async function leadOn(nc: NatsConnection, jsm: JetStreamManager, stream: string, node: string): Promise<void> {
  await until(`${node} to lead ${stream}`, 30_000, async () => {
    const info = await jsm.streams.info(stream);
    if (info.cluster?.leader === node) return true;
    await nc.request(`$JS.API.STREAM.LEADER.STEPDOWN.${stream}`, undefined, { timeout: 5000 }).catch(() => {});
    await sleep(500);
    return false;
  });
}

describe('nats: 3-node JetStream cluster', { skip }, () => {
  it('keeps working when the node a worker is connected to is killed, losing no task', async (t) => {
    // TLS on the client ports (one certificate for all three): the client verifies every node
    // it fails over to with the same CA.
    const { cert, key } = selfSignedCert();
    const nodes: ClusterNode[] = await startCluster(3, { extraArgs: ['--tls', '--tlscert', cert, '--tlskey', key] });
    const tls = { caFile: cert };
    const streamName = `SITQ_HA_${randomBytes(4).toString('hex').toUpperCase()}`;
    const options = {
      servers: nodes.map((n) => n.url),
      streamName,
      replicas: 3,
      reconnectWait: 250,
      pingInterval: 2000,
      maxPingsOutstanding: 2,
      connectTimeout: 10_000,
      tls,
    };
    const producerBackend = new NatsBackend(options);
    const workerBackend = new NatsBackend(options);
    const queue = new TaskQueue(producerBackend);
    const TOTAL = 1000;
    const ledger = new Ledger<number>();
    const succeededAt: number[] = [];
    const worker = new Worker(workerBackend, {
      tasks: {
        'ha.work': async (i: unknown) => {
          ledger.record(i as number);
          await sleep(5);
          return i;
        },
      },
      maxConcurrency: 20,
      lease: 5000,
      pollInterval: 500,
      logger: silentLogger,
    });
    worker.on('succeeded', () => succeededAt.push(Date.now()));
    const backendErrors: string[] = [];
    worker.on('backend-error', (e) => backendErrors.push(e.message));
    const ids: string[] = [];
    let enqueueErrors = 0;
    let admin: NatsConnection | undefined;
    try {
      // connect() creates the replicated structures; the cluster may still be settling.
      await until('the cluster to accept the R3 stream', 30_000, () => queue.connect().then(() => true));
      await workerBackend.connect();
      admin = await connect({ servers: nodes.map((n) => n.url), tls });
      const jsm = await admin.jetstreamManager();
      const buckets = [streamName, `KV_${streamName}_TASKS`, `KV_${streamName}_META`];
      for (const name of buckets) assert.equal((await jsm.streams.info(name)).config.num_replicas, 3, `${name} is not replicated 3 times`);
      await worker.start();

      // The worst case: the node the worker talks to also leads the work stream and the records
      // bucket, so both must elect a new leader while the worker moves to another node.
      const serving = await until('the worker to report its serving node', 10_000, async () =>
        (await workerBackend.nodes()).find((n) => n.serving),
      );
      const victim = nodes.find((n) => n.url === serving.address);
      assert.ok(victim, `serving node ${serving.address} is not one of the cluster's`);
      for (const name of buckets.slice(0, 2)) await leadOn(admin, jsm, name, victim.name);
      // nodes() says which server leads the work stream; the others hold its replicas.
      const roles = (list: { address: string; role: string }[]) => list.map((n) => `${n.address} ${n.role}`).sort();
      assert.deepEqual(
        roles(await workerBackend.nodes()),
        roles(nodes.map((n) => ({ address: n.url, role: n === victim ? 'leader' : 'member' }))),
      );

      // Steady load: 10 tasks every 20 ms, while the fault happens.
      const producing = (async () => {
        for (let i = 0; i < TOTAL; i += 10) {
          const batch = Array.from({ length: Math.min(10, TOTAL - i) }, (_, k) => i + k);
          for (;;) {
            try {
              ids.push(...(await queue.enqueueMany('ha.work', batch)));
              break;
            } catch {
              enqueueErrors++; // the producer's own retry (new ids): the first ids were never confirmed
              await sleep(200);
            }
          }
          await sleep(20);
        }
      })();

      await until('a quarter of the work to be done', 60_000, async () => succeededAt.length >= TOTAL / 4);
      const doneBefore = succeededAt.length;
      const killedAt = Date.now();
      await victim.kill();

      const afterKill = await until('nodes() to show the killed node unreachable, another serving and a new leader', 30_000, async () => {
        const list = await workerBackend.nodes();
        const dead = list.find((n) => n.address === victim.url);
        const newLeader = list.some((n) => n.role === 'leader' && n.reachable && n.address !== victim.url);
        return dead && !dead.reachable && !dead.serving && dead.role !== 'leader' && newLeader && list.some((n) => n.serving && n.reachable)
          ? list
          : undefined;
      });
      assert.equal(afterKill.length, 3);

      await producing;
      await until(
        'every enqueued task to be done',
        120_000,
        async () => ids.length > 0 && ledger.runs.size >= TOTAL && succeededAt.length >= ids.length,
      );
      const firstAfter = succeededAt.find((at) => at > killedAt) ?? NaN;
      const lost = [];
      for (const id of ids) {
        // Read-your-writes: the worker that completed it, and another instance (the producer).
        const [rec, seenByProducer] = await Promise.all([workerBackend.getTask(id), producerBackend.getTask(id)]);
        if (rec?.state === 'succeeded' && seenByProducer?.state === 'succeeded') continue;
        // Which it was: a read that trailed the write (the record is succeeded a moment later) or
        // a write that was lost (it stays so; issue 11's, a renewal stored after the completion it
        // raced, see the next test). Both fail the test.
        await sleep(2000);
        const later = await workerBackend.getTask(id).catch((e: Error) => ({ state: `unreadable: ${e.message}` }));
        lost.push(
          `${id}: ${rec?.state ?? 'missing'} (the producer reads ${seenByProducer?.state ?? 'missing'}), ${later?.state === 'succeeded' ? 'succeeded 2 s later (a stale read)' : `still ${later?.state ?? 'missing'} 2 s later (a lost write)`}`,
        );
      }
      const duplicates = ledger.duplicates;
      t.diagnostic(
        `tasks ${ids.length}, done before the kill ${doneBefore}, lost ${lost.length}, duplicates ${duplicates}, ` +
          `first completion after the kill +${firstAfter - killedAt} ms, all done +${succeededAt[succeededAt.length - 1] - killedAt} ms, ` +
          `enqueue errors ${enqueueErrors}, worker backend errors ${backendErrors.length}`,
      );
      assert.deepEqual(lost, [], 'tasks were lost');
      assert.equal(ledger.runs.size, TOTAL, 'some payloads never ran');
      assert.ok(succeededAt.length > doneBefore, 'nothing completed after the kill');

      // The worker's watches survived: a priority level first used now and a delayed task, both
      // from the producer, which then stays quiet (only the worker can move the delayed one).
      const [urgent] = await queue.enqueueMany('ha.work', [TOTAL + 1], { priority: 7 });
      const [later] = await queue.enqueueMany('ha.work', [TOTAL + 2], { delay: 1500 });
      for (const [id, value] of [
        [urgent, TOTAL + 1],
        [later, TOTAL + 2],
      ] as const) {
        assert.equal((await queue.getResult(id, { timeout: 30_000 }))?.value, value, `task ${value} did not run after the kill`);
      }

      // The node comes back with its store and rejoins; nodes() sees it again.
      await victim.launch();
      await waitHealthy(nodes, 60_000);
      await until('nodes() to show the node back', 30_000, async () => (await workerBackend.nodes()).every((n) => n.reachable));
      const [again] = await queue.enqueueMany('ha.work', [TOTAL + 3]);
      assert.equal((await queue.getResult(again, { timeout: 30_000 }))?.value, TOTAL + 3);
    } finally {
      await admin?.close().catch(() => {});
      await worker.stop({ timeout: 5000 }).catch(() => {});
      await producerBackend.destroy().catch(() => {});
      await Promise.all([producerBackend.close(), workerBackend.close()]);
      await stopAll();
    }
  });

  // Issue 11, item 5. nats-server 2.9 checks a clustered compare-and-set (an expected last
  // revision of the key) only on the leader, against what it has applied, before proposing the
  // write: two writes made at the same revision that reach it before the first is applied are
  // both stored. The worker renews the leases of tasks it is reporting, so right after a failover
  // — when the reports held back by the election reach the new leader together — a renewal could
  // be stored after the completion it raced: the record said `running` for good (the HA test
  // above lost 10-14 tasks so in 2 of 6 runs at load average 10-14).
  it('a completion raced by a renewal of its lease into a new leader is applied once, and every read after it sees it', async () => {
    const nodes = await startCluster(3);
    const streamName = `SITQ_RYW_${randomBytes(4).toString('hex').toUpperCase()}`;
    const options = { servers: nodes.map((n) => n.url), streamName, replicas: 3, reconnectWait: 250, connectTimeout: 10_000 };
    const worker = new NatsBackend(options); // reports; remembers the revisions it wrote
    const other = new NatsBackend(options); // another process: knows none of them
    let admin: NatsConnection | undefined;
    try {
      await until('the cluster to accept the R3 stream', 30_000, () => worker.connect().then(() => true));
      await other.connect();
      const TASKS = 100;
      const tasks = Array.from({ length: TASKS }, (_, i) => newTask({ queue: 'ryw', payload: jsonSerializer.serialize(i) }));
      await worker.enqueue(tasks);
      const claimed: ClaimedTask[] = [];
      while (claimed.length < TASKS) {
        claimed.push(
          ...(await worker.claim({ workerId: 'w1', queues: ['ryw'], max: TASKS - claimed.length, leaseMs: 30_000, waitMs: 5000 })),
        );
      }
      const completions: Completion[] = claimed.map((c) => ({
        lease: c.lease,
        outcome: 'succeeded',
        result: jsonSerializer.serialize(c.record.id),
        finishedAt: Date.now(),
      }));
      const leases = claimed.map((c) => c.lease);
      // And one task whose 1 s lease runs out during the failover, to be taken over after it (both
      // instances know its consumer already: no consumer change has to wait for an election).
      const [late] = await worker.enqueue([newTask({ queue: 'ryw-late' })]);
      const lateClaim = { queues: ['ryw-late'], max: 1, leaseMs: 1000 };
      const [first] = await worker.claim({ ...lateClaim, workerId: 'w1', waitMs: 5000 });
      assert.equal(first?.record.id, late.id);
      assert.deepEqual(await other.claim({ ...lateClaim, workerId: 'w2' }), []);

      // The failover: the node leading the records bucket dies. Half of the tasks are reported
      // at once (the reports wait out the election and reach the new leader as it takes over),
      // the other half once the new leader answers: a completion and a renewal of its lease sent
      // together reach it back to back, before it has applied either.
      admin = await connect({ servers: nodes.map((n) => n.url), maxReconnectAttempts: -1, reconnectTimeWait: 250 });
      const jsm = await admin.jetstreamManager();
      const bucket = `KV_${streamName}_TASKS`;
      const leader = (await jsm.streams.info(bucket)).cluster?.leader;
      const victim = nodes.find((n) => n.name === leader);
      assert.ok(victim, `no node leads the records bucket (${leader})`);
      await victim.kill();
      const race = (from: number, to: number) =>
        Promise.all([worker.complete(completions.slice(from, to)), worker.renew(leases.slice(from, to), 30_000)]).then(([done]) => done);
      const duringElection = await race(0, TASKS / 2);
      await until('a new leader of the records bucket', 30_000, async () => {
        const now = (await jsm.streams.info(bucket)).cluster?.leader;
        return now !== undefined && now !== victim.name;
      });
      const afterElection = await race(TASKS / 2, TASKS);
      await admin.close();
      assert.deepEqual([...duringElection, ...afterElection], Array<boolean>(TASKS).fill(true), 'a completion was refused');

      // Read-your-writes: the worker (which wrote them) and another instance both see every
      // completion, with its result.
      const wrong: string[] = [];
      for (const c of claimed) {
        for (const [who, backend] of [
          ['the worker', worker],
          ['another instance', other],
        ] as const) {
          const rec = await backend.getTask(c.record.id);
          const result = rec?.result && (jsonSerializer.deserialize(rec.result) as string);
          if (rec?.state !== 'succeeded' || result !== c.record.id) wrong.push(`${c.record.id} read by ${who}: ${rec?.state ?? 'missing'}`);
        }
      }
      assert.deepEqual(wrong, [], 'a read after the completions did not see them');

      // Fencing holds: the finished leases are refused, and so is a late completion from a lease
      // that expired and was taken over.
      assert.deepEqual(await worker.renew(leases, 30_000), Array<boolean>(TASKS).fill(false));
      assert.deepEqual(await worker.complete(completions.slice(0, 1)), [false]);
      const [second] = await until('the expired lease to be taken over', 30_000, async () => {
        const got = await other.claim({ ...lateClaim, workerId: 'w2', waitMs: 2000 });
        return got.length > 0 ? got : undefined;
      });
      assert.equal(second.record.id, late.id);
      const result = jsonSerializer.serialize('late');
      assert.deepEqual(await worker.complete([{ lease: first.lease, outcome: 'succeeded', result, finishedAt: Date.now() }]), [false]);
      assert.equal((await worker.getTask(late.id))?.state, 'running', 'the late completion of a lost lease was applied');
      assert.deepEqual(await other.complete([{ lease: second.lease, outcome: 'succeeded', result, finishedAt: Date.now() }]), [true]);
      assert.equal((await worker.getTask(late.id))?.state, 'succeeded');
    } finally {
      await admin?.close().catch(() => {});
      await worker.destroy().catch(() => {});
      await Promise.all([worker.close(), other.close()]);
      await stopAll();
    }
  });

  // The writes to META that are not plain compare-and-sets (heartbeats, an idempotency key's
  // removal, a delayed task's index entry), each sent again after the write it must not undo, as
  // the requester does after a lost reply: on 3-replica buckets, where compare-and-sets also carry
  // the Nats-Msg-Id fence (test/ha/nats-replays.ts; the single-server run is in
  // test/backends/nats.test.ts).
  it('late copies of META writes undo nothing on replicated buckets', async () => {
    const nodes = await startCluster(3);
    const streamName = `SITQ_LATE_${randomBytes(4).toString('hex').toUpperCase()}`;
    const backend = new NatsBackend({
      servers: nodes.map((n) => n.url),
      streamName,
      replicas: 3,
      reconnectWait: 250,
      connectTimeout: 10_000,
    });
    let admin: NatsConnection | undefined;
    try {
      await until('the cluster to accept the R3 stream', 30_000, () => backend.connect().then(() => true));
      admin = await connect({ servers: nodes.map((n) => n.url) });
      assert.equal((await (await admin.jetstreamManager()).streams.info(`KV_${streamName}_META`)).config.num_replicas, 3);
      assert.deepEqual(await replayLateMetaWrites(backend, admin, streamName), []);

      // The case issue 11's first log left unexplained: a completion sent twice (its reply late in
      // an election) with a renewal of its lease between the copies, all three made at one
      // revision and sent back to back to the leader. Unfenced, nats-server 2.9 stored all three
      // (100 of 100 keys): the renewal acknowledged after the completion, the record left by the
      // unlogged second copy. Fenced, the first is stored and both others are refused as
      // conflicts naming it.
      const bucket = await admin.jetstream().views.kv(`${streamName}_RACE`, { history: 1, replicas: 3 });
      const fenced = new Requester(admin, 10_000, 'test', true);
      const encode = (v: string) => new TextEncoder().encode(v);
      const stored: string[] = [];
      try {
        for (let i = 0; i < 50; i++) {
          const subject = `$KV.${streamName}_RACE.k${i}`;
          const rev = await bucket.put(`k${i}`, encode('running'));
          const [completion, renewal, copy] = await Promise.allSettled([
            fenced.compareAndSet(subject, encode('succeeded'), rev),
            fenced.compareAndSet(subject, encode('renewed'), rev),
            fenced.compareAndSet(subject, encode('succeeded'), rev),
          ]);
          const won = [completion, renewal, copy].filter((r) => r.status === 'fulfilled');
          if (won.length !== 1 || completion.status !== 'fulfilled') stored.push(`k${i}: ${won.length} of 3 stored`);
          for (const r of [renewal, copy])
            if (r.status === 'rejected' && !(r.reason instanceof JsApiError && r.reason.errCode === CAS_CONFLICT))
              stored.push(`k${i}: ${String(r.reason)}`);
        }
      } finally {
        fenced.close();
      }
      assert.deepEqual(stored, [], 'a second write at one revision was stored');
    } finally {
      await admin?.close().catch(() => {});
      await backend.destroy().catch(() => {});
      await backend.close();
      await stopAll();
    }
  });
});
