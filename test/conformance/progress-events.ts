// Observability carried by the task itself (issue 13): headers that travel with a task (the W3C
// trace context), a running handler's progress and log, and the live event stream of transitions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigurationError } from '../../shared/core/errors.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { HEADERS_MAX_BYTES, HEADERS_MAX_COUNT } from '../../shared/core/rules.js';
import { withBackend, type ConformanceTarget } from './harness.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

export function progressEventsSuite(target: ConformanceTarget): void {
  describe('headers, progress and events', () => {
    it('headers round trip: stored at enqueue, returned by getTask, listTasks and the claim', () =>
      withBackend(target, async (b) => {
        const q = new TaskQueue(b);
        const headers = { traceparent: TRACEPARENT, tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7', 'x-unicode.value': 'välue ✓' };
        const id = await q.enqueue('sitq.echo', { n: 1 }, { headers, queue: 'hq' });
        const plain = await q.enqueue('sitq.echo', { n: 2 }, { queue: 'hq', headers: {} });
        assert.deepEqual((await b.getTask(id))?.headers, headers);
        assert.deepEqual((await q.getTask(id))?.headers, headers);
        // No headers (or an empty object) reads as absent, not as {}.
        assert.equal('headers' in (await b.getTask(plain))!, false);
        const listed = (await b.listTasks({ queue: 'hq' })).tasks;
        assert.deepEqual(listed.find((t) => t.id === id)?.headers, headers);
        const claimed = await b.claim({ workerId: 'w1', queues: ['hq'], max: 2, leaseMs: 30_000 });
        assert.equal(claimed.length, 2);
        assert.deepEqual(claimed.find((c) => c.record.id === id)?.record.headers, headers);
        assert.equal('headers' in claimed.find((c) => c.record.id === plain)!.record, false);
        // A completion keeps them.
        const lease = claimed.find((c) => c.record.id === id)!.lease;
        assert.deepEqual(await b.complete([{ lease, outcome: 'succeeded', result: new Uint8Array([1]), finishedAt: Date.now() }]), [true]);
        assert.deepEqual((await b.getTask(id))?.headers, headers);
      }));

    it('headers out of bounds are refused before anything is stored, naming the option', () =>
      withBackend(target, async (b) => {
        const q = new TaskQueue(b);
        const refused = (headers: unknown, option: RegExp) =>
          assert.rejects(q.enqueue('sitq.echo', {}, { headers } as never), (e: unknown) => e instanceof ConfigurationError && e.issues.some((i) => option.test(i.option)));
        await refused({ 'bad name': 'x' }, /^enqueue options\.headers\.bad name$/);
        await refused({ a: 1 }, /^enqueue options\.headers\.a$/);
        await refused({ a: 'nul\0' }, /^enqueue options\.headers\.a$/);
        await refused(Object.fromEntries(Array.from({ length: HEADERS_MAX_COUNT + 1 }, (_, i) => [`h${i}`, 'v'])), /^enqueue options\.headers$/);
        await refused({ big: 'x'.repeat(HEADERS_MAX_BYTES) }, /^enqueue options\.headers$/);
        await refused('traceparent', /^enqueue options\.headers$/);
        assert.equal((await b.listTasks({})).total, 0);
        // At the bound exactly is fine.
        const full = { b: 'x'.repeat(HEADERS_MAX_BYTES - 1) };
        const id = await q.enqueue('sitq.echo', {}, { headers: full });
        assert.deepEqual((await b.getTask(id))?.headers, full);
      }));
  });
}
