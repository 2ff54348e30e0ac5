// PostgreSQL high availability against real clusters on loopback: a primary and a synchronous
// streaming replica (both with TLS), a steady load through TaskQueue + Worker with
// `hosts: [primary, replica]`; the primary is killed (immediate stop) and the replica promoted
// while tasks keep coming. Every task must finish (at-least-once: repeats are counted, losses
// fail the test), the backend must be writing again within failoverTimeout, and nodes() must
// show the promoted replica serving.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { NoPrimaryError, PostgresBackend, type PostgresOptions } from '../../shared/backends/postgres/index.js';
import { ConnectionError } from '../../shared/core/errors.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { defineTask } from '../../shared/core/tasks.js';
import { Worker } from '../../shared/core/worker.js';
import { eventually, sleep } from '../conformance/harness.js';
import { clusterSkip, startPrimary, startReplica, type Cluster } from './pg-cluster.js';
import { Ledger } from '../helpers/ledger.js';

const skip = clusterSkip();
const FAILOVER_TIMEOUT = 30_000;

describe('postgres high availability', { skip }, () => {
  let primary: Cluster;
  let replica: Cluster;

  before(async () => {
    primary = await startPrimary({ tls: true });
    replica = await startReplica(primary, { synchronous: true });
  });
  after(async () => {
    await replica?.remove();
    await primary?.remove();
  });

  const options = (): PostgresOptions => ({
    hosts: [primary.address, { host: replica.host, port: replica.port }],
    user: 'postgres',
    database: 'postgres',
    schema: `sitq_ha_${randomBytes(4).toString('hex')}`,
    // Verified TLS to every host: the certificate names 127.0.0.1 and is its own CA.
    ssl: { ca: primary.certificate },
    connectTimeout: 2000,
    queryTimeout: 5000,
    failoverTimeout: FAILOVER_TIMEOUT,
  });

  it('finds the primary whatever the order of hosts, over TLS, and reports every node', async () => {
    const base = options();
    const backend = new PostgresBackend({ ...base, hosts: [replica.address, primary.address] });
    try {
      assert.equal(backend.address, `postgres://postgres@${replica.address},${primary.address}/postgres (schema ${base.schema})`);
      await backend.connect();
      assert.deepEqual(backend.primary, { host: primary.host, port: primary.port });
      const nodes = await backend.nodes();
      assert.deepEqual(
        nodes.map((n) => [n.address, n.role, n.reachable, n.serving]),
        [
          [`postgres://postgres@${replica.address}/postgres`, 'replica', true, false],
          [`postgres://postgres@${primary.address}/postgres`, 'primary', true, true],
        ],
      );
      await backend.ping();
      const ssl = await primary.query<{ ssl: boolean }>(
        `SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = $1`,
        [`sitq pool (${base.schema})`],
      );
      assert.ok(ssl.length > 0 && ssl.every((row) => row.ssl), 'a pool connection is not using TLS');
    } finally {
      await backend.destroy().catch(() => {});
      await backend.close();
    }
  });

  it('with no primary among the hosts, fails in time with NoPrimaryError naming each host', async () => {
    const backend = new PostgresBackend({ ...options(), hosts: [replica.address, '127.0.0.1:1'], connectTimeout: 3000 });
    try {
      const t0 = Date.now();
      await assert.rejects(backend.connect(), (err: unknown) => {
        assert.ok(err instanceof NoPrimaryError && err instanceof ConnectionError, String(err));
        assert.match(err.message, new RegExp(`${replica.address} \\(replica\\)`));
        assert.match(err.message, /127\.0\.0\.1:1 \(unreachable: .*ECONNREFUSED/);
        return true;
      });
      // A first connect waits connectTimeout for a primary, not failoverTimeout.
      assert.ok(Date.now() - t0 < 10_000, `gave up after ${Date.now() - t0} ms`);
    } finally {
      await backend.close();
    }
  });

  it('a killed primary: the promoted replica takes over within failoverTimeout, and no task is lost', async (t) => {
    const config = options();
    const producer = new TaskQueue(new PostgresBackend(config));
    const consumer = new PostgresBackend(config);
    const ledger = new Ledger();
    const job = defineTask('ha.job', async (p: { key: string }) => {
      ledger.record(p.key);
      await sleep(5);
      return p.key;
    });
    // A lease well above the failover time: a task in flight while the primary dies is reported
    // after the switch instead of being taken over (and counted as a repeat).
    const worker = new Worker(consumer, { tasks: [job], maxConcurrency: 8, lease: 8000, pollInterval: 500 });
    worker.on('backend-error', () => {});
    const ids = new Map<string, string>();
    const TOTAL = 400;
    const KILL_AT = 150;
    let killedAt = 0;
    let firstAfterKill = 0;
    let enqueueRetries = 0;

    /** Enqueue with an idempotency key, retried until stored: a retry after a lost answer cannot
     *  store the task twice. */
    async function enqueue(key: string): Promise<void> {
      const started = Date.now();
      const deadline = started + FAILOVER_TIMEOUT * 2;
      for (;;) {
        try {
          ids.set(key, await producer.enqueue(job, { key }, { idempotencyKey: key }));
          if (killedAt && started >= killedAt && !firstAfterKill) firstAfterKill = Date.now();
          return;
        } catch (err) {
          if (!(err instanceof ConnectionError) || Date.now() > deadline) throw err;
          enqueueRetries++;
          await sleep(100);
        }
      }
    }

    try {
      await producer.connect();
      await worker.start();
      // Four producers, so some enqueues are in flight when the primary dies.
      const LANES = 4;
      const lanes = Array.from({ length: LANES }, async (_, lane) => {
        for (let i = lane; i < TOTAL; i += LANES) {
          await enqueue(`t${i}`);
          await sleep(10);
        }
      });
      const failover = (async () => {
        await eventually('the load to get going', async () => ids.size >= KILL_AT, 60_000, 5);
        await primary.stop('immediate');
        killedAt = Date.now();
        await replica.promote();
      })();
      await Promise.all([...lanes, failover]);
      const failoverMs = firstAfterKill - killedAt;
      assert.ok(failoverMs < FAILOVER_TIMEOUT, `writes resumed ${failoverMs} ms after the primary died`);

      const check = new PostgresBackend(config);
      try {
        const unfinished = await eventually(
          'every task to succeed',
          async () => {
            const left: string[] = [];
            for (const [key, id] of ids) if ((await check.getTask(id))?.state !== 'succeeded') left.push(key);
            return left.length === 0 ? [] : undefined;
          },
          60_000,
          500,
        ).catch(() => undefined);
        const lost = [...ids.keys()].filter((key) => !ledger.runs.has(key));
        assert.deepEqual(unfinished, [], `tasks not finished: lost ${lost.length} (${lost.slice(0, 5).join(', ')})`);
        assert.equal(ids.size, TOTAL);
        assert.equal(lost.length, 0);
        const repeats = ledger.duplicates;
        const nodes = await check.nodes();
        assert.deepEqual(
          nodes.map((n) => [n.role, n.reachable, n.serving]),
          [
            ['unknown', false, false],
            ['primary', true, true],
          ],
        );
        assert.deepEqual(consumer.primary, { host: replica.host, port: replica.port });
        // The LISTEN connections followed: the producer's and the worker's are on the new primary.
        await eventually(
          'the LISTEN connections on the new primary',
          async () =>
            (
              await replica.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [
                `sitq listen (${config.schema})`,
              ])
            )[0].n >= 2,
          20_000,
          100,
        );
        t.diagnostic(
          `failover: writes resumed ${failoverMs} ms after the primary was killed; ${TOTAL} tasks, 0 lost, ${repeats} repeated (at-least-once), ${enqueueRetries} enqueue retries`,
        );
      } finally {
        await worker.stop({ timeout: 5000 }).catch(() => {});
        await check.destroy().catch(() => {});
        await check.close();
      }
    } finally {
      await worker.stop({ timeout: 5000 }).catch(() => {});
      await producer.close();
      await consumer.close();
    }
  });

  // Runs last: it stops the remaining server.
  it('with every host gone, calls wait for a primary instead of failing at once, and close() ends the wait', async () => {
    const backend = new PostgresBackend({ ...options(), hosts: [replica.address], failoverTimeout: 60_000 });
    await backend.connect();
    await replica.stop('immediate');
    // No pooled connection left: the next call meets a refused connect, not a dead socket.
    await eventually('the pool to drop its dead connections', async () => backend.poolConnections === 0, 10_000, 50);
    let settled = false;
    const waiting = backend.counts().finally(() => (settled = true));
    await sleep(1500);
    assert.equal(settled, false, 'the call failed at once instead of waiting for a failover');
    const t0 = Date.now();
    await backend.close();
    await assert.rejects(waiting, ConnectionError);
    assert.ok(Date.now() - t0 < 5000, `close() left the call waiting for ${Date.now() - t0} ms`);
  });
});
