// Redis high availability and faults, on private servers this file starts (ports 7000-7049):
// the whole conformance suite and a load run on a local 3-master cluster, a sentinel failover
// under load, and the backend's recovery from a server restart, killed connections and a silent
// network stall. Nothing here touches the main server on 6379.
import assert from 'node:assert/strict';
import { Cluster } from 'ioredis';
import { after, before, describe, it } from 'node:test';
import { RedisBackend, type RedisOptions } from '../../shared/backends/redis/index.js';
import type { Backend } from '../../shared/core/backend.js';
import { ConnectionError } from '../../shared/core/errors.js';
import { silentLogger } from '../../shared/core/logger.js';
import type { TaskContext } from '../../shared/core/tasks.js';
import { jsonSerializer } from '../../shared/core/serializers.js';
import type { NewTask } from '../../shared/core/types.js';
import { Worker } from '../../shared/core/worker.js';
import { FaultProxy } from '../../bench/faults/proxy.js';
import { exerciseBackend } from '../conformance/index.js';
import { eventually, newTask, sleep } from '../conformance/harness.js';
import {
  freshRedisPrefix,
  RedisProcess,
  redisServerSkip,
  startCluster,
  startSentinels,
  TEST_TLS_CLIENT,
  withAdmin,
  withRedisBackend,
  type LocalCluster,
} from './redis-servers.js';
import { Ledger } from '../helpers/ledger.js';

const CLUSTER_PORTS = [7000, 7001, 7002];
const SENTINEL_SETUP = { master: 7010, replica: 7011, sentinels: [7020, 7021, 7022] };
const FAULT_PORT = 7030;
const TLS_CLUSTER_PORTS = [7040, 7041, 7042];
const TLS_SENTINEL_SETUP = { master: 7045, replica: 7046, sentinels: [7047] };

const skip = redisServerSkip();
const freshPrefix = freshRedisPrefix;

// The cluster lives for the whole file: the conformance suite below needs it when its tests are
// declared, so it is started here and stopped after every test.
let cluster: LocalCluster | undefined;
if (!skip) cluster = await startCluster(CLUSTER_PORTS);
after(() => cluster?.stop());

const clusterOptions = (): RedisOptions => ({ cluster: { startupNodes: cluster!.startupNodes }, keyPrefix: freshPrefix() });

if (cluster) {
  await exerciseBackend({
    kind: 'redis',
    freshConfig: () => ({ type: 'redis', ...clusterOptions() }),
    unreachableConfig: () => ({ type: 'redis', cluster: { startupNodes: [{ host: '127.0.0.1', port: 1 }] }, connectTimeout: 1000 }),
    // The layout key on whichever master serves its slot, as a newer sitq would write it.
    async writeLayoutVersion(config, version) {
      const client = new Cluster(cluster.startupNodes, { lazyConnect: true });
      try {
        await client.connect();
        await client.set(`${(config as { keyPrefix: string }).keyPrefix}{meta}:layout`, String(version));
      } finally {
        client.disconnect();
      }
    },
  });
}

const withBackend = withRedisBackend;

const succeed = (lease: { taskId: string; owner: string; token: number }) => ({
  lease,
  outcome: 'succeeded' as const,
  result: jsonSerializer.serialize(1),
  finishedAt: Date.now(),
});

/** Workers on their own backends (as separate processes would be), each counting its runs. */
async function startWorkers(count: number, options: RedisOptions, queues: string[], ledger: Ledger, lease = 10_000) {
  const backends: RedisBackend[] = [];
  const workers: Worker[] = [];
  const recentErrors: string[][] = [];
  for (let i = 0; i < count; i++) {
    const backend = new RedisBackend(options);
    await backend.connect();
    const worker = new Worker(backend, {
      queues,
      maxConcurrency: 20,
      pollInterval: 500,
      lease,
      logger: silentLogger,
      tasks: { 'ha.count': (_payload: unknown, ctx: TaskContext) => void ledger.record(ctx.taskId) },
    });
    // Expected during a failover (the ledger says whether anything was lost); the latest few
    // are kept for the failure message of a test that did not recover.
    const errors: string[] = [];
    worker.on('backend-error', (err) => {
      errors.push(`${new Date().toISOString().slice(11, 23)} ${err.message}`);
      if (errors.length > 5) errors.shift();
    });
    await worker.start();
    backends.push(backend);
    workers.push(worker);
    recentErrors.push(errors);
  }
  return {
    workers,
    /** Each worker's live numbers and latest backend errors, for a failure message. */
    describe: () =>
      workers
        .map(
          (w, i) =>
            `worker ${i}: ${JSON.stringify({ running: w.info.running, processed: w.info.processed, failed: w.info.failed })}; latest errors: ${recentErrors[i].join(' | ') || 'none'}`,
        )
        .join('\n'),
    stop: async () => {
      await Promise.all(workers.map((w) => w.stop({ timeout: 2000 })));
      await Promise.all(backends.map((b) => b.close()));
    },
  };
}

/** Enqueues with retries (same ids: a retry of a write that did land creates nothing new). */
async function enqueueRetrying(backend: Backend, tasks: NewTask[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await backend.enqueue(tasks);
      return;
    } catch (err) {
      if (!(err instanceof ConnectionError) || Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
}

/** Enqueues `batches` batches of `size` count tasks, 50 ms apart, running `fault` after batch
 *  `faultAfter`; answers every id enqueued. */
async function loadWithFault(
  producer: Backend,
  o: { batches: number; size: number; faultAfter: number; fault: () => Promise<void> },
): Promise<string[]> {
  const ids: string[] = [];
  for (let batch = 0; batch < o.batches; batch++) {
    const tasks = Array.from({ length: o.size }, () => countTask('default'));
    ids.push(...tasks.map((task) => task.id));
    await enqueueRetrying(producer, tasks);
    if (batch === o.faultAfter) await o.fault();
    await sleep(50);
  }
  return ids;
}

/** Every id finished (succeeded), or the ids that are not. */
async function unfinished(backend: Backend, ids: readonly string[]): Promise<string[]> {
  const left: string[] = [];
  for (const id of ids) {
    const state = (await backend.getTask(id))?.state ?? 'missing';
    if (state !== 'succeeded') left.push(`${id} ${state}`);
  }
  return left;
}

/** What the sentinels and servers of a setup say now, for the failure message of a failover. */
async function sentinelState(setup: Awaited<ReturnType<typeof startSentinels>>): Promise<string> {
  const ask = async (port: number, what: (a: Parameters<Parameters<typeof withAdmin>[1]>[0]) => Promise<string>) =>
    withAdmin(port, what).catch((err: Error) => `unreachable (${err.message})`);
  const lines: string[] = [];
  for (const s of setup.sentinels) {
    lines.push(
      `sentinel ${s.port}: ` +
        (await ask(s.port, async (a) => {
          const fields = (await a.call('SENTINEL', 'MASTER', setup.name)) as string[];
          const get = (k: string) => fields[fields.indexOf(k) + 1];
          return `master ${get('ip')}:${get('port')} flags=${get('flags')} failover-state=${get('failover-state') ?? '-'} other-sentinels=${get('num-other-sentinels')}`;
        })),
    );
  }
  for (const server of [setup.master, setup.replica]) {
    lines.push(
      `server ${server.port}: ` + (await ask(server.port, async (a) => /role:(\w+)/.exec(await a.info('replication'))?.[1] ?? '?')),
    );
  }
  return lines.join('\n');
}

const countTask = (queue: string) => newTask({ queue, name: 'ha.count', payload: jsonSerializer.serialize(0) });

describe('redis cluster (3 local masters)', { skip }, () => {
  /** Queue names whose slots are served by `nodes` different masters, `perNode` each. */
  async function queuesOnEveryMaster(prefix: string, perNode: number): Promise<string[]> {
    return withAdmin(CLUSTER_PORTS[0], async (admin) => {
      const slots = await admin.cluster('SLOTS');
      const owner = (slot: number) => slots.find(([from, to]) => slot >= from && slot <= to)![2][1];
      const byNode = new Map<number, string[]>();
      for (let i = 0; [...byNode.values()].filter((l) => l.length >= perNode).length < CLUSTER_PORTS.length; i++) {
        const queue = `q${i}`;
        const slot = (await admin.cluster('KEYSLOT', `${prefix}{q:${queue}}:ready`)) as number;
        const list = byNode.get(owner(slot)) ?? [];
        if (list.length < perNode) list.push(queue);
        byNode.set(owner(slot), list);
      }
      return [...byNode.values()].flat();
    });
  }

  it('nodes() lists the three masters, each reachable and serving its slots', () =>
    withBackend(clusterOptions(), async (b) => {
      const nodes = await b.nodes();
      assert.deepEqual(
        nodes.map((n) => [n.address, n.role, n.reachable, n.serving]),
        CLUSTER_PORTS.map((p) => [`redis://127.0.0.1:${p}`, 'master', true, true]),
      );
      assert.match(b.address, /^redis:\/\/127\.0\.0\.1:7000,127\.0\.0\.1:7001,127\.0\.0\.1:7002 \(cluster, prefix /);
    }));

  it('a claim across queues on different masters keeps one order and its max; a waiting claim wakes for any of them', () =>
    withBackend(clusterOptions(), async (b) => {
      const prefix = b.address.replace(/^.*prefix (.*)\)$/, '$1');
      const [qa, qb, qc] = await queuesOnEveryMaster(prefix, 1);
      const now = Date.now();
      const low = newTask({ queue: qa, priority: 1, runAt: now - 10 });
      const high = newTask({ queue: qb, priority: 5, runAt: now - 10 });
      const mid = newTask({ queue: qc, priority: 3, runAt: now - 10 });
      await b.enqueue([low, high, mid]);
      const got = await b.claim({ workerId: 'w', queues: [qa, qb, qc], max: 2, leaseMs: 30_000 });
      assert.deepEqual(
        got.map((c) => c.record.id),
        [high.id, mid.id],
      );
      // The surplus claimed from qa was handed back unstarted: claimable, attempt not counted.
      const rest = await b.claim({ workerId: 'w', queues: [qa, qb, qc], max: 5, leaseMs: 30_000 });
      assert.deepEqual(
        rest.map((c) => [c.record.id, c.record.attempts]),
        [[low.id, 1]],
      );

      const waiting = b.claim({ workerId: 'w', queues: [qa, qb, qc], max: 1, leaseMs: 30_000, waitMs: 15_000 });
      await sleep(300);
      const t0 = Date.now();
      const late = newTask({ queue: qc });
      await b.enqueue([late]);
      assert.deepEqual(
        (await waiting).map((c) => c.record.id),
        [late.id],
      );
      assert.ok(Date.now() - t0 < 5000, `the waiting claim took ${Date.now() - t0} ms to notice`);
    }));

  it('cluster.maxConnectionsPerNode bounds the sockets on every node; waiting claims share them and all get work', () =>
    withBackend({ ...clusterOptions(), cluster: { startupNodes: cluster!.startupNodes, maxConnectionsPerNode: 4 } }, async (b) => {
      const prefix = b.address.replace(/^.*prefix (.*)\)$/, '$1');
      const queues = await queuesOnEveryMaster(prefix, 1);
      const claims = Array.from({ length: 9 }, (_, i) =>
        b.claim({ workerId: 'w', queues: [queues[i % 3]], max: 1, leaseMs: 30_000, waitMs: 10_000 }),
      );
      const finishing = b.waitForFinish(newTask().id, 50); // opens the subscriber
      await sleep(500);
      await finishing;
      for (const port of CLUSTER_PORTS) {
        const list = await withAdmin(port, async (a) =>
          ((await a.client('LIST')) as string).split('\n').filter((l) => l.includes(b.clientName)),
        );
        assert.ok(list.length <= 4, `${list.length} connections on ${port}`);
      }
      const tasks = Array.from({ length: 9 }, (_, i) => newTask({ queue: queues[i % 3] }));
      await b.enqueue(tasks);
      const claimed = (await Promise.all(claims)).flat();
      assert.deepEqual(claimed.map((c) => c.record.id).sort(), tasks.map((x) => x.id).sort());
    }));

  it('a load run over six queues spread over the three masters: every task runs exactly once', async (t) => {
    const options = clusterOptions();
    const queues = await queuesOnEveryMaster(options.keyPrefix!, 2);
    const ledger = new Ledger();
    const producer = new RedisBackend(options);
    await producer.connect();
    const workers = await startWorkers(2, options, queues, ledger);
    try {
      const ids: string[] = [];
      const t0 = Date.now();
      for (let batch = 0; batch < 30; batch++) {
        const tasks = Array.from({ length: 100 }, (_, i) => countTask(queues[(batch + i) % queues.length]));
        ids.push(...tasks.map((task) => task.id));
        await producer.enqueue(tasks);
      }
      await eventually('every task to run', async () => ledger.runs.size === ids.length, 90_000, 200);
      const seconds = (Date.now() - t0) / 1000;
      assert.deepEqual(await unfinished(producer, ids), []);
      assert.equal(ledger.duplicates, 0);
      const counts = await producer.counts();
      assert.deepEqual(counts.map((c) => c.queue).sort(), [...queues].sort());
      assert.equal(
        counts.reduce((n, c) => n + c.counts.succeeded, 0),
        ids.length,
      );
      t.diagnostic(`cluster load: ${ids.length} tasks over ${queues.length} queues on 3 masters in ${seconds.toFixed(1)} s`);
    } finally {
      await workers.stop();
      await producer.destroy().catch(() => {});
      await producer.close();
    }
  });
});

describe('redis sentinel (master + replica + 3 sentinels)', { skip }, () => {
  it('a killed master: work continues on the promoted replica, nothing lost, nodes() follows', async (t) => {
    const setup = await startSentinels(SENTINEL_SETUP.master, SENTINEL_SETUP.replica, SENTINEL_SETUP.sentinels);
    const options: RedisOptions = {
      sentinels: SENTINEL_SETUP.sentinels.map((port) => ({ host: '127.0.0.1', port })),
      name: setup.name,
      keyPrefix: freshPrefix(),
      socketTimeout: 2000,
    };
    const ledger = new Ledger();
    const producer = new RedisBackend(options);
    let workers: Awaited<ReturnType<typeof startWorkers>> | undefined;
    try {
      await producer.connect();
      const row = (n: { address: string; role: string; reachable: boolean; serving: boolean }) =>
        `${n.address} ${n.role}${n.reachable ? '' : ' unreachable'}${n.serving ? ' serving' : ''}`;
      assert.deepEqual((await producer.nodes()).map(row).sort(), [
        'redis://127.0.0.1:7010 master serving',
        'redis://127.0.0.1:7011 replica',
        ...SENTINEL_SETUP.sentinels.map((p) => `sentinel://127.0.0.1:${p} sentinel`),
      ]);
      workers = await startWorkers(2, options, ['default'], ledger, 5000);
      let killedAt = 0;
      let firstRunAfterKill = 0;
      let resumed: Promise<void> | undefined;
      const ids = await loadWithFault(producer, {
        batches: 40,
        size: 50,
        faultAfter: 10,
        fault: async () => {
          await eventually('the first batches to run', async () => ledger.runs.size >= 300, 30_000, 50);
          const done = ledger.runs.size;
          await setup.master.kill();
          killedAt = Date.now();
          resumed = eventually('a task to run after the kill', async () => ledger.runs.size > done + 50, 120_000, 50).then(() => {
            firstRunAfterKill = Date.now();
          });
          resumed.catch(() => {}); // awaited below, with the state that explains a timeout
        },
      });
      await resumed?.catch(async (err: Error) => {
        throw new Error(`${err.message}\n${await sentinelState(setup)}\n${workers!.describe()}`);
      });
      const enqueuedAll = Date.now();
      // A completion lost in the failover (acknowledged by the old master, not yet replicated)
      // leaves its task running on the new one: its lease runs out and it runs again.
      await eventually(
        'every task to succeed',
        async () => ids.every((id) => ledger.runs.has(id)) && (await unfinished(producer, ids)).length === 0,
        120_000,
        500,
      );
      const after = await eventually(
        'nodes() to show the promoted replica serving',
        async () => {
          const nodes = await producer.nodes();
          return nodes.find((n) => n.role === 'master')?.address.endsWith('127.0.0.1:7011') && nodes.find((n) => n.serving)
            ? nodes
            : undefined;
        },
        30_000,
        500,
      );
      assert.equal(after.find((n) => n.serving)?.address, 'redis://127.0.0.1:7011');
      t.diagnostic(
        `sentinel failover: ${ids.length} tasks, 0 lost, ${ledger.duplicates} run twice (at-least-once), ` +
          `work resumed ${((firstRunAfterKill - killedAt) / 1000).toFixed(1)} s after the master was killed ` +
          `(all enqueued ${((enqueuedAll - killedAt) / 1000).toFixed(1)} s after it)`,
      );
    } finally {
      await workers?.stop();
      await producer.close();
      await setup.stop();
    }
  });
});

describe('redis sentinel switchover (SENTINEL FAILOVER, old master alive)', { skip }, () => {
  it('connections leave the demoted master (READONLY) for the promoted one; nothing lost', async (t) => {
    // Writes need a replica, so the old master refuses them (NOREPLICAS) as soon as its replica
    // is promoted, instead of taking writes its resync will drop (the setup docs recommend).
    const serverArgs = ['--min-replicas-to-write', '1', '--min-replicas-max-lag', '10'];
    const setup = await startSentinels(SENTINEL_SETUP.master, SENTINEL_SETUP.replica, SENTINEL_SETUP.sentinels, { serverArgs });
    const options: RedisOptions = {
      sentinels: [{ host: '127.0.0.1', port: SENTINEL_SETUP.sentinels[0] }],
      name: setup.name,
      keyPrefix: freshPrefix(),
      waitReplicas: 1,
    };
    const ledger = new Ledger();
    const producer = new RedisBackend(options);
    let workers: Awaited<ReturnType<typeof startWorkers>> | undefined;
    try {
      await producer.connect();
      workers = await startWorkers(1, options, ['default'], ledger, 5000);
      let switchedAt = 0;
      const ids = await loadWithFault(producer, {
        batches: 20,
        size: 50,
        faultAfter: 5,
        fault: async () => {
          await withAdmin(SENTINEL_SETUP.sentinels[0], (a) => a.call('SENTINEL', 'FAILOVER', setup.name));
          switchedAt = Date.now();
        },
      });
      // Writes wait (NOREPLICAS) until the old master has rejoined as the new one's replica.
      await eventually(
        'every task to succeed',
        async () => ids.every((id) => ledger.runs.has(id)) && (await unfinished(producer, ids)).length === 0,
        120_000,
        500,
      ).catch(async (err: Error) => {
        const left = await unfinished(producer, ids).catch((e: Error) => [`unfinished() failed: ${e.message}`]);
        const notRun = ids.filter((id) => !ledger.runs.has(id)).length;
        throw new Error(
          `${err.message}\n${notRun} of ${ids.length} never ran; ${left.length} not succeeded: ${left.slice(0, 10).join(', ')}\n${await sentinelState(setup)}\n${workers!.describe()}`,
        );
      });
      const settled = Date.now();
      await eventually(
        'the old master to be a replica',
        () => withAdmin(SENTINEL_SETUP.master, async (a) => /role:slave/.test(await a.info('replication'))),
        30_000,
        200,
      );
      // Writes went to the promoted master (the demoted one refuses them).
      assert.equal((await producer.nodes()).find((n) => n.serving)?.address, 'redis://127.0.0.1:7011');
      t.diagnostic(
        `sentinel switchover: ${ids.length} tasks, 0 lost, ${ledger.duplicates} run twice; all done ${((settled - switchedAt) / 1000).toFixed(1)} s after SENTINEL FAILOVER`,
      );
    } finally {
      await workers?.stop();
      await producer.close();
      await setup.stop();
    }
  });
});

describe('redis sentinel switchover, idle backend', { skip }, () => {
  it('connections move to the promoted master within seconds, before the old one is demoted', async () => {
    const setup = await startSentinels(SENTINEL_SETUP.master, SENTINEL_SETUP.replica, SENTINEL_SETUP.sentinels);
    try {
      const sentinels = SENTINEL_SETUP.sentinels.map((port) => ({ host: '127.0.0.1', port }));
      await withBackend({ sentinels, name: setup.name }, async (b) => {
        const serving = async () => (await b.nodes()).find((n) => n.serving)?.address;
        assert.equal(await serving(), 'redis://127.0.0.1:7010');
        await withAdmin(SENTINEL_SETUP.sentinels[0], (a) => a.call('SENTINEL', 'FAILOVER', setup.name));
        const t0 = Date.now();
        // Nothing is written meanwhile, so no READONLY/NOREPLICAS reply can be what moves it.
        await eventually(
          'the backend to be on the promoted master',
          async () => (await serving()) === 'redis://127.0.0.1:7011',
          30_000,
          200,
        );
        const moved = Date.now() - t0;
        const oldRole = await withAdmin(SENTINEL_SETUP.master, async (a) => /role:(\w+)/.exec(await a.info('replication'))![1]);
        assert.ok(moved < 5000 || oldRole === 'master', `took ${moved} ms, after the old master was demoted`);
        assert.ok(moved < 8000, `took ${moved} ms`);
        const task = countTask('default');
        await b.enqueue([task]);
        assert.equal((await b.getTask(task.id))?.id, task.id);
      });
    } finally {
      await setup.stop();
    }
  });
});

describe('redis TLS with a cluster and with sentinels', { skip }, () => {
  /** A round trip of every kind: enqueue, claim over queues, complete, waitForFinish. */
  async function roundTrip(b: RedisBackend): Promise<void> {
    const tasks = ['q1', 'q2', 'q3'].map((queue) => countTask(queue));
    await b.enqueue(tasks);
    const waiting = b.waitForFinish(tasks[0].id, 10_000);
    const claimed = await b.claim({ workerId: 'w', queues: ['q1', 'q2', 'q3'], max: 3, leaseMs: 30_000, waitMs: 5000 });
    assert.equal(claimed.length, 3);
    assert.deepEqual(await b.complete(claimed.map((c) => succeed(c.lease))), [true, true, true]);
    assert.equal((await waiting)?.state, 'succeeded');
  }

  it('cluster: every node connection uses TLS; an untrusted certificate is refused', async () => {
    const tlsCluster = await startCluster(TLS_CLUSTER_PORTS, { tls: true });
    try {
      const cluster = { startupNodes: tlsCluster.startupNodes.slice(0, 1) };
      await withBackend({ cluster, tls: TEST_TLS_CLIENT }, async (b) => {
        assert.match(b.address, /^rediss:\/\//);
        await roundTrip(b);
        assert.deepEqual(
          (await b.nodes()).map((n) => `${n.address} ${n.serving}`),
          TLS_CLUSTER_PORTS.map((p) => `rediss://127.0.0.1:${p} true`),
        );
      });
      // (ioredis's cluster client reports the refused handshake only as a closed connection.)
      const untrusted = new RedisBackend({ cluster, tls: true, connectTimeout: 3000 });
      await assert.rejects(untrusted.connect(), ConnectionError);
      await untrusted.close();
    } finally {
      await tlsCluster.stop();
    }
  });

  it('sentinels: the sentinels and the master are reached over TLS', async () => {
    const setup = await startSentinels(TLS_SENTINEL_SETUP.master, TLS_SENTINEL_SETUP.replica, TLS_SENTINEL_SETUP.sentinels, { tls: true });
    try {
      const sentinels = TLS_SENTINEL_SETUP.sentinels.map((port) => ({ host: '127.0.0.1', port }));
      await withBackend({ sentinels, name: setup.name, tls: TEST_TLS_CLIENT }, async (b) => {
        await roundTrip(b);
        const nodes = await b.nodes();
        assert.deepEqual(
          nodes.filter((n) => n.serving).map((n) => n.address),
          ['rediss://127.0.0.1:7045'],
        );
      });
    } finally {
      await setup.stop();
    }
  });
});

describe('redis faults (a private server on 7030)', { skip }, () => {
  let server: RedisProcess;
  before(async () => {
    // Append-only with fsync per write, so a restart keeps the data (as a production server would).
    server = new RedisProcess(FAULT_PORT, { args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
    await server.start();
  });
  after(() => server.stop());

  /** Server-side ids of this backend's connections, by role. */
  const connectionIds = (b: RedisBackend) =>
    withAdmin(FAULT_PORT, async (admin) => {
      const lines = ((await admin.client('LIST')) as string).split('\n').filter((l) => l.includes(` name=${b.clientName}-`));
      return lines.map((l) => ({ id: /(?:^|\s)id=(\d+)/.exec(l)![1], role: / name=\S+-(\w+)(\s|$)/.exec(l)![1] }));
    });

  it('a server restart mid-run: the worker, its waiting claims and the subscriber reconnect by themselves', async (t) => {
    const options: RedisOptions = { port: FAULT_PORT, keyPrefix: freshPrefix(), socketTimeout: 2000 };
    const ledger = new Ledger();
    const workers = await startWorkers(1, options, ['default', 'other'], ledger);
    const producer = new RedisBackend(options);
    await producer.connect();
    try {
      const first = Array.from({ length: 200 }, (_, i) => countTask(i % 2 ? 'default' : 'other'));
      await producer.enqueue(first);
      await eventually('the first tasks to run', async () => first.every((x) => ledger.runs.has(x.id)), 30_000, 50);
      await sleep(300); // the worker is idle now: its claims wait on the server

      await server.kill('SIGTERM'); // a clean shutdown writes everything out
      // Health during the outage: a ping fails (within socketTimeout), it does not hang.
      const t1 = Date.now();
      await assert.rejects(producer.ping(), ConnectionError, 'a ping while the server is down');
      assert.ok(Date.now() - t1 < 5000, `the ping took ${Date.now() - t1} ms to fail`);
      await server.start();
      const up = Date.now();
      const second = Array.from({ length: 200 }, (_, i) => countTask(i % 2 ? 'default' : 'other'));
      await enqueueRetrying(producer, second);
      await eventually('the tasks enqueued after the restart to run', async () => second.every((x) => ledger.runs.has(x.id)), 60_000, 50);
      const recovered = Date.now() - up;
      assert.deepEqual(
        await unfinished(
          producer,
          [...first, ...second].map((x) => x.id),
        ),
        [],
      );
      assert.equal(ledger.duplicates, 0);

      // The restarted server knows none of the scripts: single calls and pipelines over several
      // queues load them again (NOSCRIPT is handled), and waitForFinish is woken by pub/sub.
      await withAdmin(FAULT_PORT, (a) => a.script('FLUSH'));
      const [a1, b1] = [countTask('a'), countTask('b')];
      await producer.enqueue([a1, b1]);
      const claimed = await producer.claim({ workerId: 'x', queues: ['a'], max: 1, leaseMs: 30_000 });
      const claimedB = await producer.claim({ workerId: 'x', queues: ['b'], max: 1, leaseMs: 30_000 });
      const waiting = producer.waitForFinish(a1.id, 10_000);
      await sleep(200);
      const t0 = Date.now();
      assert.deepEqual(await producer.complete([succeed(claimed[0].lease), succeed(claimedB[0].lease)]), [true, true]);
      assert.equal((await waiting)?.state, 'succeeded');
      assert.ok(Date.now() - t0 < 900, `waitForFinish took ${Date.now() - t0} ms: the subscriber did not come back`);
      t.diagnostic(`server restart: the tasks enqueued after it all ran ${(recovered / 1000).toFixed(1)} s after the server was back`);
    } finally {
      await workers.stop();
      await producer.destroy().catch(() => {});
      await producer.close();
    }
  });

  it('CLIENT KILL of every backend connection: the next operations succeed and nothing hangs', () =>
    withBackend({ port: FAULT_PORT }, async (b) => {
      const task = newTask();
      await b.enqueue([task]);
      const finishing = b.waitForFinish(task.id, 15_000); // opens the subscriber
      const idle = b.claim({ workerId: 'w', queues: ['idle'], max: 1, leaseMs: 30_000, waitMs: 15_000 });
      await sleep(300);
      const before = await connectionIds(b);
      assert.deepEqual([...new Set(before.map((c) => c.role))].sort(), ['blocking', 'command', 'subscriber']);
      await withAdmin(FAULT_PORT, async (admin) => {
        for (const { id } of before) await admin.client('KILL', 'ID', id);
      });
      const t0 = Date.now();
      const [c] = await b.claim({ workerId: 'w', queues: ['default'], max: 1, leaseMs: 30_000 });
      assert.equal(c.record.id, task.id);
      assert.deepEqual(await b.complete([succeed(c.lease)]), [true]);
      assert.equal((await finishing)?.state, 'succeeded');
      const wake = newTask({ queue: 'idle' });
      await b.enqueue([wake]);
      assert.deepEqual(
        (await idle).map((x) => x.record.id),
        [wake.id],
      );
      assert.ok(Date.now() - t0 < 5000, `recovery took ${Date.now() - t0} ms`);
      const afterIds = (await connectionIds(b)).map((x) => x.id);
      assert.ok(!afterIds.some((id) => before.some((x) => x.id === id)), 'a killed connection is still listed');
    }));

  it('a silent stall: commands fail within socketTimeout, a stalled wait is not reused, long blocking waits are not stalls', async () => {
    const proxy = await FaultProxy.start('127.0.0.1', FAULT_PORT);
    try {
      await withBackend({ port: proxy.port, socketTimeout: 1000, keepAlive: 1000 }, async (b) => {
        // A BLPOP longer than socketTimeout on a healthy link is a normal wait: no error, and its
        // connection is reused by the next wait.
        const t0 = Date.now();
        assert.deepEqual(await b.claim({ workerId: 'w', queues: ['default'], max: 1, leaseMs: 30_000, waitMs: 2500 }), []);
        assert.ok(Date.now() - t0 >= 2400);
        const blockingBefore = (await connectionIds(b)).filter((c) => c.role === 'blocking');
        assert.equal(blockingBefore.length, 1);
        assert.deepEqual(await b.claim({ workerId: 'w', queues: ['default'], max: 1, leaseMs: 30_000, waitMs: 300 }), []);
        assert.deepEqual(
          (await connectionIds(b)).filter((c) => c.role === 'blocking'),
          blockingBefore,
        );
        await b.waitForFinish(newTask().id, 10); // opens the subscriber

        // The link stalls: no bytes either way, no socket closed.
        proxy.stall({ holdNew: true });
        const stalled = Date.now();
        await assert.rejects(b.ping(), ConnectionError);
        assert.ok(Date.now() - stalled < 3000, `the stall was noticed after ${Date.now() - stalled} ms`);
        const waited = Date.now();
        await b.claim({ workerId: 'w', queues: ['default'], max: 1, leaseMs: 30_000, waitMs: 500 }).catch(() => []);
        assert.ok(Date.now() - waited < 6000, `a claim during the stall took ${Date.now() - waited} ms`);
        await sleep(2500); // long enough for the subscriber's keepalive PING to time out
        proxy.heal();
        proxy.dropAll(); // the stalled sockets are dead for good: a real stall does not heal them

        await eventually(
          'the backend to answer again',
          () =>
            b.ping().then(
              () => true,
              () => false,
            ),
          20_000,
          200,
        );
        const task = newTask();
        const waiting = b.claim({ workerId: 'w', queues: ['default'], max: 1, leaseMs: 30_000, waitMs: 10_000 });
        await sleep(200);
        await b.enqueue([task]);
        const [c] = await waiting;
        assert.equal(c?.record.id, task.id);
        const finishing = b.waitForFinish(task.id, 10_000);
        await sleep(200);
        const done = Date.now();
        await b.complete([succeed(c.lease)]);
        assert.equal((await finishing)?.state, 'succeeded');
        assert.ok(Date.now() - done < 900, `waitForFinish took ${Date.now() - done} ms: the subscriber did not reconnect`);
      });
    } finally {
      await proxy.close();
    }
  });
});
