// The NATS JetStream backend: the shared conformance suite, then every option and the
// JetStream-specific behaviour against the real server on 127.0.0.1:4222, and against private
// nats-server processes (started here, on free ports) where a test needs auth, TLS, a restart
// or a frozen server.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { connect, nkeys, type NatsConnection } from 'nats';
import { NatsBackend, type NatsOptions } from '../../shared/backends/nats/index.js';
import { CAS_CONFLICT, JsApiError, Requester } from '../../shared/backends/nats/requester.js';
import type { Session } from '../../shared/backends/nats/context.js';
import { metaKeys } from '../../shared/backends/nats/names.js';
import type { StoredTask } from '../../shared/backends/nats/records.js';
import { ConfigurationError, ConnectionError } from '../../shared/core/errors.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { jsonSerializer } from '../../shared/core/serializers.js';
import { Worker } from '../../shared/core/worker.js';
import { exerciseBackend } from '../conformance/index.js';
import { eventually, newTask, sleep } from '../conformance/harness.js';
import { serverSkip } from '../helpers/servers.js';
import { FaultProxy } from '../../bench/faults/proxy.js';
import { NatsServer, natsServerSkip, selfSignedCert, stopAll } from '../ha/nats-servers.js';
import { replayLateMetaWrites } from '../ha/nats-replays.js';
import { Ledger } from '../helpers/ledger.js';
import { silentLogger } from '../../shared/core/logger.js';

type KeyPair = ReturnType<typeof nkeys.createUser>;

const freshStream = () => `SITQ_TEST_${randomBytes(5).toString('hex').toUpperCase()}`;

await exerciseBackend({
  kind: 'nats',
  server: 'nats',
  freshConfig: () => ({ type: 'nats', servers: ['nats://127.0.0.1:4222'], streamName: freshStream() }),
  unreachableConfig: () => ({ type: 'nats', servers: ['nats://127.0.0.1:1'], connectTimeout: 1000 }),
  async writeLayoutVersion(config, version) {
    const nc = await connect({ servers: 'nats://127.0.0.1:4222' });
    try {
      const kv = await nc.jetstream().views.kv(`${(config as { streamName: string }).streamName}_META`);
      await kv.put('layout', new TextEncoder().encode(String(version)));
    } finally {
      await nc.close();
    }
  },
});

const claimOne = { workerId: 'w-test', queues: ['default'], max: 1, leaseMs: 30_000 };
const sharedSkip = await serverSkip('nats');
const binarySkip = natsServerSkip('the tests that start their own server (auth, TLS, restarts, faults)');
after(stopAll);

/** A connected backend on its own stream, destroyed and closed afterwards. */
async function withNats(options: NatsOptions, fn: (b: NatsBackend, streamName: string) => Promise<void>): Promise<void> {
  const streamName = options.streamName ?? freshStream();
  const backend = new NatsBackend({ servers: 'nats://127.0.0.1:4222', ...options, streamName });
  await backend.connect();
  try {
    await fn(backend, streamName);
  } finally {
    await backend.destroy().catch(() => {});
    await backend.close();
  }
}

/** The connected session's parts a fault test reaches into (private to the backend). */
const sessionOf = (b: NatsBackend) => (b as unknown as { current: { session: Session } }).current.session;
const requesterOf = (b: NatsBackend) => sessionOf(b).requester;
const streamOf = (b: NatsBackend) => sessionOf(b).names.taskStream;
const subjectOf = (b: NatsBackend, id: string) => sessionOf(b).names.taskSubject(id);

async function withClient<T>(fn: (nc: NatsConnection) => Promise<T>, servers = 'nats://127.0.0.1:4222'): Promise<T> {
  const nc = await connect({ servers });
  try {
    return await fn(nc);
  } finally {
    await nc.close();
  }
}

// --- credentials for operator mode (a .creds file): JWTs signed with NKeys -------------------

function jwt(claims: Record<string, unknown>, signer: KeyPair): string {
  const b64 = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');
  const header = b64(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' }));
  const body = { ...claims, iat: Math.floor(Date.now() / 1000) };
  const withId = { ...body, jti: createHash('sha256').update(JSON.stringify(body)).digest('base64url').toUpperCase() };
  const payload = b64(JSON.stringify(withId));
  return `${header}.${payload}.${b64(signer.sign(new TextEncoder().encode(`${header}.${payload}`)))}`;
}

/** A server config for decentralized auth with one JetStream-enabled account, and a .creds file
 *  for one of its users (plus one for a user of an account the server does not know). */
function operatorSetup(dir: string, port: number): { config: string; creds: string; strangerCreds: string } {
  const operator = nkeys.createOperator();
  const account = nkeys.createAccount();
  const system = nkeys.createAccount();
  const opKey = operator.getPublicKey();
  const limits = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };
  const accountJwt = (kp: KeyPair, name: string, js: boolean) =>
    jwt(
      {
        iss: opKey,
        sub: kp.getPublicKey(),
        name,
        nats: {
          limits: js ? { ...limits, mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 } : limits,
          type: 'account',
          version: 2,
        },
      },
      operator,
    );
  const credsFor = (acct: KeyPair, file: string) => {
    const user = nkeys.createUser();
    const token = jwt(
      {
        iss: acct.getPublicKey(),
        sub: user.getPublicKey(),
        name: 'u',
        nats: { pub: {}, sub: {}, subs: -1, data: -1, payload: -1, type: 'user', version: 2 },
      },
      acct,
    );
    const seed = new TextDecoder().decode(user.getSeed());
    writeFileSync(
      file,
      `-----BEGIN NATS USER JWT-----\n${token}\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------\n`,
    );
    return file;
  };
  const config = join(dir, 'operator.conf');
  writeFileSync(
    config,
    [
      `listen: 127.0.0.1:${port}`,
      `operator: ${jwt({ iss: opKey, sub: opKey, name: 'op', nats: { type: 'operator', version: 2 } }, operator)}`,
      'resolver: MEMORY',
      `system_account: ${system.getPublicKey()}`,
      `resolver_preload: { ${account.getPublicKey()}: ${accountJwt(account, 'app', true)}, ${system.getPublicKey()}: ${accountJwt(system, 'SYS', false)} }`,
      `jetstream { store_dir: "${join(dir, 'js')}" }`,
    ].join('\n'),
  );
  return {
    config,
    creds: credsFor(account, join(dir, 'app.creds')),
    strangerCreds: credsFor(nkeys.createAccount(), join(dir, 'stranger.creds')),
  };
}

/** Connects, enqueues and claims one task: the options work end to end. */
async function roundTrip(options: NatsOptions): Promise<void> {
  const backend = new NatsBackend({ streamName: freshStream(), connectTimeout: 3000, ...options });
  try {
    await backend.connect();
    const task = newTask();
    await backend.enqueue([task]);
    const [claimed] = await backend.claim(claimOne);
    assert.equal(claimed?.record.id, task.id);
    await backend.destroy();
  } finally {
    await backend.close();
  }
}

async function rejectsWithConnectionError(options: NatsOptions, within: number, pattern?: RegExp): Promise<void> {
  const backend = new NatsBackend({ streamName: freshStream(), ...options });
  const t0 = Date.now();
  await assert.rejects(backend.connect(), (err: unknown) => {
    assert.ok(err instanceof ConnectionError, `expected ConnectionError, got ${String(err)}`);
    if (pattern) assert.match(err.message, pattern);
    assert.ok(!/secret|s3cret/.test(err.message), 'the error shows a credential');
    return true;
  });
  assert.ok(Date.now() - t0 < within, `connect took ${Date.now() - t0} ms`);
  await backend.close();
}

describe('nats: options', () => {
  it('rejects bad options with ConfigurationError naming the option', () => {
    const bad: [NatsOptions, string][] = [
      [{ streamName: 'has.dot' }, 'nats.streamName'],
      [{ servers: 'not a url' }, 'nats.servers'],
      [{ servers: [] }, 'nats.servers'],
      [{ servers: 'nats://127.0.0.1:99999' }, 'nats.servers'],
      [{ servers: ['127.0.0.1:4222', 'h:70000'] }, 'nats.servers.1'],
      [{ maxReconnectAttempts: -2 }, 'nats.maxReconnectAttempts'],
      [{ replicas: 0 }, 'nats.replicas'],
      [{ replicas: 6 }, 'nats.replicas'],
      [{ reconnectWait: 1.5 }, 'nats.reconnectWait'],
      [{ pingInterval: 0 }, 'nats.pingInterval'],
      [{ maxPingsOutstanding: 0 }, 'nats.maxPingsOutstanding'],
      [{ connectTimeout: 0 }, 'nats.connectTimeout'],
      [{ pass: 'x' }, 'nats.user'],
      [{ user: 'u', token: 't' }, 'nats.token'],
      [{ nkey: 'SUnot-a-seed' }, 'nats.nkey'],
      [{ credsFile: '/no/such/file.creds' }, 'nats.credsFile'],
      [{ tls: { caFile: '/x', verify: true } as never }, 'nats.tls.verify'],
      [{ poolSize: 3 } as never, 'nats.poolSize'],
    ];
    for (const [options, option] of bad) {
      assert.throws(
        () => new NatsBackend(options),
        (err: unknown) => err instanceof ConfigurationError && err.option === option,
        `no ConfigurationError for ${option}`,
      );
    }
    assert.throws(
      () => new NatsBackend({ user: 'u', pass: 'hunter2', token: 'x' }),
      (err: unknown) => err instanceof ConfigurationError && !err.message.includes('hunter2'),
    );
  });

  it('address names the servers and the stream, never credentials', () => {
    const b = new NatsBackend({
      servers: ['nats://alice:s3cret@10.0.0.1:4222', '10.0.0.2:4223'],
      streamName: 'JOBS',
      token: 'secret-token',
    });
    assert.equal(b.address, 'nats://10.0.0.1:4222, nats://10.0.0.2:4223 (stream JOBS)');
    assert.equal(new NatsBackend().address, 'nats://127.0.0.1:4222 (stream SITQ_TASKS)');
  });

  it('connectTimeout: a closed port and an address that never answers fail with ConnectionError in time', async () => {
    await rejectsWithConnectionError({ servers: 'nats://127.0.0.1:1', connectTimeout: 1000 }, 1500);
    // A listener that accepts TCP but never speaks NATS: only the timeout can end this.
    const accepted: Socket[] = [];
    const silent = createServer((socket) => accepted.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const { port } = silent.address() as { port: number };
      const t0 = Date.now();
      await rejectsWithConnectionError({ servers: `nats://127.0.0.1:${port}`, connectTimeout: 600 }, 2000);
      assert.ok(Date.now() - t0 >= 500, 'gave up before the connect timeout');
    } finally {
      // The client's socket to a server that never spoke stays open until the server drops it
      // (nats.js does not destroy it on its own timeout): drop it, or the test process never exits.
      for (const socket of accepted) socket.destroy();
      silent.close();
    }
  });

  it('streamName names the stream and both buckets; destroy removes them', { skip: sharedSkip }, async () => {
    const streamName = freshStream();
    const names = [streamName, `KV_${streamName}_TASKS`, `KV_${streamName}_META`];
    const backend = new NatsBackend({ streamName });
    await backend.enqueue([newTask()]);
    await withClient(async (nc) => {
      const jsm = await nc.jetstreamManager();
      for (const n of names) assert.ok(await jsm.streams.info(n), `${n} missing`);
      assert.equal((await jsm.streams.info(streamName)).config.retention, 'workqueue');
      await backend.destroy();
      for (const n of names) await assert.rejects(jsm.streams.info(n), `${n} survived destroy()`);
    });
    await backend.close();
  });

  it('replicas above 1 on a server that is not clustered fails with a clear error, creating nothing', { skip: sharedSkip }, async () => {
    const streamName = freshStream();
    const backend = new NatsBackend({ streamName, replicas: 3 });
    await assert.rejects(backend.connect(), /replicas > 1 not supported in non-clustered mode/);
    await backend.close();
    await withClient(async (nc) => assert.rejects((await nc.jetstreamManager()).streams.info(streamName)));
  });

  it('servers: uses a live server when another is down, and nodes() reports each', { skip: sharedSkip }, async () => {
    await withNats({ servers: ['nats://127.0.0.1:1', 'nats://127.0.0.1:4222'] }, async (b) => {
      await b.ping();
      const nodes = await b.nodes();
      assert.deepEqual(
        nodes.map((n) => [n.address, n.reachable, n.serving]),
        [
          ['nats://127.0.0.1:1', false, false],
          ['nats://127.0.0.1:4222', true, true],
        ],
      );
    });
  });

  it('user and pass authenticate; wrong ones fail fast with ConnectionError', { skip: binarySkip }, async () => {
    const server = await NatsServer.start(() => ['--user', 'sitq', '--pass', 's3cret']);
    try {
      await roundTrip({ servers: server.url, user: 'sitq', pass: 's3cret' });
      await rejectsWithConnectionError({ servers: server.url, user: 'sitq', pass: 'wrong', connectTimeout: 3000 }, 3000, /authoriz/i);
      await rejectsWithConnectionError({ servers: server.url, connectTimeout: 3000 }, 3000, /authoriz/i);
    } finally {
      await server.stop();
    }
  });

  it('token authenticates; a wrong one fails with ConnectionError', { skip: binarySkip }, async () => {
    const server = await NatsServer.start(() => ['--auth', 's3cret-token']);
    try {
      await roundTrip({ servers: server.url, token: 's3cret-token' });
      await rejectsWithConnectionError({ servers: server.url, token: 'other', connectTimeout: 3000 }, 3000, /authoriz/i);
    } finally {
      await server.stop();
    }
  });

  it('nkey authenticates with a user seed; an unknown key fails', { skip: binarySkip }, async () => {
    const user = nkeys.createUser();
    const server = await NatsServer.start((dir, port) => {
      const config = join(dir, 'nkey.conf');
      writeFileSync(
        config,
        `listen: 127.0.0.1:${port}\nauthorization { users = [ { nkey: ${user.getPublicKey()} } ] }\njetstream { store_dir: "${join(dir, 'js')}" }\n`,
      );
      return ['-c', config];
    });
    try {
      await roundTrip({ servers: server.url, nkey: new TextDecoder().decode(user.getSeed()) });
      const stranger = new TextDecoder().decode(nkeys.createUser().getSeed());
      await rejectsWithConnectionError({ servers: server.url, nkey: stranger, connectTimeout: 3000 }, 3000, /authoriz/i);
    } finally {
      await server.stop();
    }
  });

  it('credsFile authenticates in operator mode; creds of an unknown account fail', { skip: binarySkip }, async () => {
    let files!: ReturnType<typeof operatorSetup>;
    const server = await NatsServer.start((dir, port) => {
      files = operatorSetup(dir, port);
      return ['-c', files.config];
    });
    try {
      await roundTrip({ servers: server.url, credsFile: files.creds });
      await rejectsWithConnectionError({ servers: server.url, credsFile: files.strangerCreds, connectTimeout: 3000 }, 3000);
    } finally {
      await server.stop();
    }
  });

  it('tls: verifies the server with the given CA; without it a self-signed server is refused', { skip: binarySkip }, async () => {
    const { cert, key } = selfSignedCert();
    const server = await NatsServer.start(() => ['--tls', '--tlscert', cert, '--tlskey', key]);
    try {
      await roundTrip({ servers: server.url, tls: { caFile: cert } });
      await rejectsWithConnectionError({ servers: server.url, tls: true, connectTimeout: 3000 }, 3000);
    } finally {
      await server.stop();
    }
    // And a server without TLS is refused when TLS is asked for.
    if (!sharedSkip) await rejectsWithConnectionError({ tls: true, connectTimeout: 3000 }, 3000);
  });

  it('reconnects by itself after the server restarts (maxReconnectAttempts -1, reconnectWait)', { skip: binarySkip }, async () => {
    const server = await NatsServer.start();
    const streamName = freshStream();
    const backend = new NatsBackend({ servers: server.url, streamName, reconnectWait: 100 });
    try {
      const before = newTask();
      await backend.enqueue([before]);
      const waiting = backend.claim({ ...claimOne, max: 2, waitMs: 15_000 });
      await sleep(200);
      await server.stop();
      await sleep(500);
      await server.launch();
      const after = newTask();
      await eventually(
        'an enqueue after the restart',
        async () =>
          backend.enqueue([after]).then(
            () => true,
            () => false,
          ),
        10_000,
        100,
      );
      const got = await waiting.catch(() => [] as Awaited<typeof waiting>);
      const ids = new Set(got.map((c) => c.record.id));
      await eventually(
        'both tasks to be claimable again',
        async () => {
          const more = await backend.claim({ ...claimOne, max: 2 }).catch(() => []);
          for (const c of more) ids.add(c.record.id);
          return ids.size === 2 || undefined;
        },
        10_000,
        100,
      );
      assert.deepEqual([...ids].sort(), [before.id, after.id].sort());
      // Its watches came back too: a delayed task from another process is moved on time.
      const producer = new NatsBackend({ servers: server.url, streamName });
      const later = newTask({ runAt: Date.now() + 300 });
      await producer.enqueue([later]);
      await producer.close();
      const t0 = Date.now();
      const [moved] = await backend.claim({ ...claimOne, waitMs: 5000 });
      assert.equal(moved?.record.id, later.id);
      assert.ok(Date.now() - t0 < 2000, `the delayed task came ${Date.now() - t0} ms later`);
    } finally {
      await backend.destroy().catch(() => {});
      await backend.close();
      await server.stop();
    }
  });

  it('maxReconnectAttempts: gives up after that many attempts, and the next call connects anew', { skip: binarySkip }, async () => {
    const server = await NatsServer.start();
    const backend = new NatsBackend({
      servers: server.url,
      streamName: freshStream(),
      maxReconnectAttempts: 2,
      reconnectWait: 100,
      connectTimeout: 1000,
    });
    try {
      await backend.ping();
      await server.stop();
      await sleep(1000); // 2 attempts 100 ms apart: the client has given up by now
      const t0 = Date.now();
      await assert.rejects(backend.ping(), ConnectionError);
      assert.ok(Date.now() - t0 < 1500, 'a call on a closed connection hung');
      await server.launch();
      await backend.ping(); // a fresh connection, no restart of the backend needed
    } finally {
      await backend.destroy().catch(() => {});
      await backend.close();
      await server.stop();
    }
  });

  it('pingInterval and maxPingsOutstanding notice a frozen server', { skip: binarySkip }, async () => {
    const server = await NatsServer.start();
    const quick = new NatsBackend({
      servers: server.url,
      streamName: freshStream(),
      pingInterval: 100,
      maxPingsOutstanding: 1,
      reconnectWait: 100,
    });
    const slow = new NatsBackend({ servers: server.url, streamName: freshStream() });
    try {
      await Promise.all([quick.connect(), slow.connect()]);
      server.freeze(true);
      await eventually('the frozen server to be noticed', async () => !(await quick.nodes())[0].serving, 3000, 50);
      assert.equal((await slow.nodes())[0].serving, true, 'the default 20 s ping noticed it already');
      server.freeze(false);
      await eventually('the connection to come back', async () => (await quick.nodes())[0].serving, 5000, 50);
      await quick.ping();
    } finally {
      server.freeze(false);
      for (const b of [quick, slow]) {
        await b.destroy().catch(() => {});
        await b.close();
      }
      await server.stop();
    }
  });
});

describe("nats: tasks over the server's max_payload (1 MiB here)", { skip: sharedSkip }, () => {
  const pad = (bytes: number) => 'x'.repeat(bytes);

  it('a payload of about 1 MB is refused at enqueue naming the limit, and the tasks beside it run', () =>
    withNats({}, async (backend) => {
      const q = new TaskQueue(backend);
      await assert.rejects(q.enqueue('sitq.sleep', { ms: 1, pad: pad(1_048_000) }), (e: unknown) => {
        assert.ok(e instanceof ConfigurationError, String(e));
        assert.match(e.message, /payload: expected a serialized payload of at most \d+ bytes .*max_payload of 1048576/);
        return true;
      });
      // Before, the big task was stored, poisoned every claim batch it was in, and the tasks
      // claimed with it died of LeaseExpiredError without ever running.
      const ids = await q.enqueueMany('sitq.echo', [1, 2, 3, 4, 5], { maxAttempts: 2 });
      const worker = new Worker(backend, { lease: 5000, pollInterval: 200, logger: silentLogger });
      await worker.start();
      try {
        const results = await Promise.all(ids.map((id) => q.getResult(id, { timeout: 20_000 })));
        assert.deepEqual(
          results.map((r) => r?.status),
          Array(5).fill('succeeded'),
        );
      } finally {
        await worker.stop({ timeout: 2000 });
      }
    }));

  it('enqueueMany with one item over the limit stores none of the batch', () =>
    withNats({}, async (backend) => {
      const q = new TaskQueue(backend);
      await assert.rejects(
        q.enqueueMany('sitq.echo', [{ n: 1 }, { pad: pad(2 * 1024 * 1024) }, { n: 3 }]),
        (e: unknown) => e instanceof ConfigurationError && /payloads\[1\]/.test(e.message),
      );
      // The backend's own enqueue refuses too (a caller below TaskQueue).
      const big = newTask({ payload: new Uint8Array(2 * 1024 * 1024) });
      await assert.rejects(backend.enqueue([newTask(), big]), ConfigurationError);
      assert.equal((await backend.listTasks({})).total, 0);
    }));

  it('a result over the limit ends the task dead with the reason, and the worker stops within its timeout', () =>
    withNats({}, async (backend) => {
      const q = new TaskQueue(backend);
      const worker = new Worker(backend, { tasks: { 'big.result': () => pad(1_100_000) }, pollInterval: 200, logger: silentLogger });
      await worker.start();
      let stopped = false;
      try {
        const r = await q.getResult(await q.enqueue('big.result', null), { timeout: 20_000 });
        assert.equal(r?.status, 'dead');
        assert.equal(r?.error?.name, 'UnrecoverableError');
        assert.match(r?.error?.message ?? '', /result is \d+ bytes serialized.*over the nats backend's limit of \d+ bytes/);
        const t0 = Date.now();
        await worker.stop({ timeout: 2000 });
        stopped = true;
        assert.ok(Date.now() - t0 < 10_000, `stop took ${Date.now() - t0} ms`);
      } finally {
        // Before the fix stop() never returned (the report was retried forever): do not hang the file.
        if (!stopped) await Promise.race([worker.stop({ timeout: 100 }), sleep(15_000)]);
      }
    }));
});

describe('nats: read-your-writes when a node answers with an older copy (as after a failover)', { skip: sharedSkip }, () => {
  it('getTask never returns a revision older than one this client wrote; it asks again until the node catches up', () =>
    withNats({}, async (backend) => {
      const q = new TaskQueue(backend);
      const id = await q.enqueue('sitq.echo', { n: 1 });
      const [claimed] = await backend.claim(claimOne);
      const runningCopy = await Requester.prototype.lastBySubject.call(
        requesterOf(backend),
        streamOf(backend),
        subjectOf(backend, id),
        true,
      );
      assert.ok(runningCopy);
      const now = Date.now();
      assert.deepEqual(
        await backend.complete([{ lease: claimed.lease, outcome: 'succeeded', result: jsonSerializer.serialize(1), finishedAt: now }]),
        [true],
      );
      // The fault: the next three answers for this key come from a node that has not applied the
      // completion yet (a new leader still applying its log, a lagging replica).
      const original = Requester.prototype.lastBySubject;
      let stale = 3;
      Requester.prototype.lastBySubject = async function (this: Requester, stream: string, subject: string, fresh?: boolean) {
        if (subject.endsWith(id) && stale > 0) {
          stale--;
          return runningCopy;
        }
        return original.call(this, stream, subject, fresh);
      };
      try {
        const seen = await backend.getTask(id);
        assert.equal(seen?.state, 'succeeded', 'an older copy of the record was returned after this client completed the task');
        assert.equal(stale, 0);
      } finally {
        Requester.prototype.lastBySubject = original;
      }
    }));
});

describe('nats: compare-and-set fence on replicated buckets (issue 11, item 5)', { skip: sharedSkip }, () => {
  // nats-server 2.9 checks a clustered expected revision only before proposing, so a replicated
  // bucket's compare-and-sets also carry Nats-Msg-Id cas:<revision> (test/ha/nats.test.ts races them
  // on a cluster). A single server applies the de-duplication first too: the reply handling is
  // checked here without a cluster.
  it('a second write made at the same revision comes back as a duplicate and is refused as a conflict naming the write that won', () =>
    withNats({}, async (backend) => {
      const fenced = new Requester(sessionOf(backend).nc, 5000, 'test', true);
      try {
        const subject = subjectOf(backend, 'fence');
        const rev = await fenced.compareAndSet(subject, new TextEncoder().encode('0'), 0);
        const [first, second] = await Promise.allSettled([
          fenced.compareAndSet(subject, new TextEncoder().encode('a'), rev),
          fenced.compareAndSet(subject, new TextEncoder().encode('b'), rev),
        ]);
        assert.equal(first.status, 'fulfilled');
        assert.equal(second.status, 'rejected');
        const err = second.reason as JsApiError;
        assert.ok(err instanceof JsApiError && err.errCode === CAS_CONFLICT, `not a conflict: ${String(err)}`);
        assert.equal(err.winner, first.value);
        assert.equal(err.ambiguous, false);
        const last = await fenced.lastBySubject(streamOf(backend), subject);
        assert.equal(last?.seq, first.value);
        assert.equal(new TextDecoder().decode(last?.data), 'a');
      } finally {
        fenced.close();
      }
    }));
});

describe('nats: late copies of META writes (issue 11, NATS HA)', { skip: sharedSkip }, () => {
  // A write sent again after a lost reply can be stored after later writes to its key. Each META
  // write that is not a plain compare-and-set is sent again after the write it must not undo
  // (test/ha/nats-replays.ts; also run on a 3-replica cluster in test/ha/nats.test.ts).
  it('a heartbeat after the removal, a freed idempotency key after its new owner, a delayed-index entry after the move: each is refused', () =>
    withNats({}, async (backend, streamName) => {
      assert.deepEqual(await withClient((nc) => replayLateMetaWrites(backend, nc, streamName)), []);
    }));
});

describe('nats: coordination state', { skip: sharedSkip }, () => {
  it('after close() a call fails instead of opening a connection nothing would close (a timer of a TaskQueue or Worker writing its history); connect() opens again; after destroy() the next call starts afresh', async () => {
    const streamName = freshStream();
    const backend = new NatsBackend({ servers: 'nats://127.0.0.1:4222', streamName });
    await backend.connect();
    try {
      assert.ok(await backend.setState('a/b', '1', 0));
      await backend.close();
      await assert.rejects(
        backend.getState('a/b'),
        (err: unknown) => err instanceof ConnectionError && /closed.*connect\(\)/.test(err.message),
      );
      assert.equal((backend as unknown as { current: unknown }).current, undefined, 'the call opened a connection');
      await backend.connect();
      assert.equal((await backend.getState('a/b'))?.version, 1);
      await backend.destroy();
      assert.equal(await backend.getState('a/b'), null);
    } finally {
      await backend.destroy().catch(() => {});
      await backend.close();
    }
  });

  it('lives in the META bucket under s., "/" as "." so a prefix is a subject filter; "=" is kept; the version travels in the value', () =>
    withNats({}, async (backend, streamName) => {
      assert.ok(await backend.setState('limits/q=1/rate', 'a', 0));
      assert.ok(await backend.setState('limits/q=1/rate', 'b', 1));
      assert.ok(await backend.setState('limits/q=10/rate', 'c', 0));
      assert.ok(await backend.setState('limits=x', 'd', 0));
      await withClient(async (nc) => {
        const kv = await nc.jetstream().views.kv(`${streamName}_META`);
        const raw = await kv.get('s.limits.q=1.rate');
        assert.equal(new TextDecoder().decode(raw?.value), '2:b');
        // A KV revision is the stream's sequence: not the contract's version.
        assert.ok((raw?.revision ?? 0) > 2, `revision ${raw?.revision}`);
        const keys: string[] = [];
        for await (const k of await kv.keys('s.>')) keys.push(k);
        assert.deepEqual(keys.sort(), ['s.limits.q=1.rate', 's.limits.q=10.rate', 's.limits=x']);
      });
      assert.deepEqual(
        (await backend.listState('limits/')).map((e) => [e.key, e.value, e.version]),
        [
          ['limits/q=1/rate', 'b', 2],
          ['limits/q=10/rate', 'c', 1],
        ],
      );
      assert.deepEqual(
        (await backend.listState('limits/q=1/')).map((e) => e.key),
        ['limits/q=1/rate'],
      );
      assert.deepEqual(
        (await backend.listState('')).map((e) => e.key),
        ['limits/q=1/rate', 'limits/q=10/rate', 'limits=x'],
      );
    }));

  it('getState never returns a revision older than one this client wrote; it asks again until the node catches up', () =>
    withNats({}, async (backend) => {
      assert.ok(await backend.setState('queues/default', '{"paused":false}', 0));
      const session = sessionOf(backend);
      const subject = session.names.metaSubject('s.queues.default');
      const olderCopy = await Requester.prototype.lastBySubject.call(session.requester, session.names.metaStream, subject, true);
      assert.ok(olderCopy);
      assert.ok(await backend.setState('queues/default', '{"paused":true}', 1));
      // The fault: the next three answers for this key come from a node that has not applied the
      // second write yet (a new leader still applying its log, a lagging replica).
      const original = Requester.prototype.lastBySubject;
      let stale = 3;
      Requester.prototype.lastBySubject = async function (this: Requester, stream: string, subj: string, fresh?: boolean) {
        if (subj === subject && stale > 0) {
          stale--;
          return olderCopy;
        }
        return original.call(this, stream, subj, fresh);
      };
      try {
        assert.deepEqual(await backend.getState('queues/default'), { key: 'queues/default', value: '{"paused":true}', version: 2 });
        assert.equal(stale, 0);
        // After a delete, the older copy is not taken for the entry either.
        assert.equal(await backend.deleteState('queues/default', 2), true);
        stale = 3;
        assert.equal(await backend.getState('queues/default'), null);
        assert.equal(stale, 0);
      } finally {
        Requester.prototype.lastBySubject = original;
      }
    }));
});

describe('nats: JetStream mechanics', { skip: sharedSkip }, () => {
  it('the lease is the level consumer ack wait, and follows the leaseMs of the claims', () =>
    withNats({}, async (b, stream) => {
      await b.enqueue([newTask(), newTask({ priority: 4 })]);
      await b.claim({ ...claimOne, leaseMs: 1234 });
      await withClient(async (nc) => {
        const jsm = await nc.jetstreamManager();
        const waits = async () =>
          (await Promise.all(['q_default_0', 'q_default_4'].map((c) => jsm.consumers.info(stream, c)))).map((i) => [
            (i.config.ack_wait ?? 0) / 1e6,
            i.config.max_deliver,
            i.config.filter_subject,
          ]);
        assert.deepEqual(await waits(), [
          [1234, -1, `${stream}.q.default.0`],
          [1234, -1, `${stream}.q.default.4`],
        ]);
        await b.claim({ ...claimOne, leaseMs: 2345 });
        assert.deepEqual(
          (await waits()).map((w) => w[0]),
          [2345, 2345],
        );
      });
    }));

  it('a retry waits as a delayed NAK of the same message, then runs again', () =>
    withNats({}, async (b, stream) => {
      await b.enqueue([newTask()]);
      const [c] = await b.claim(claimOne);
      const runAt = Date.now() + 300;
      await b.complete([{ lease: c.lease, outcome: 'retry', error: { name: 'E', message: 'x' }, runAt, finishedAt: Date.now() }]);
      await withClient(async (nc) => {
        const jsm = await nc.jetstreamManager();
        const info = await jsm.consumers.info(stream, 'q_default_0');
        assert.equal(info.num_ack_pending, 1, 'the retry is not held by the consumer');
        assert.equal((await jsm.streams.info(stream)).state.messages, 1);
        const again = await b.claim({ ...claimOne, waitMs: 3000 });
        assert.ok(Date.now() >= runAt);
        assert.equal(again[0]?.record.attempts, 2);
        await b.complete([{ lease: again[0].lease, outcome: 'succeeded', result: jsonSerializer.serialize(1), finishedAt: Date.now() }]);
        await eventually('the message to be acked away', async () => (await jsm.streams.info(stream)).state.messages === 0, 3000);
      });
    }));

  it('a task that would jump the stream order is still claimed by runAt', () =>
    withNats({}, async (b) => {
      const now = Date.now();
      const [first, second] = [newTask({ runAt: now, enqueuedAt: now }), newTask({ runAt: now, enqueuedAt: now })];
      await b.enqueue([first, second]);
      const urgent = newTask({ runAt: now - 60_000 }); // backdated: enqueued after, due before
      await b.enqueue([urgent]);
      const got = [];
      for (let i = 0; i < 3; i++) got.push((await b.claim(claimOne))[0]?.record.id);
      assert.deepEqual(got, [urgent.id, first.id, second.id]);
    }));

  it('two processes moving one due delayed task publish it once', () =>
    withNats({}, async (a, streamName) => {
      const b = new NatsBackend({ streamName });
      try {
        const task = newTask({ runAt: Date.now() + 200 });
        await a.enqueue([task]);
        await b.connect();
        await sleep(300);
        const [ca, cb] = await Promise.all([a.claim(claimOne), b.claim(claimOne)]);
        assert.equal(ca.length + cb.length, 1);
        const held = [...ca, ...cb][0];
        await a.complete([{ lease: held.lease, outcome: 'succeeded', result: jsonSerializer.serialize(1), finishedAt: Date.now() }]);
        await withClient(async (nc) => {
          const jsm = await nc.jetstreamManager();
          await eventually('no stray copy left in the stream', async () => (await jsm.streams.info(streamName)).state.messages === 0, 3000);
        });
        assert.deepEqual(await b.claim(claimOne), []);
      } finally {
        await b.close();
      }
    }));

  it('another process can report under a lease: the record, not a cache, decides', () =>
    withNats({}, async (a, streamName) => {
      const b = new NatsBackend({ streamName });
      try {
        await a.enqueue([newTask()]);
        const [c] = await a.claim(claimOne);
        assert.deepEqual(await b.renew([{ ...c.lease, token: c.lease.token + 1 }], 30_000), [false]);
        assert.deepEqual(await b.renew([c.lease], 30_000), [true]);
        assert.deepEqual(
          await b.complete([{ lease: c.lease, outcome: 'succeeded', result: jsonSerializer.serialize('b'), finishedAt: Date.now() }]),
          [true],
        );
        // a's cached revision is stale now; its report is checked against the record and refused.
        assert.deepEqual(
          await a.complete([{ lease: c.lease, outcome: 'dead', error: { name: 'E', message: 'late' }, finishedAt: Date.now() }]),
          [false],
        );
        assert.equal((await a.getTask(c.lease.taskId))?.state, 'succeeded');
        await withClient(async (nc) => {
          const jsm = await nc.jetstreamManager();
          await eventually(
            'the message to be acked through the stored ack subject',
            async () => (await jsm.streams.info(streamName)).state.messages === 0,
            3000,
          );
        });
      } finally {
        await b.close();
      }
    }));

  it('cancel and requeue leave no message that could run a task twice', () =>
    withNats({}, async (b, stream) => {
      // Cancelled before delivery, then requeued: its old message and the new one both exist.
      const twice = newTask();
      await b.enqueue([twice]);
      assert.equal(await b.cancel(twice.id), 'pending');
      assert.equal(await b.requeue(twice.id), true);
      // A retry waiting out its backoff is cancelled: its held delivery is terminated at once.
      const retried = newTask();
      await b.enqueue([retried]);
      let claimed = await b.claim({ ...claimOne, max: 10 });
      const held = claimed.find((c) => c.record.id === retried.id)!;
      const first = claimed.find((c) => c.record.id === twice.id);
      await b.complete([
        { lease: held.lease, outcome: 'retry', error: { name: 'E', message: 'x' }, runAt: Date.now() + 60_000, finishedAt: Date.now() },
      ]);
      assert.equal(await b.cancel(retried.id), 'delayed');
      const runs = first ? [first] : [];
      for (let i = 0; i < 3; i++) {
        claimed = await b.claim({ ...claimOne, max: 10 });
        runs.push(...claimed);
        await b.complete(
          claimed.map((c) => ({
            lease: c.lease,
            outcome: 'succeeded' as const,
            result: jsonSerializer.serialize(1),
            finishedAt: Date.now(),
          })),
        );
      }
      if (first)
        await b.complete([{ lease: first.lease, outcome: 'succeeded', result: jsonSerializer.serialize(1), finishedAt: Date.now() }]);
      assert.deepEqual(
        runs.map((c) => c.record.id),
        [twice.id],
        'a task ran twice, or a cancelled one ran',
      );
      await withClient(async (nc) => {
        const jsm = await nc.jetstreamManager();
        await eventually('every message to be gone', async () => (await jsm.streams.info(stream)).state.messages === 0, 3000);
      });
    }));

  it('many result waits share one subscription', () =>
    withNats({}, async (b, stream) => {
      const tasks = Array.from({ length: 200 }, () => newTask());
      await b.enqueue(tasks);
      const waits = tasks.map((t) => b.waitForFinish(t.id, 20_000));
      await sleep(200);
      await withClient(async (nc) => {
        const jsm = await nc.jetstreamManager();
        assert.ok((await jsm.streams.info(`KV_${stream}_TASKS`)).state.consumer_count <= 1, 'one consumer per wait');
      });
      let left = tasks.length;
      while (left > 0) {
        const claimed = await b.claim({ ...claimOne, max: 50 });
        await b.complete(
          claimed.map((c) => ({
            lease: c.lease,
            outcome: 'succeeded',
            result: jsonSerializer.serialize(c.record.id),
            finishedAt: Date.now(),
          })),
        );
        left -= claimed.length;
      }
      const done = await Promise.all(waits);
      assert.deepEqual(
        done.map((r) => r && jsonSerializer.deserialize(r.result!)),
        tasks.map((t) => t.id),
      );
    }));

  it('listings follow state changes made after an earlier listing', () =>
    withNats({}, async (b) => {
      const task = newTask();
      await b.enqueue([task]);
      assert.equal((await b.listTasks({ state: 'pending' })).total, 1);
      const [c] = await b.claim(claimOne);
      await b.complete([{ lease: c.lease, outcome: 'dead', error: { name: 'E', message: 'x' }, finishedAt: Date.now() }]);
      assert.deepEqual(
        (await b.listTasks({ state: 'dead' })).tasks.map((t) => t.id),
        [task.id],
      );
      assert.equal((await b.listTasks({ state: 'pending' })).total, 0);
      await b.requeue(task.id);
      assert.deepEqual(
        (await b.listTasks({ state: 'pending' })).tasks.map((t) => [t.id, t.finishedAt]),
        [[task.id, undefined]],
      );
    }));

  it('counts and pages over 5,000 tasks stay quick after the first read', () =>
    withNats({}, async (b) => {
      for (let i = 0; i < 5; i++) await b.enqueue(Array.from({ length: 1000 }, () => newTask({ queue: 'bulk' })));
      const t0 = Date.now();
      assert.equal((await b.counts()).find((q) => q.queue === 'bulk')?.counts.pending, 5000);
      const firstRead = Date.now() - t0;
      const t1 = Date.now();
      const page = await b.listTasks({ queue: 'bulk', limit: 100, offset: 4900 });
      assert.equal(page.total, 5000);
      assert.equal(page.tasks.length, 100);
      const later = Date.now() - t1;
      assert.ok(firstRead < 10_000 && later < 3000, `first read ${firstRead} ms, a later page ${later} ms`);
    }));
});

describe('nats: an enqueue that died halfway is finished by the next enqueue of its key', { skip: sharedSkip }, () => {
  // A producer killed between its writes (key, record, work message) left the key naming a task
  // that does not exist, or one that no claim will ever see (the schedules' 4-process test, which
  // SIGKILLs its schedulers, caught it). The next enqueue of the key finishes the job.
  const keyOf = (queue: string, key: string) => metaKeys.idempotency(queue, key);
  const encode = (s: string) => new TextEncoder().encode(s);

  it("a key whose record was never written: the record is written under the key's id and runs once", () =>
    withNats({}, async (b) => {
      const orphanId = newTask().id;
      assert.ok((await sessionOf(b).meta.create(keyOf('default', 'k-dangling'), encode(orphanId))) !== null);
      const [outcome] = await b.enqueue([newTask({ idempotencyKey: 'k-dangling' })]);
      assert.deepEqual(outcome, { id: orphanId, created: false });
      assert.equal((await b.getTask(orphanId))?.state, 'pending');
      const claimed = await b.claim({ ...claimOne, max: 10, waitMs: 3000 });
      assert.deepEqual(
        claimed.map((c) => c.record.id),
        [orphanId],
      );
      assert.deepEqual(await b.claim({ ...claimOne, max: 10, waitMs: 300 }), []);
    }));

  it('a record whose work message was never published: it is published and claimed once', () =>
    withNats({}, async (b) => {
      const t = newTask({ idempotencyKey: 'k-silent' });
      const rec: StoredTask = { ...t, state: 'pending', attempts: 0, token: 0, idemKey: keyOf('default', 'k-silent') };
      assert.ok((await sessionOf(b).meta.create(keyOf('default', 'k-silent'), encode(t.id))) !== null);
      assert.ok((await sessionOf(b).store.write(rec, 0)) !== null);
      assert.deepEqual(await b.claim({ ...claimOne, waitMs: 300 }), [], 'no message: nothing to claim');
      assert.deepEqual(await b.enqueue([newTask({ idempotencyKey: 'k-silent' })]), [{ id: t.id, created: false }]);
      const claimed = await b.claim({ ...claimOne, max: 10, waitMs: 3000 });
      assert.deepEqual(
        claimed.map((c) => c.record.id),
        [t.id],
      );
    }));

  it('a repeated enqueue of a task already published adds no second delivery', () =>
    withNats({}, async (b) => {
      const [first] = await b.enqueue([newTask({ idempotencyKey: 'k-twice' })]);
      for (let i = 0; i < 3; i++)
        assert.deepEqual(await b.enqueue([newTask({ idempotencyKey: 'k-twice' })]), [{ id: first.id, created: false }]);
      const claimed = await b.claim({ ...claimOne, max: 10, waitMs: 2000 });
      assert.deepEqual(
        claimed.map((c) => c.record.id),
        [first.id],
      );
      assert.deepEqual(await b.claim({ ...claimOne, max: 10, waitMs: 500 }), []);
    }));
});
