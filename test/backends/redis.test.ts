// The Redis backend: the shared conformance suite, then every option and the Redis-specific
// behaviour (hash tags, wake-ups, reconnects) against the real server on 127.0.0.1:6379.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { RedisBackend, type RedisOptions } from '../../shared/backends/redis/index.js';
import { bytesArg } from '../../shared/backends/redis/codec.js';
import { ConfigurationError, ConnectionError } from '../../shared/core/errors.js';
import { jsonSerializer } from '../../shared/core/serializers.js';
import { FaultProxy } from '../../bench/faults/proxy.js';
import { exerciseBackend } from '../conformance/index.js';
import { newTask, sleep } from '../conformance/harness.js';
import { serverSkip } from '../helpers/servers.js';
import { freshRedisPrefix, TEST_TLS, TEST_TLS_CLIENT, withRedisBackend } from '../ha/redis-servers.js';

const freshPrefix = freshRedisPrefix;

await exerciseBackend({
  kind: 'redis',
  server: 'redis',
  freshConfig: () => ({ type: 'redis', host: '127.0.0.1', port: 6379, keyPrefix: freshPrefix() }),
  unreachableConfig: () => ({ type: 'redis', host: '127.0.0.1', port: 1, connectTimeout: 1000 }),
  async writeLayoutVersion(config, version) {
    const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
    await redis.connect();
    await redis.set(`${(config as { keyPrefix: string }).keyPrefix}{meta}:layout`, String(version));
    redis.disconnect();
  },
  // The server closes the subscriber connection (CLIENT KILL, found by its name in CLIENT LIST);
  // ioredis opens it again and subscribes anew.
  async eventTransport(config) {
    return {
      config,
      async cut(subscriber) {
        await withAdmin(async (admin) => {
          const name = `${(subscriber as RedisBackend).clientName}-subscriber`;
          const ids = ((await admin.client('LIST')) as string)
            .split('\n')
            .filter((line) => line.includes(` name=${name} `))
            .map((line) => /(?:^|\s)id=(\d+)/.exec(line)![1]);
          assert.equal(ids.length, 1, `one connection named ${name}`);
          await admin.client('KILL', 'ID', ids[0]);
        });
      },
      async dispose() {},
    };
  },
});

const claimOne = { workerId: 'w-test', queues: ['default'], max: 1, leaseMs: 30_000 };

/** A connected backend in a fresh prefix, destroyed and closed afterwards. */
const withRedis = withRedisBackend;

async function withAdmin<T>(fn: (admin: Redis) => Promise<T>): Promise<T> {
  const admin = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    admin.disconnect();
  }
}

/** Server-side ids of this backend's connections (from CLIENT LIST). */
async function clientIds(admin: Redis, backend: RedisBackend): Promise<string[]> {
  const list = (await admin.client('LIST')) as string;
  return list
    .split('\n')
    .filter((line) => line.includes(` name=${backend.clientName}-`))
    .map((line) => /(?:^|\s)id=(\d+)/.exec(line)![1]);
}

/** A proxy to the main server that a test can freeze or cut (on `port` if given). */
const startProxy = (tls?: { key: string; cert: string }, port?: number) => FaultProxy.start('127.0.0.1', 6379, { tls, port });

/** Accepts connections and never says a word. */
async function startSilentServer() {
  const sockets = new Set<Socket>();
  const server = createServer((s) => sockets.add(s.on('error', () => {})));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function rejectsWithin(promise: Promise<unknown>, maxMs: number, check?: (err: ConnectionError) => void): Promise<void> {
  const t0 = Date.now();
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ConnectionError, `expected ConnectionError, got ${String(err)}`);
    check?.(err);
    return true;
  });
  assert.ok(Date.now() - t0 < maxMs, `took ${Date.now() - t0} ms, expected < ${maxMs}`);
}

describe('redis backend', { skip: await serverSkip('redis') }, () => {
  describe('options', () => {
    it('rejects bad options with a ConfigurationError naming the option', () => {
      const bad: [RedisOptions, RegExp][] = [
        [{ port: 70_000 }, /redis\.port/],
        [{ keyPrefix: 'a{b}' }, /redis\.keyPrefix/],
        [{ maxConnections: 0 }, /redis\.maxConnections/],
        [{ socketTimeout: -1 }, /redis\.socketTimeout/],
        [{ tls: 'yes' as never }, /redis\.tls/],
        [{ maxConection: 3 } as never, /maxConection.*no such option/],
        [{ keepAlive: -1 }, /redis\.keepAlive/],
        [{ cluster: { startupNodes: [] } }, /redis\.cluster\.startupNodes/],
        [{ cluster: { startupNodes: [{ host: 'a', port: 1 }] }, host: 'b' }, /redis\.host: expected no host with cluster/],
        [{ cluster: { startupNodes: [{ host: 'a', port: 1 }] }, db: 2 }, /redis\.db: expected database 0/],
        [
          { cluster: { startupNodes: [{ host: 'a', port: 1 }] }, maxConnections: 4 },
          /redis\.maxConnections: expected cluster\.maxConnectionsPerNode/,
        ],
        [{ cluster: { startupNodes: [{ host: 'a', port: 1 }], maxConnectionsPerNode: 0 } }, /redis\.cluster\.maxConnectionsPerNode/],
        [
          { cluster: { startupNodes: [{ host: 'a', port: 1 }] }, sentinels: [{ host: 'a', port: 1 }], name: 'm' },
          /either cluster or sentinels/,
        ],
        [{ sentinels: [{ host: 'a', port: 1 }] }, /redis\.name: expected the master group name/],
        [{ sentinels: [{ host: 'a', port: 1 }], name: 'm', port: 6380 }, /redis\.port: expected no port with sentinels/],
        [{ name: 'm' }, /redis\.name: expected only together with sentinels/],
        [{ cluster: { startupNodes: [{ host: 'a', port: 1 }] }, waitReplicas: 1 }, /redis\.waitReplicas: expected 0 with cluster/],
        [{ waitTimeout: 500 }, /redis\.waitTimeout: expected only together with waitReplicas/],
        [{ waitReplicas: -1 }, /redis\.waitReplicas/],
      ];
      for (const [options, message] of bad) {
        assert.throws(
          () => new RedisBackend(options),
          (e: unknown) => e instanceof ConfigurationError && message.test(e.message),
          JSON.stringify(options),
        );
      }
      assert.throws(
        () => new RedisBackend({ password: 'hunter2', port: 0 }),
        (e: unknown) => e instanceof ConfigurationError && !/hunter2/.test(e.message),
      );
    });

    it('address names scheme, user, host, port, db and prefix, never the password', () => {
      assert.equal(new RedisBackend().address, 'redis://127.0.0.1:6379/0 (prefix sitq:)');
      const b = new RedisBackend({ host: 'cache', port: 6380, db: 2, username: 'app', password: 'hunter2', tls: true, keyPrefix: 'x:' });
      assert.equal(b.address, 'rediss://app@cache:6380/2 (prefix x:)');
      const cluster = new RedisBackend({
        cluster: {
          startupNodes: [
            { host: 'n1', port: 7000 },
            { host: 'n2', port: 7001 },
          ],
        },
        password: 'hunter2',
      });
      assert.equal(cluster.address, 'redis://n1:7000,n2:7001 (cluster, prefix sitq:)');
      const sentinel = new RedisBackend({ sentinels: [{ host: 's1', port: 26379 }], name: 'main', sentinelPassword: 'hunter2', tls: true });
      assert.equal(sentinel.address, 'rediss://main/0 (sentinels s1:26379, prefix sitq:)');
    });

    it('keyPrefix: every key lives under it, a queue in its own hash tag, the coordination state in {state}; destroy removes them all', () =>
      withAdmin(async (admin) => {
        const prefix = freshPrefix();
        const b = new RedisBackend({ keyPrefix: prefix });
        await b.connect();
        await b.enqueue([newTask(), newTask({ queue: 'other', runAt: Date.now() + 60_000 })]);
        await b.claim(claimOne);
        assert.ok(await b.setState('schedules/nightly', '{"cron":"0 3 * * *"}', 0));
        assert.ok(await b.setState('schedules/nightly', '{"cron":"0 4 * * *"}', 1));
        const keys = await admin.keys(`${prefix}*`);
        assert.ok(keys.length > 5);
        for (const key of keys) assert.match(key.slice(prefix.length), /^(\{q:(default|other)\}:|\{meta\}:|\{state\}:)/, key);
        // One hash of '<version>:<value>' and a zset of the keys, both in the {state} slot.
        assert.deepEqual(await admin.hgetall(`${prefix}{state}:entries`), { 'schedules/nightly': '2:{"cron":"0 4 * * *"}' });
        assert.deepEqual(await admin.zrange(`${prefix}{state}:keys`, 0, -1), ['schedules/nightly']);
        await b.destroy();
        assert.deepEqual(await admin.keys(`${prefix}*`), []);
        await b.close();
      }));

    it('waitReplicas: an enqueue no replica confirms fails with ConnectionError naming the option (the main server has no replica)', () =>
      withRedis({ waitReplicas: 1, waitTimeout: 200 }, async (b) => {
        const started = Date.now();
        await assert.rejects(
          b.enqueue([newTask()]),
          (e: unknown) =>
            e instanceof ConnectionError &&
            /0 of redis\.waitReplicas=1 replicas confirmed it within redis\.waitTimeout=200 ms/.test(e.message),
        );
        assert.ok(Date.now() - started >= 150, 'it waited for the replicas (WAIT) before failing');
        await assert.rejects(
          b.enqueue([newTask(), newTask({ queue: 'other' })]),
          ConnectionError,
          'a batch over two queues is confirmed too',
        );
      }));

    it('db: keys go to the configured database', () =>
      withAdmin(async (admin) => {
        await withRedis({ db: 3 }, async (b) => {
          const task = newTask();
          await b.enqueue([task]);
          const prefix = b.address.replace(/^.*\(prefix (.*)\)$/, '$1');
          assert.deepEqual(await admin.keys(`${prefix}*`), [], 'wrote to db 0');
          await admin.select(3);
          assert.ok((await admin.keys(`${prefix}*`)).length > 0);
          assert.equal((await b.getTask(task.id))?.id, task.id);
        });
      }));

    it('username and password authenticate; a wrong password is a ConnectionError that does not show it', () =>
      withAdmin(async (admin) => {
        const user = `sitq-test-${randomBytes(4).toString('hex')}`;
        const prefix = freshPrefix();
        await admin.call('ACL', 'SETUSER', user, 'on', '>right-pw', `~${prefix}*`, `&${prefix}*`, '+@all');
        try {
          await withRedis({ username: user, password: 'right-pw', keyPrefix: prefix }, async (b) => {
            const task = newTask();
            await b.enqueue([task]);
            const waiting = b.waitForFinish(task.id, 5000);
            const [c] = await b.claim(claimOne);
            await b.complete([{ lease: c.lease, outcome: 'succeeded', result: jsonSerializer.serialize(1), finishedAt: Date.now() }]);
            assert.equal((await waiting)?.state, 'succeeded');
          });
          const wrong = new RedisBackend({ username: user, password: 'wrong-pw', keyPrefix: prefix });
          await rejectsWithin(wrong.connect(), 3000, (err) => assert.ok(!err.message.includes('wrong-pw'), err.message));
          await wrong.close();
        } finally {
          await admin.call('ACL', 'DELUSER', user);
        }
      }));

    it('tls: connects with the given CA; `true` (system CAs) rejects a self-signed server', async () => {
      const proxy = await startProxy(TEST_TLS);
      try {
        await withRedis({ port: proxy.port, tls: TEST_TLS_CLIENT }, async (b) => {
          assert.ok(b.address.startsWith('rediss://'));
          assert.match((await b.ping()).serverVersion, /^Redis \d/);
        });
        const untrusted = new RedisBackend({ port: proxy.port, tls: true, keyPrefix: freshPrefix(), connectTimeout: 2000 });
        await rejectsWithin(untrusted.connect(), 3000, (err) => assert.match(err.message, /certificate/i));
        await untrusted.close();
      } finally {
        await proxy.close();
      }
    });

    it('maxConnections: many waiting claims share the allowed connections, and all get work', () =>
      withAdmin(async (admin) => {
        for (const maxConnections of [3, 2, 1]) {
          await withRedis({ maxConnections }, async (b) => {
            const claims = Array.from({ length: 12 }, () => b.claim({ ...claimOne, waitMs: 8000 }));
            await sleep(300);
            assert.ok(b.openConnections <= maxConnections, `${b.openConnections} open`);
            assert.ok((await clientIds(admin, b)).length <= maxConnections);
            const tasks = Array.from({ length: 12 }, () => newTask());
            const t0 = Date.now();
            await b.enqueue(tasks);
            const claimed = (await Promise.all(claims)).flat();
            assert.deepEqual(claimed.map((c) => c.record.id).sort(), tasks.map((t) => t.id).sort());
            assert.ok(Date.now() - t0 < 3000, `claims took ${Date.now() - t0} ms to notice`);
            // waitForFinish subscribes when a third connection is allowed, and polls otherwise.
            const waiting = b.waitForFinish(claimed[0].record.id, 5000);
            await sleep(100);
            const done = Date.now();
            await b.complete([{ lease: claimed[0].lease, outcome: 'succeeded', result: jsonSerializer.serialize(1), finishedAt: done }]);
            assert.equal((await waiting)?.state, 'succeeded');
            assert.ok(Date.now() - done < 1000, `waitForFinish took ${Date.now() - done} ms to notice`);
            assert.ok((await clientIds(admin, b)).length <= maxConnections);
          });
        }
      }));

    it('socketTimeout: a server that stops answering fails commands with ConnectionError within it; the backend recovers', async () => {
      const proxy = await startProxy();
      try {
        await withRedis({ port: proxy.port, socketTimeout: 300 }, async (b) => {
          await b.ping();
          proxy.stall({ holdNew: true });
          await rejectsWithin(b.ping(), 2000);
          proxy.heal();
          await b.ping();
        });
      } finally {
        await proxy.close();
      }
    });

    it('socketConnectTimeout bounds the handshake; connectTimeout bounds all of connect()', async () => {
      const silent = await startSilentServer();
      try {
        const handshake = new RedisBackend({ port: silent.port, tls: true, socketConnectTimeout: 300, connectTimeout: 10_000 });
        await rejectsWithin(handshake.connect(), 2000);
        const overall = new RedisBackend({ port: silent.port, connectTimeout: 400 });
        await rejectsWithin(overall.connect(), 2000, (err) => assert.match(err.message, /400 ms/));
        await Promise.all([handshake.close(), overall.close()]);
      } finally {
        await silent.close();
      }
    });

    it('loads ioredis only when a connection is made, not to check options or name the address', async () => {
      // A child process, so this file's own ioredis import does not count. The module registry of
      // CommonJS (which ioredis is) shows whether it was loaded.
      const { execFileSync } = await import('node:child_process');
      const backendUrl = new URL('../../shared/backends/redis/index.js', import.meta.url).href;
      const floorUrl = new URL('../../shared/bench/floors/index.js', import.meta.url).href;
      const script = `
        import { createRequire } from 'node:module';
        const { RedisBackend } = await import(${JSON.stringify(backendUrl)});
        await import(${JSON.stringify(floorUrl)});
        const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((f) => /[\\/]ioredis[\\/]/.test(f));
        const b = new RedisBackend({ host: '127.0.0.1', port: 6379, keyPrefix: 'sitq-lazy-check:' });
        const before = loaded() + ' ' + b.address;
        await b.connect();
        const after = loaded();
        await b.close();
        console.log(before + ' ' + after);`;
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim();
      assert.equal(out, 'false redis://127.0.0.1:6379/0 (prefix sitq-lazy-check:) true');
    });

    it('the raw floor refuses a cluster or sentinel profile instead of measuring 127.0.0.1:6379', async () => {
      const { floorDriver } = await import('../../shared/bench/floors/index.js');
      const node = { host: '127.0.0.1', port: 1 };
      assert.throws(
        () => floorDriver({ type: 'redis', cluster: { startupNodes: [node] } }),
        (e: unknown) => e instanceof ConfigurationError && /redis\.cluster: expected one Redis server/.test(e.message),
      );
      assert.throws(
        () => floorDriver({ type: 'redis', sentinels: [node], name: 'm' }),
        (e: unknown) => e instanceof ConfigurationError && /redis\.sentinels: expected one Redis server/.test(e.message),
      );
    });
  });

  describe('behaviour', () => {
    it('reconnects by itself when its connections are killed, even mid-wait', () =>
      withAdmin(async (admin) => {
        await withRedis({}, async (b) => {
          const waiting = b.claim({ ...claimOne, waitMs: 8000 });
          await sleep(200);
          for (const id of await clientIds(admin, b)) await admin.client('KILL', 'ID', id);
          await sleep(300);
          const task = newTask();
          await b.enqueue([task]);
          assert.equal((await waiting)[0]?.record.id, task.id);
          assert.match((await b.ping()).serverVersion, /^Redis/);
        });
      }));

    it('replaces a command or subscriber connection that ioredis ended for good by itself', () =>
      withRedis({}, async (b) => {
        // ioredis can end a connection for good on its own (when a reconnect is interrupted while
        // it asks the sentinels for the master); disconnect() ends one the same way. Reached
        // through the backend's private field: no public call can make ioredis give up.
        const inner = (b as unknown as { connections: { current?: Redis; subscriberConn?: Promise<Redis> } }).connections;
        const first = newTask();
        await b.enqueue([first]);
        await b.waitForFinish(first.id, 10); // opens and subscribes the subscriber
        const oldCommand = inner.current!;
        const oldSubscriber = await inner.subscriberConn!;
        oldCommand.disconnect();
        oldSubscriber.disconnect();
        await sleep(50);
        assert.equal(oldCommand.status, 'end');
        // Commands go through the replacement...
        const task = newTask();
        await b.enqueue([task]);
        const [claimed] = await b.claim(claimOne);
        assert.notEqual(inner.current, oldCommand);
        // ...and a finish wait subscribes again on a new subscriber, which wakes it.
        const waiting = b.waitForFinish(claimed.lease.taskId, 10_000);
        await sleep(100);
        assert.notEqual(await inner.subscriberConn, oldSubscriber);
        await b.complete([{ lease: claimed.lease, outcome: 'succeeded', result: jsonSerializer.serialize(1), finishedAt: Date.now() }]);
        assert.equal((await waiting)?.state, 'succeeded');
      }));

    it('an idle claim blocks on the server instead of polling', () =>
      withAdmin(async (admin) => {
        await withRedis({}, async (b) => {
          const prefix = b.address.replace(/^.*\(prefix (.*)\)$/, '$1');
          const monitor = await admin.monitor();
          let scriptCalls = 0;
          monitor.on('monitor', (_time: string, args: string[]) => {
            if (/^evalsha$|^eval$/i.test(args[0]) && args.some((a) => a.startsWith(prefix))) scriptCalls++;
          });
          const t0 = Date.now();
          assert.deepEqual(await b.claim({ ...claimOne, waitMs: 1500 }), []);
          assert.ok(Date.now() - t0 >= 1400, 'returned before its waitMs');
          await sleep(50);
          monitor.disconnect();
          assert.ok(scriptCalls <= 3, `${scriptCalls} claim scripts ran during one idle wait`);
        });
      }));

    it('keeps working after the server forgets its scripts (as after a restart)', () =>
      withAdmin(async (admin) => {
        await withRedis({}, async (b) => {
          await b.enqueue([newTask()]);
          await admin.script('FLUSH');
          const [c] = await b.claim(claimOne);
          assert.ok(c);
          assert.deepEqual(
            await b.complete([{ lease: c.lease, outcome: 'succeeded', result: jsonSerializer.serialize(1), finishedAt: Date.now() }]),
            [true],
          );
        });
      }));

    it('rides out a server outage: commands wait while it is gone and go through once it is back', async () => {
      let proxy = await startProxy();
      const backend = new RedisBackend({ port: proxy.port, keyPrefix: freshPrefix() });
      await backend.connect();
      try {
        const task = newTask();
        await backend.enqueue([task]);
        await proxy.close(); // the server is gone: reconnects are refused
        const during = backend.getTask(task.id);
        await sleep(1500);
        proxy = await startProxy(undefined, proxy.port);
        assert.equal((await during)?.id, task.id);
        assert.equal((await backend.claim(claimOne))[0]?.record.id, task.id);
      } finally {
        await backend.destroy().catch(() => {});
        await backend.close();
        await proxy.close();
      }
    });

    it('close() ends a waiting claim at once, with no tasks', () =>
      withRedis({}, async (b) => {
        const waiting = b.claim({ ...claimOne, waitMs: 30_000 });
        await sleep(100);
        const t0 = Date.now();
        await b.close();
        assert.deepEqual(await waiting, []);
        assert.ok(Date.now() - t0 < 1000);
        await b.connect(); // for the cleanup in withRedis
      }));

    it('one enqueue of several tasks wakes several waiting claimers', () =>
      withRedis({}, async (b) => {
        const claims = [1, 2, 3].map(() => b.claim({ ...claimOne, waitMs: 5000 }));
        await sleep(100);
        const t0 = Date.now();
        await b.enqueue([newTask(), newTask(), newTask()]);
        assert.deepEqual(
          (await Promise.all(claims)).map((c) => c.length),
          [1, 1, 1],
        );
        assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);
      }));

    it('claims across several queues in one order: priority, then runAt', () =>
      withRedis({}, async (b) => {
        const now = Date.now();
        const a = newTask({ queue: 'a', priority: 1, runAt: now - 50 });
        const c = newTask({ queue: 'c', priority: 5, runAt: now - 10 });
        const a2 = newTask({ queue: 'a', priority: 1, runAt: now - 100 });
        await b.enqueue([a, c, a2]);
        const got = await b.claim({ ...claimOne, queues: ['a', 'c'], max: 3 });
        assert.deepEqual(
          got.map((x) => x.record.id),
          [c.id, a2.id, a.id],
        );
      }));

    it('keeps payloads and results byte for byte', () =>
      withRedis({}, async (b) => {
        const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
        const task = newTask({ payload: bytes, serializer: 'raw' });
        await b.enqueue([task]);
        const [c] = await b.claim(claimOne);
        assert.deepEqual([...c.record.payload], [...bytes]);
        await b.complete([{ lease: c.lease, outcome: 'succeeded', result: bytes.slice().reverse(), finishedAt: Date.now() }]);
        assert.deepEqual([...(await b.getTask(task.id))!.result!], [...bytes].reverse());
      }));

    it('sends a payload that is valid UTF-8 as text and any other as bytes, stored byte for byte either way', async () => {
      // The argument ioredis writes is the same bytes: a string's UTF-8 encoding, or the Buffer.
      const sent = (arg: ReturnType<typeof bytesArg>) => (typeof arg === 'string' ? Buffer.from(arg, 'utf8') : arg);
      fc.assert(
        fc.property(
          fc.oneof(
            fc.uint8Array({ maxLength: 64 }),
            fc.string({ unit: 'binary' }).map((s) => Buffer.from(s, 'utf8')),
          ),
          (bytes) => assert.deepEqual(sent(bytesArg(bytes)), Buffer.from(bytes)),
        ),
      );
      const payloads = [
        Buffer.from('\ufeff{"emoji":"\u{1F600}","accents":"éàü"}', 'utf8'), // a BOM stays
        Buffer.from([0xc0, 0x80]), // an overlong NUL: not UTF-8
        Buffer.from([0xed, 0xa0, 0x80]), // an encoded surrogate: not UTF-8
        Buffer.alloc(0),
        Buffer.from('é'.repeat(20_000), 'utf8'), // over the text limit: sent as bytes
      ];
      assert.equal(typeof bytesArg(payloads[0]), 'string');
      assert.ok(Buffer.isBuffer(bytesArg(payloads[1])) && Buffer.isBuffer(bytesArg(payloads[4])));
      await withRedis({}, async (b) => {
        for (const payload of payloads) {
          const task = newTask({ payload, serializer: 'raw' });
          await b.enqueue([task]);
          assert.deepEqual(Buffer.from((await b.getTask(task.id))!.payload), payload);
        }
      });
    });
  });
});
