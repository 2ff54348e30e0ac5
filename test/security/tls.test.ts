// TLS on the wire: the backends' TLS options reach the drivers. A throwaway CA and a certificate
// for 127.0.0.1 are made with openssl; a private redis-server listens with TLS only and a private
// nats-server requires TLS. With the CA given, a task makes a full round trip (enqueue, a worker
// runs it, the result comes back); without TLS, or with TLS but not trusting that CA, connect()
// fails with a ConnectionError in time — so the round trip really went over verified TLS.
// PostgreSQL: `ssl` reaches pg (the shared server has no TLS, so asking for it is refused by it).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createBackend, type BackendConfig } from '../../shared/backends/index.js';
import { ConnectionError } from '../../shared/core/errors.js';
import { silentLogger } from '../../shared/core/logger.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { Worker } from '../../shared/core/worker.js';
import { serverSkip, SERVERS } from '../helpers/servers.js';
import { makeCertificates, missingTool, startNats, startRedis, type Certificates, type PrivateServer } from './private-servers.js';

const REDIS_TLS_PORT = 7102;
const NATS_TLS_PORT = 4272;
const tag = () => randomBytes(4).toString('hex');

/** Enqueue → worker → result over a fresh backend; everything closed afterwards. */
async function roundTrip(config: BackendConfig): Promise<void> {
  const backend = createBackend(config);
  await backend.connect();
  const worker = new Worker(backend, { pollInterval: 100, logger: silentLogger });
  try {
    const queue = new TaskQueue(backend);
    await worker.start();
    const id = await queue.enqueue('sitq.echo', { over: 'tls' });
    const result = await queue.getResult(id, { timeout: 20_000 });
    assert.equal(result?.status, 'succeeded');
    assert.deepEqual(result?.value, { over: 'tls' });
  } finally {
    await worker.stop({ timeout: 5000 });
    await backend.destroy().catch(() => {});
    await backend.close();
  }
}

/** connect() fails with a ConnectionError (and does not hang past the connect timeout). */
async function refused(config: BackendConfig): Promise<ConnectionError> {
  const backend = createBackend(config);
  const t0 = Date.now();
  try {
    const err = await backend.connect().then(
      () => assert.fail(`connected to ${backend.address} though it should have been refused`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConnectionError, `expected a ConnectionError, got ${String(err)}`);
    return err;
  } finally {
    assert.ok(Date.now() - t0 < 30_000, 'the refusal came within the connect timeout');
    await backend.close().catch(() => {});
  }
}

const skipTls = missingTool('openssl');

/** For one describe block: fresh certificates and a private server using them, both removed after. */
function tlsServer(start: (certs: Certificates) => Promise<PrivateServer>): () => Certificates {
  let certs: Certificates | undefined;
  let server: PrivateServer | undefined;
  before(async () => {
    certs = makeCertificates();
    server = await start(certs);
  });
  after(async () => {
    await server?.stop();
    if (certs) rmSync(certs.dir, { recursive: true, force: true });
  });
  return () => certs!;
}

describe('TLS: Redis (private redis-server with --tls-port)', { skip: skipTls || missingTool('redis-server') }, () => {
  const certs = tlsServer((tls) => startRedis({ port: REDIS_TLS_PORT, tls }));
  const base = () => ({
    type: 'redis' as const,
    host: '127.0.0.1',
    port: REDIS_TLS_PORT,
    keyPrefix: `sitq-tls-${tag()}:`,
    connectTimeout: 3000,
  });

  it('tls with the CA: a task makes the round trip; the address says rediss://', async () => {
    const config: BackendConfig = { ...base(), tls: { ca: certs().ca } };
    assert.match(createBackend(config).address, /^rediss:\/\//);
    await roundTrip(config);
  });

  it('without tls, or trusting only the system CAs, connect fails with ConnectionError', async () => {
    await refused(base());
    await refused({ ...base(), tls: true });
  });
});

describe('TLS: NATS (private nats-server with a tls block)', { skip: skipTls || missingTool('nats-server') }, () => {
  const certs = tlsServer((tls) => startNats({ port: NATS_TLS_PORT, tls }));
  const base = () => ({
    type: 'nats' as const,
    servers: [`nats://127.0.0.1:${NATS_TLS_PORT}`],
    streamName: `SITQ_TLS_${tag()}`,
    connectTimeout: 3000,
    maxReconnectAttempts: 0,
  });

  it('tls.caFile: a task makes the round trip', async () => {
    await roundTrip({ ...base(), tls: { caFile: certs().caFile } });
  });

  it('tls.ca (PEM text) and a tls:// server URL work the same', async () => {
    await roundTrip({ ...base(), servers: [`tls://127.0.0.1:${NATS_TLS_PORT}`], tls: { ca: certs().ca } });
  });

  it('trusting only the system CAs, connect fails with ConnectionError', async () => {
    await refused({ ...base(), tls: true });
    await refused(base());
  });
});

describe('TLS: PostgreSQL', { skip: await serverSkip('postgres') }, () => {
  it('ssl reaches pg: the shared server (no TLS) refuses it with a ConnectionError; without ssl it connects', async () => {
    const config: BackendConfig = {
      type: 'postgres',
      host: SERVERS.postgres.host,
      port: SERVERS.postgres.port,
      user: 'postgres',
      database: 'test',
      schema: `sitq_tls_${tag()}`,
      connectTimeout: 3000,
    };
    const err = await refused({ ...config, ssl: { rejectUnauthorized: true } });
    assert.match(err.message, /SSL|TLS/i, err.message);
    const backend = createBackend(config);
    await backend.connect();
    await backend.destroy().catch(() => {});
    await backend.close();
  });
});
