// The NATS backend's records and coordination state in its KV buckets, against the real server on
// 127.0.0.1:4222: read-your-writes when a node answers with an older copy, the compare-and-set
// fence, late copies of META writes, and the state API (where it lives, what close() and
// destroy() leave). Split from nats.test.ts, which keeps the conformance suite and the options.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NatsBackend } from '../../shared/backends/nats/index.js';
import { Meta, type MetaEntry } from '../../shared/backends/nats/meta.js';
import { CAS_CONFLICT, JsApiError, Requester } from '../../shared/backends/nats/requester.js';
import { BackendClosedError } from '../../shared/core/errors.js';
import type { StateEntry } from '../../shared/core/backend.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { jsonSerializer } from '../../shared/core/serializers.js';
import { serverSkip } from '../helpers/servers.js';
import { replayLateMetaWrites } from '../ha/nats-replays.js';
import { KnownRevisions } from '../../shared/backends/nats/known-revisions.js';
import {
  freshStream,
  claimOne,
  withNats,
  sessionOf,
  requesterOf,
  streamOf,
  subjectOf,
  withClient,
  knownRecordsOf,
  rememberAsReplicated,
} from './nats-helpers.js';

const sharedSkip = await serverSkip('nats');

describe('nats: read-your-writes when a node answers with an older copy (as after a failover)', { skip: sharedSkip }, () => {
  it('getTask never returns a revision older than one this client wrote; it asks again until the node catches up', () =>
    withNats({}, async (backend) => {
      rememberAsReplicated(backend);
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

describe('nats: what the read-your-writes floor remembers (known-revisions.ts)', () => {
  const noted = (known: KnownRevisions, keys: string[]) => keys.filter((k) => known.has(k));

  it('on a replicated bucket: each revision at least the retention time and at most twice it, at most `limit` keys (the oldest go first)', async () => {
    let now = 1_000_000;
    const known = new KnownRevisions({ limit: 3, retainMs: 1000, address: 'test', now: () => now });
    known.note('a', 5);
    now += 999;
    known.note('b', 6);
    assert.deepEqual(noted(known, ['a', 'b']), ['a', 'b']);
    now += 1; // a period since the first note: both move to the old generation, still remembered
    known.note('c', 7);
    assert.deepEqual(noted(known, ['a', 'b', 'c']), ['a', 'b', 'c']);
    // Still a floor: an older answer is asked again until it reaches the revision noted.
    let answers = 0;
    const got = await known.atLeast('b', 'b', { seq: 2 }, () => Promise.resolve({ seq: ++answers < 2 ? 3 : 6 }));
    assert.deepEqual([got, answers], [{ seq: 6 }, 2]);
    now += 1000; // two periods: a and b (noted at most two periods ago) go; c stays
    known.note('d', 8);
    assert.deepEqual(noted(known, ['a', 'b', 'c', 'd']), ['c', 'd']);
    // Over the limit: the oldest first (c, in the old generation), then the young generation's oldest.
    known.note('e', 9);
    known.note('f', 10);
    assert.deepEqual(noted(known, ['c', 'd', 'e', 'f']), ['d', 'e', 'f']);
    known.note('g', 11);
    assert.deepEqual(noted(known, ['d', 'e', 'f', 'g']), ['e', 'f', 'g']);
    // A long idle spell: nothing is kept past two periods.
    now += 5000;
    assert.equal(await known.atLeast('g', 'g', { seq: 1 }, () => Promise.reject(new Error('not asked again'))).then((m) => m?.seq), 1);
    assert.equal(known.size, 0);
  });

  it('on a single-copy bucket nothing is remembered: a worker holds no memory per task (issue 14)', { skip: sharedSkip }, () =>
    withNats({}, async (backend) => {
      const q = new TaskQueue(backend);
      await q.enqueueMany('sitq.echo', [{ n: 1 }, { n: 2 }, { n: 3 }]);
      const claimed = await backend.claim({ ...claimOne, max: 3 });
      assert.equal(claimed.length, 3);
      const now = Date.now();
      await backend.complete(
        claimed.map((c) => ({ lease: c.lease, outcome: 'succeeded' as const, result: jsonSerializer.serialize(1), finishedAt: now })),
      );
      for (const c of claimed) assert.equal((await backend.getTask(c.record.id))?.state, 'succeeded');
      assert.equal(knownRecordsOf(backend).size, 0);
    }),
  );
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
        (err: unknown) => err instanceof BackendClosedError && /close\(\) was \(call connect\(\) to use it again\)/.test(err.message),
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

  it('listState never answers part of the keys: cut off by close() it fails with BackendClosedError', () =>
    withNats({}, async (writer, streamName) => {
      const keys = 3000;
      await writeKeys(writer, 'big', keys);
      const reader = new NatsBackend({ servers: 'nats://127.0.0.1:4222', streamName });
      await reader.connect();
      // The fault: close() right after the snapshot's first entry arrives, so its consumer goes
      // while most entries are still on their way.
      const original = Meta.prototype.watch;
      let handed = 0;
      Meta.prototype.watch = function (this: Meta, prefix: string, onPut: (e: MetaEntry) => void, onDelete: (key: string) => void) {
        if (prefix !== 's.big.') return original.call(this, prefix, onPut, onDelete);
        const counted = (e: MetaEntry) => {
          onPut(e);
          if (++handed === 1) void reader.close();
        };
        return original.call(this, prefix, counted, onDelete);
      };
      try {
        const outcome = await reader.listState('big/').then(
          (list) => list.length,
          (err: unknown) => err,
        );
        if (typeof outcome === 'number') assert.equal(outcome, keys, `a partial list of ${outcome} of ${keys} keys was answered`);
        else assert.ok(outcome instanceof BackendClosedError, `not BackendClosedError: ${String(outcome)}`);
        assert.ok(handed >= 1);
      } finally {
        Meta.prototype.watch = original;
        await reader.close();
      }
    }));

  it('listState answers every key while others are written under the prefix (the client may say "initialized" before handing them over)', () =>
    withNats({}, async (backend, streamName) => {
      const keys = 300;
      await writeKeys(backend, 'big', keys);
      // Writers keep the prefix busy, so no entry of a snapshot says "none pending" and the client
      // takes the count it expected for the end: before the fix about 1 list in 30 came back short.
      let writing = true;
      const writers = [0, 1, 2].map(async (n) => {
        const other = new NatsBackend({ servers: 'nats://127.0.0.1:4222', streamName });
        await other.connect();
        try {
          for (let version = 0; writing;) version = (await other.setState(`big/hot${n}`, 'x', version))?.version ?? version;
        } finally {
          await other.close();
        }
      });
      const short: number[] = [];
      let lists = 0;
      try {
        for (const started = Date.now(); Date.now() - started < 6000 && lists < 600; lists++) {
          const found = (await backend.listState('big/')).filter((e: StateEntry) => !e.key.startsWith('big/hot')).length;
          if (found !== keys) short.push(found);
        }
      } finally {
        writing = false;
        await Promise.all(writers);
      }
      assert.deepEqual(short, [], `${short.length} of ${lists} lists were short`);
    }));

  it('getState never returns a revision older than one this client wrote; it asks again until the node catches up', () =>
    withNats({}, async (backend) => {
      rememberAsReplicated(backend);
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

/** `count` state keys `<prefix>/k<n>`, written 200 at a time. */
async function writeKeys(backend: NatsBackend, prefix: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 200) {
    const batch = Array.from({ length: Math.min(200, count - i) }, (_, j) => backend.setState(`${prefix}/k${i + j}`, 'v', 0));
    await Promise.all(batch);
  }
}
