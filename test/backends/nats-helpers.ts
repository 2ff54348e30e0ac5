// Helpers the NATS backend's test files share: a fresh stream name, a connected backend on its own
// stream, the parts of its session a test reaches into, and a raw client.
import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import { NatsBackend, type NatsOptions } from '../../shared/backends/nats/index.js';
import type { Session } from '../../shared/backends/nats/context.js';
import type { KnownRevisions } from '../../shared/backends/nats/known-revisions.js';
import { RecordStore } from '../../shared/backends/nats/records.js';
import { StateStore } from '../../shared/backends/nats/state.js';

export const freshStream = () => `SITQ_TEST_${randomBytes(5).toString('hex').toUpperCase()}`;
export const claimOne = { workerId: 'w-test', queues: ['default'], max: 1, leaseMs: 30_000 };

/** A connected backend on its own stream, destroyed and closed afterwards. */
export async function withNats(options: NatsOptions, fn: (b: NatsBackend, streamName: string) => Promise<void>): Promise<void> {
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
export const sessionOf = (b: NatsBackend) => (b as unknown as { current: { session: Session } }).current.session;
export const requesterOf = (b: NatsBackend) => sessionOf(b).requester;
export const streamOf = (b: NatsBackend) => sessionOf(b).names.taskStream;
export const subjectOf = (b: NatsBackend, id: string) => sessionOf(b).names.taskSubject(id);
/** The revisions the session's record store remembers for read-your-writes. */
export const knownRecordsOf = (b: NatsBackend) => (sessionOf(b).store as unknown as { known: KnownRevisions }).known;

/** Gives the session the record and state stores of a replicated bucket, which remember the
 *  revisions this client wrote or read. The test server has one copy, where the backend remembers
 *  none (nothing can answer from behind it); the tests that play a node answering from behind (a
 *  new leader still applying its log) need the replicated behaviour. */
export function rememberAsReplicated(b: NatsBackend): void {
  const live = (b as unknown as { current: { session: { -readonly [K in keyof Session]: Session[K] }; state: StateStore } }).current;
  const s = live.session;
  const floor = { replicated: true, duplicateWindowMs: 120_000 };
  s.store = new RecordStore(s.requester, s.names, 'test', floor);
  live.state = new StateStore(s.meta, 'test', floor);
}

export async function withClient<T>(fn: (nc: NatsConnection) => Promise<T>, servers = 'nats://127.0.0.1:4222'): Promise<T> {
  const nc = await connect({ servers });
  try {
    return await fn(nc);
  } finally {
    await nc.close();
  }
}
