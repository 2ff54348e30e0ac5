// The NATS backend under a steady load through TaskQueue and Worker while a private nats-server
// restarts, drops the connection or stalls silently (split from nats.test.ts, which keeps the
// options and JetStream mechanics).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { NatsBackend, type NatsOptions } from '../../shared/backends/nats/index.js';
import { silentLogger } from '../../shared/core/logger.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { Worker } from '../../shared/core/worker.js';
import { FaultProxy } from '../../bench/faults/proxy.js';
import { eventually, sleep } from '../conformance/harness.js';
import { NatsServer, natsServerSkip, stopAll } from '../ha/nats-servers.js';
import { Ledger } from '../helpers/ledger.js';

const freshStream = () => `SITQ_TEST_${randomBytes(5).toString('hex').toUpperCase()}`;
const binarySkip = natsServerSkip('the tests that start their own server (restarts, faults)');
after(stopAll);

// --- faults on a private server: a steady load through TaskQueue and Worker, one fault mid-run --

interface FaultOutcome {
  tasks: number;
  duplicates: number;
  /** From the fault's end (server back, link restored) to the next completed task. */
  recoveryMs: number;
}

/** Enqueues `total` tasks in small batches while a Worker runs them; `inject` runs once a third
 *  is done and resolves when the fault is over. Asserts the ledger: every confirmed enqueue ran
 *  and finished, no enqueue failed (the backend re-sends what is safe), duplicates counted. */
async function underLoad(servers: string, inject: (worker: NatsBackend) => Promise<void>, total = 300): Promise<FaultOutcome> {
  const options: NatsOptions = {
    servers,
    streamName: freshStream(),
    reconnectWait: 100,
    pingInterval: 500,
    maxPingsOutstanding: 2,
    connectTimeout: 1000,
  };
  const producer = new NatsBackend(options);
  const consumer = new NatsBackend(options);
  const queue = new TaskQueue(producer);
  const ledger = new Ledger<number>();
  const done: number[] = [];
  const worker = new Worker(consumer, {
    tasks: {
      'fault.work': async (i: unknown) => {
        ledger.record(i as number);
        await sleep(2);
        return i;
      },
    },
    maxConcurrency: 10,
    lease: 5000,
    pollInterval: 300,
    logger: silentLogger,
  });
  worker.on('succeeded', () => done.push(Date.now()));
  const ids: string[] = [];
  try {
    await queue.connect();
    await worker.start();
    let faultOver = 0;
    const fault = (async () => {
      await eventually('a third of the work to be done', async () => done.length >= total / 3 || undefined, 30_000, 20);
      await inject(consumer);
      faultOver = Date.now();
    })();
    for (let i = 0; i < total; i += 10) {
      // No retry here: an enqueue that fails during the fault fails the test.
      ids.push(
        ...(await queue.enqueueMany(
          'fault.work',
          Array.from({ length: Math.min(10, total - i) }, (_, k) => i + k),
        )),
      );
      await sleep(10);
    }
    await fault;
    await eventually('every task to finish', async () => (ledger.runs.size === total && done.length >= total) || undefined, 60_000, 50);
    for (const id of ids) assert.equal((await producer.getTask(id))?.state, 'succeeded', `task ${id} was lost`);
    const next = done.find((at) => at >= faultOver);
    return { tasks: total, duplicates: ledger.duplicates, recoveryMs: next === undefined ? NaN : next - faultOver };
  } finally {
    await worker.stop({ timeout: 5000 }).catch(() => {});
    await producer.destroy().catch(() => {});
    await Promise.all([producer.close(), consumer.close()]);
  }
}

describe('nats: faults under load (private server)', { skip: binarySkip }, () => {
  it('a server restart with its store kept: worker and queue reconnect by themselves', async (t) => {
    const server = await NatsServer.start();
    try {
      const outcome = await underLoad(server.url, async (consumer) => {
        await server.stop();
        await eventually('nodes() to show the outage', async () => !(await consumer.nodes())[0].reachable || undefined, 5000, 20);
        await sleep(500);
        await server.launch();
        await eventually(
          'nodes() to show the server serving again',
          async () => (await consumer.nodes())[0].serving || undefined,
          10_000,
          20,
        );
      });
      t.diagnostic(`restart: ${JSON.stringify(outcome)}`);
    } finally {
      await server.stop();
    }
  });

  it('a connection dropped from the server side: both reconnect at once', async (t) => {
    const server = await NatsServer.start();
    const proxy = await FaultProxy.start('127.0.0.1', server.port);
    try {
      const outcome = await underLoad(`nats://127.0.0.1:${proxy.port}`, async () => {
        const before = proxy.open;
        proxy.dropAll();
        await eventually('the clients to reconnect', async () => proxy.open >= before || undefined, 10_000, 20);
      });
      t.diagnostic(`connection drop: ${JSON.stringify(outcome)}`);
    } finally {
      await proxy.close();
      await server.stop();
    }
  });

  it('a silent stall is noticed within pingInterval x maxPingsOutstanding, and work resumes after it', async (t) => {
    const server = await NatsServer.start();
    const proxy = await FaultProxy.start('127.0.0.1', server.port);
    let noticedMs = NaN;
    try {
      const outcome = await underLoad(`nats://127.0.0.1:${proxy.port}`, async (consumer) => {
        proxy.stall({ holdNew: true });
        const t0 = Date.now();
        // pingInterval 500 ms x 2 outstanding: noticed after about 1-1.5 s, not minutes.
        await eventually('the stall to be noticed', async () => !(await consumer.nodes())[0].serving || undefined, 10_000, 20);
        noticedMs = Date.now() - t0;
        proxy.heal();
        await eventually('the connection to come back', async () => (await consumer.nodes())[0].serving || undefined, 10_000, 20);
      });
      t.diagnostic(`stall: noticed after ${noticedMs} ms; ${JSON.stringify(outcome)}`);
      assert.ok(noticedMs < 4000, `the stall was noticed only after ${noticedMs} ms`);
    } finally {
      await proxy.close();
      await server.stop();
    }
  });
});
