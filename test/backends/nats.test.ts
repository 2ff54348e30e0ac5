// The NATS JetStream backend: the shared conformance suite, then every option (servers, auth,
// TLS, reconnection, pings) against the real server on 127.0.0.1:4222 and against private
// nats-server processes (started here, on free ports) where a test needs auth, TLS, a restart or a
// frozen server. Split by responsibility: nats-state.test.ts (records and coordination state in
// the KV buckets), nats-jetstream.test.ts (message size, JetStream mechanics, half-done enqueues),
// nats-faults.test.ts (faults under load); shared helpers in nats-helpers.ts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { connect, nkeys } from 'nats';
import { NatsBackend, type NatsOptions } from '../../shared/backends/nats/index.js';
import { ConfigurationError, ConnectionError } from '../../shared/core/errors.js';
import { FaultProxy } from '../../bench/faults/proxy.js';
import type { BackendConfig } from '../../shared/backends/index.js';
import { exerciseBackend } from '../conformance/index.js';
import { eventually, newTask, sleep } from '../conformance/harness.js';
import { serverSkip } from '../helpers/servers.js';
import { NatsServer, natsServerSkip, selfSignedCert, stopAll } from '../ha/nats-servers.js';
import { freshStream, claimOne, withNats, withClient } from './nats-helpers.js';

type KeyPair = ReturnType<typeof nkeys.createUser>;

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
  // The server has no command to drop one client, so the subscriber connects through a proxy
  // that resets its connection on both sides; the client connects again (reconnectWait 100 ms).
  async eventTransport(config) {
    const proxy = await FaultProxy.start('127.0.0.1', 4222);
    return {
      config: { ...(config as Extract<BackendConfig, { type: 'nats' }>), servers: [`nats://127.0.0.1:${proxy.port}`], reconnectWait: 100 },
      async cut() {
        assert.ok(proxy.dropAll() >= 1, 'no connection through the proxy to drop');
      },
      dispose: () => proxy.close(),
    };
  },
});

const sharedSkip = await serverSkip('nats');
const binarySkip = natsServerSkip('the tests that start their own server (auth, TLS, restarts, faults)');
after(stopAll);

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
