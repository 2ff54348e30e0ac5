// Observability carried by the task itself (issue 13): headers that travel with a task (the W3C
// trace context), a running handler's progress and log, and the live event stream of transitions.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createBackend } from '../../shared/backends/index.js';
import type { Backend } from '../../shared/core/backend.js';
import { ConfigurationError } from '../../shared/core/errors.js';
import type { EventStreamItem, TaskEvent } from '../../shared/core/events.js';
import { silentLogger } from '../../shared/core/logger.js';
import { LOG_LINE_MAX_BYTES, LOG_MAX_BYTES, LOG_MAX_LINES, type TaskReport } from '../../shared/core/progress.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { HEADERS_MAX_BYTES, HEADERS_MAX_COUNT } from '../../shared/core/rules.js';
import type { TaskHandler } from '../../shared/core/tasks.js';
import { Worker } from '../../shared/core/worker.js';
import { eventually, newTask, sleep, withBackend, withConnected, type ConformanceTarget } from './harness.js';
import { startWorkerProcess, stopAll } from './processes.js';

/** A connected queue and one started worker running `tasks` (stopped afterwards). */
function withWorker(
  target: ConformanceTarget,
  tasks: Record<string, TaskHandler<never, unknown>>,
  fn: (q: TaskQueue, b: Backend, w: Worker) => Promise<void>,
) {
  return withBackend(target, async (b) => {
    const w = new Worker(b, { tasks, queues: ['default', 'ev'], pollInterval: 100, logger: silentLogger });
    await w.start();
    try {
      await fn(new TaskQueue(b), b, w);
    } finally {
      await w.stop({ timeout: 2000 });
    }
  });
}

const report = (lease: TaskReport['lease'], lines: string[], progress?: number): TaskReport => ({
  lease,
  progress,
  log: { lines, dropped: 0 },
  progressChanged: progress !== undefined,
  newLines: lines,
});

/** Delivery ceilings the event tests assert (transition to event, wall clock): far above issue 13's
 *  100 ms aim, which `bench/events-ab.ts --latency` measures, so a loaded machine does not fail them. */
const DELIVERY_P50_CEILING_MS = 1000;
const DELIVERY_P99_CEILING_MS = 3000;

/** Delivery delays (ms, sorted) and their percentiles. */
function delaysOf(received: readonly { event: TaskEvent; at: number }[]) {
  const delays = received.map((r) => r.at - r.event.at).sort((a, b) => a - b);
  const pct = (p: number) => delays[Math.min(delays.length - 1, Math.floor((delays.length * p) / 100))];
  return { delays, pct };
}

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
          assert.rejects(
            q.enqueue('sitq.echo', {}, { headers } as never),
            (e: unknown) => e instanceof ConfigurationError && e.issues.some((i) => option.test(i.option)),
          );
        await refused({ 'bad name': 'x' }, /^enqueue options\.headers\.bad name$/);
        await refused({ a: 1 }, /^enqueue options\.headers\.a$/);
        await refused({ a: 'nul\0' }, /^enqueue options\.headers\.a$/);
        await refused(
          Object.fromEntries(Array.from({ length: HEADERS_MAX_COUNT + 1 }, (_, i) => [`h${i}`, 'v'])),
          /^enqueue options\.headers$/,
        );
        await refused({ big: 'x'.repeat(HEADERS_MAX_BYTES) }, /^enqueue options\.headers$/);
        await refused('traceparent', /^enqueue options\.headers$/);
        assert.equal((await b.listTasks({})).total, 0);
        // At the bound exactly is fine.
        const full = { b: 'x'.repeat(HEADERS_MAX_BYTES - 1) };
        const id = await q.enqueue('sitq.echo', {}, { headers: full });
        assert.deepEqual((await b.getTask(id))?.headers, full);
      }));

    it('progress and log from a handler: seen while it runs, kept after it finishes, in order', () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      return withWorker(
        target,
        {
          'obs.steps': async (_p: never, ctx) => {
            ctx.log('starting');
            ctx.progress(10);
            await gate;
            for (let i = 1; i <= 5; i++) ctx.log(`step ${i}`);
            ctx.log('two\nlines');
            ctx.progress({ done: 5, of: 5 });
            return 'ok';
          },
        },
        async (q, b) => {
          const id = await q.enqueue('obs.steps', null);
          // Written by the worker's batch (every 200 ms) while the handler still runs.
          const seen = await eventually('progress 10 while running', async () => {
            const t = await b.getTask(id);
            return t?.state === 'running' && t.progress === 10 ? t : undefined;
          });
          assert.deepEqual(seen.log, ['starting']);
          release();
          const done = await q.getResult(id, { timeout: 10_000 });
          assert.equal(done?.status, 'succeeded');
          const t = (await q.getTask(id))!;
          assert.deepEqual(t.progress, { done: 5, of: 5 });
          assert.deepEqual(t.log, ['starting', 'step 1', 'step 2', 'step 3', 'step 4', 'step 5', 'two', 'lines']);
          assert.equal('logDropped' in t, false);
        },
      );
    });

    it(`the log keeps the last ${LOG_MAX_LINES} lines and ${LOG_MAX_BYTES} bytes, and counts what it dropped; listings leave it out`, () =>
      withWorker(
        target,
        {
          'obs.many': (_p: never, ctx) => {
            for (let i = 0; i < LOG_MAX_LINES + 100; i++) ctx.log(`line ${i}`);
          },
          'obs.big': (_p: never, ctx) => {
            for (let i = 0; i < 70; i++) ctx.log(`${String(i).padStart(2, '0')}${'x'.repeat(998)}`);
          },
          'obs.long': (_p: never, ctx) => ctx.log('é'.repeat(LOG_LINE_MAX_BYTES)),
        },
        async (q, b) => {
          const [many, big, long] = await Promise.all([
            q.enqueue('obs.many', null),
            q.enqueue('obs.big', null),
            q.enqueue('obs.long', null),
          ]);
          for (const id of [many, big, long]) assert.equal((await q.getResult(id, { timeout: 10_000 }))?.status, 'succeeded');
          const m = (await q.getTask(many))!;
          assert.equal(m.log?.length, LOG_MAX_LINES);
          assert.equal(m.log?.[0], 'line 100');
          assert.equal(m.log?.at(-1), `line ${LOG_MAX_LINES + 99}`);
          assert.equal(m.logDropped, 100);
          // 70 lines of 1,000 bytes: 65 fit in 64 KiB.
          const g = (await q.getTask(big))!;
          assert.equal(g.log?.length, 65);
          assert.equal(g.log?.[0].slice(0, 2), '05');
          assert.equal(g.logDropped, 5);
          // A line longer than LOG_LINE_MAX_BYTES is cut (on a character boundary) and marked.
          const line = (await q.getTask(long))!.log![0];
          assert.ok(
            Buffer.byteLength(line) <= LOG_LINE_MAX_BYTES && line.endsWith('…') && !line.includes('\uFFFD'),
            `cut line of ${Buffer.byteLength(line)} bytes`,
          );
          // Listings leave the log out (getTask above has it), with and without a search.
          for (const listed of [(await b.listTasks({ limit: 1000 })).tasks, (await b.listTasks({ search: many })).tasks]) {
            const m2 = listed.find((t) => t.id === many);
            assert.ok(m2, 'the task is listed');
            assert.equal(m2.state, 'succeeded');
            assert.equal('log' in m2, false, 'a listing carries no log');
            assert.equal('logDropped' in m2, false);
          }
        },
      ));

    it('a retried task keeps the log of its earlier attempts; a bad progress value throws in the handler', () => {
      const thrown: unknown[] = [];
      return withWorker(
        target,
        {
          'obs.retry': (_p: never, ctx) => {
            ctx.log(`attempt ${ctx.attempt}`);
            for (const bad of [101, -1, Number.NaN, 'half', [1], { big: 'x'.repeat(2000) }]) {
              try {
                ctx.progress(bad as never);
              } catch (err) {
                thrown.push(err);
              }
            }
            ctx.progress(ctx.attempt * 40);
            if (ctx.attempt < 2) throw new Error('once more');
          },
        },
        async (q) => {
          const id = await q.enqueue('obs.retry', null, { maxAttempts: 2, backoff: { type: 'fixed', baseMs: 10 } });
          assert.equal((await q.getResult(id, { timeout: 10_000 }))?.status, 'succeeded');
          const t = (await q.getTask(id))!;
          assert.deepEqual(t.log, ['attempt 1', 'attempt 2']);
          assert.equal(t.progress, 80);
          assert.equal(thrown.length, 12);
          assert.ok(thrown.every((e) => e instanceof ConfigurationError && e.option === 'ctx.progress'));
        },
      );
    });

    it('100 progress calls a second cost a few batched writes, not one each', () =>
      withWorker(
        target,
        {
          'obs.chatty': async (_p: never, ctx) => {
            for (let i = 1; i <= 100; i++) {
              ctx.progress(i);
              await sleep(10);
            }
          },
        },
        async (q, b) => {
          let writes = 0;
          const original = b.report.bind(b);
          b.report = (reports) => {
            writes++;
            return original(reports);
          };
          const ids = await Promise.all([q.enqueue('obs.chatty', null), q.enqueue('obs.chatty', null)]);
          for (const id of ids) assert.equal((await q.getResult(id, { timeout: 20_000 }))?.status, 'succeeded');
          for (const id of ids) assert.equal((await b.getTask(id))?.progress, 100);
          // 200 calls over at least one second, one write per 200 ms for both tasks together (plus
          // each task's last write before its completion): far fewer than 200.
          assert.ok(writes >= 2 && writes <= 30, `${writes} writes`);
        },
      ));

    it('report is fenced by the lease: a stale token or a finished task changes nothing', () =>
      withBackend(target, async (b) => {
        const task = newTask({ queue: 'rq' });
        await b.enqueue([task]);
        const [c] = await b.claim({ workerId: 'w1', queues: ['rq'], max: 1, leaseMs: 30_000 });
        assert.deepEqual(await b.report([report(c.lease, ['a'], 5), report({ ...c.lease, token: c.lease.token + 7 }, ['stale'], 99)]), [
          true,
          false,
        ]);
        let t = (await b.getTask(task.id))!;
        assert.equal(t.progress, 5);
        assert.deepEqual(t.log, ['a']);
        assert.deepEqual(await b.report([{ ...report(c.lease, ['a', 'b']), log: { lines: ['a', 'b'], dropped: 3 } }]), [true]);
        t = (await b.getTask(task.id))!;
        assert.equal('progress' in t, false);
        assert.deepEqual([t.log, t.logDropped], [['a', 'b'], 3]);
        assert.deepEqual(
          await b.complete([{ lease: c.lease, outcome: 'succeeded', result: new Uint8Array([1]), finishedAt: Date.now() }]),
          [true],
        );
        assert.deepEqual(await b.report([report(c.lease, ['late'], 100)]), [false]);
        t = (await b.getTask(task.id))!;
        assert.deepEqual([t.log, t.logDropped, t.progress], [['a', 'b'], 3, undefined]);
      }));

    it("events: every transition of each task, in order, to a subscriber on the worker's backend (delivery p50 <= 1 s, p99 <= 3 s; the 100 ms aim is benchmarked)", async (t) => {
      const received: { event: TaskEvent; at: number }[] = [];
      await withWorker(
        target,
        {
          'ev.flaky': (_p: never, ctx) => {
            ctx.progress(50);
            ctx.log(`try ${ctx.attempt}`);
            if (ctx.attempt === 1) throw new Error('first try fails');
            return 'ok';
          },
          'ev.doomed': () => {
            throw new Error('always');
          },
        },
        async (q) => {
          const stream = q.events({ queue: 'ev' });
          stream.on('event', (event) => received.push({ event, at: Date.now() }));
          await stream.ready;
          try {
            const flaky = await q.enqueue('ev.flaky', null, { queue: 'ev', maxAttempts: 2, backoff: { type: 'fixed', baseMs: 10 } });
            const doomed = await q.enqueue('ev.doomed', null, { queue: 'ev', maxAttempts: 1 });
            const later = await q.enqueue('sitq.echo', null, { queue: 'ev', delay: 60_000 });
            const echoes = await q.enqueueMany(
              'sitq.echo',
              Array.from({ length: 40 }, (_, i) => i),
              { queue: 'ev' },
            );
            await q.enqueue('sitq.echo', 'elsewhere', { queue: 'other' });
            assert.equal(await q.cancel(later), true);
            for (const id of [flaky, doomed, ...echoes]) await q.getResult(id, { timeout: 20_000 });
            const kinds = (id: string) =>
              received.filter((r) => r.event.taskId === id).map((r) => r.event.kind + (r.event.attempt ? `#${r.event.attempt}` : ''));
            const want = {
              [flaky]: [
                'enqueued',
                'started#1',
                'progress#1',
                'log#1',
                'failed#1',
                'retried#1',
                'started#2',
                'progress#2',
                'log#2',
                'succeeded#2',
              ],
              [doomed]: ['enqueued', 'started#1', 'failed#1', 'dead#1'],
              [later]: ['enqueued', 'cancelled'],
            };
            await eventually(
              'the last events',
              async () =>
                Object.entries(want).every(([id, kinds_]) => received.filter((r) => r.event.taskId === id).length >= kinds_.length) &&
                received.filter((r) => r.event.kind === 'succeeded').length >= 41,
              10_000,
            );
            for (const [id, kinds_] of Object.entries(want)) assert.deepEqual(kinds(id), kinds_, id);
            for (const id of echoes) assert.deepEqual(kinds(id), ['enqueued', 'started#1', 'succeeded#1']);
            const flakyEvents = received.filter((r) => r.event.taskId === flaky).map((r) => r.event);
            assert.equal(flakyEvents.find((e) => e.kind === 'progress')?.progress, 50);
            assert.deepEqual(flakyEvents.find((e) => e.kind === 'log')?.lines, ['try 1']);
            assert.equal(flakyEvents.find((e) => e.kind === 'failed')?.error?.message, 'first try fails');
            assert.ok((flakyEvents.find((e) => e.kind === 'retried')?.runAt ?? 0) > 0);
            // The queue filter keeps other queues' tasks out.
            assert.ok(received.every((r) => r.event.queue === 'ev'));
            const { delays, pct } = delaysOf(received);
            t.diagnostic(`${target.kind}: ${delays.length} events, delivery p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${delays.at(-1)} ms`);
            // Generous ceilings that hold on a loaded machine: the 100 ms of issue 13 is a speed target,
            // measured by `node dist/bench/events-ab.js --latency` (bench/README.md), not asserted here.
            assert.ok(pct(50) <= DELIVERY_P50_CEILING_MS, `p50 ${pct(50)} ms`);
            assert.ok(pct(99) <= DELIVERY_P99_CEILING_MS, `p99 ${pct(99)} ms`);
          } finally {
            await stream.close();
          }
        },
      );
    });

    it('events({ taskId }) follows one task; the iterator ends on close()', () =>
      withBackend(target, async (b) => {
        const q = new TaskQueue(b);
        const other = await q.enqueue('sitq.echo', 1, { queue: 'one' });
        const stream = q.events({ taskId: other });
        await stream.ready;
        const seen: EventStreamItem[] = [];
        const reading = (async () => {
          for await (const item of stream) seen.push(item);
        })();
        await q.enqueue('sitq.echo', 2, { queue: 'one' });
        assert.equal(await q.cancel(other), true);
        await eventually('the cancel event', async () => seen.some((e) => e.kind === 'cancelled'), 10_000);
        await stream.close();
        await reading;
        // Only this task's events; its enqueue (published just before the subscription was ready)
        // may or may not come, as delivery from before `ready` is not promised either way.
        assert.ok(
          seen.every((e) => 'taskId' in e && e.taskId === other),
          JSON.stringify(seen),
        );
        assert.deepEqual(
          seen.map((e) => e.kind).filter((k) => k !== 'enqueued'),
          ['cancelled'],
        );
      }));

    it('a consumer that falls behind gets a gap, then resumes from a snapshot and live events', () =>
      withBackend(target, async (b) => {
        const q = new TaskQueue(b);
        const stream = q.events({ queue: 'gap', buffer: 5 });
        await stream.ready;
        try {
          const ids = await q.enqueueMany(
            'sitq.echo',
            Array.from({ length: 20 }, (_, i) => i),
            { queue: 'gap' },
          );
          const it = stream[Symbol.asyncIterator]();
          await eventually('the buffer to fill', async () => {
            await sleep(50);
            return true;
          });
          const first: EventStreamItem[] = [];
          // Five events fit; the other fifteen were dropped and a gap says so.
          for (let i = 0; i < 6; i++) first.push((await it.next()).value as EventStreamItem);
          assert.deepEqual(
            first.slice(0, 5).map((e) => e.kind),
            Array(5).fill('enqueued'),
          );
          assert.equal(first[5].kind, 'gap');
          assert.match((first[5] as { reason: string }).reason, /15 event\(s\) dropped/);
          // The snapshot has what the gap lost ...
          const snap = await q.snapshot({ queue: 'gap' });
          assert.equal(snap.counts.find((c) => c.queue === 'gap')?.counts.pending, 20);
          assert.equal((await q.snapshot({ taskId: ids[19] })).task?.state, 'pending');
          // ... and the stream goes on with what happens next.
          const later = await q.enqueue('sitq.echo', 'after', { queue: 'gap' });
          const next = (await it.next()).value as EventStreamItem;
          assert.deepEqual([next.kind, 'taskId' in next ? next.taskId : ''], ['enqueued', later]);
        } finally {
          await stream.close();
        }
      }));

    it(
      'events reach a subscriber on its own connection from a worker in another process (delivery p50 <= 1 s, p99 <= 3 s)',
      { skip: target.sharedAcrossProcesses === false ? `${target.kind} keeps its tasks in one process` : false },
      async (t) => {
        const received: { event: TaskEvent; at: number }[] = [];
        const dir = mkdtempSync(join(tmpdir(), 'sitq-events-far-'));
        const children: ChildProcess[] = [];
        try {
          await withBackend(target, async (b, config) => {
            // The subscriber is this backend instance; the worker that starts and finishes the
            // tasks is another process with its own connection (for SQLite: PRAGMA data_version
            // is how this process learns of its writes).
            const q = new TaskQueue(b);
            const stream = q.events({ queue: 'far' });
            stream.on('event', (event) => received.push({ event, at: Date.now() }));
            await stream.ready;
            try {
              await startWorkerProcess(config, join(dir, 'ledger'), { SITQ_TEST_QUEUES: 'far', SITQ_TEST_CONCURRENCY: '1' }, children);
              const ids: string[] = [];
              // One at a time, a little apart: each event is timed alone, not behind a burst.
              for (let i = 0; i < 30; i++) {
                ids.push(await q.enqueue('test.ledger', null, { queue: 'far' }));
                await sleep(30);
              }
              for (const id of ids) assert.equal((await q.getResult(id, { timeout: 30_000 }))?.status, 'succeeded');
              await eventually(
                "every task's events",
                async () => received.filter((r) => r.event.kind === 'succeeded').length >= ids.length,
                10_000,
              );
              const kindsOf = (id: string) => received.filter((r) => r.event.taskId === id).map((r) => r.event.kind);
              for (const id of ids) assert.deepEqual([...kindsOf(id)].sort(), ['enqueued', 'started', 'succeeded'], id);
              // `enqueued` comes from this process, `started` and `succeeded` from the worker's.
              await t.test('in order per task, though two processes published them', () => {
                for (const id of ids) assert.deepEqual(kindsOf(id), ['enqueued', 'started', 'succeeded'], id);
              });
              // Timed: the transitions the other process made.
              const { delays, pct } = delaysOf(received.filter((r) => r.event.kind !== 'enqueued'));
              t.diagnostic(
                `${target.kind}: ${delays.length} events from another process, delivery p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${delays.at(-1)} ms`,
              );
              assert.ok(pct(50) <= DELIVERY_P50_CEILING_MS, `p50 ${pct(50)} ms`);
              assert.ok(pct(99) <= DELIVERY_P99_CEILING_MS, `p99 ${pct(99)} ms`);
            } finally {
              await stopAll(children);
              await stream.close();
            }
          });
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );

    it(
      'a lost event transport is reported as a gap; snapshot() has what it lost and live events follow',
      { skip: target.eventTransport ? false : `${target.kind}'s events never leave the process: no transport to lose` },
      async () => {
        const cut = await target.eventTransport!(target.freshConfig());
        try {
          await withConnected(createBackend(cut.config), async (b) => {
            const q = new TaskQueue(b);
            const stream = q.events({ queue: 'lost' });
            const items: EventStreamItem[] = [];
            stream.on('event', (e) => items.push(e));
            stream.on('gap', (g) => items.push(g));
            await stream.ready;
            const has = (id: string) => items.some((e) => 'taskId' in e && e.taskId === id);
            try {
              const first = await q.enqueue('sitq.echo', 'first', { queue: 'lost' });
              await eventually('the first event', async () => has(first), 10_000);
              assert.equal(
                items.some((e) => e.kind === 'gap'),
                false,
                'a gap before the transport was cut',
              );
              await cut.cut(b);
              const gap = await eventually('the gap', async () => items.find((e) => e.kind === 'gap'), 20_000);
              assert.ok(gap.kind === 'gap' && gap.reason.length > 0, JSON.stringify(gap));
              // Live events again: the transport comes back by itself. What is published before it
              // is back is lost (at most once), so enqueue until one arrives.
              const ids = [first];
              await eventually(
                'a live event after the gap',
                async () => {
                  const id = await q.enqueue('sitq.echo', 'after', { queue: 'lost' }).catch(() => undefined);
                  if (id) ids.push(id);
                  await sleep(100);
                  return ids.slice(1).some(has);
                },
                30_000,
                200,
              );
              // The snapshot has every task, whatever its events did.
              const snap = await q.snapshot({ queue: 'lost' });
              // (An enqueue that failed while the connection was down may have been stored: at least.)
              const pending = snap.counts.find((c) => c.queue === 'lost')?.counts.pending ?? 0;
              assert.ok(pending >= ids.length, `${pending} pending, ${ids.length} enqueued`);
              for (const id of ids) assert.equal((await q.snapshot({ taskId: id })).task?.state, 'pending', id);
              // The stream goes on: a cancel now arrives too.
              assert.equal(await q.cancel(first), true);
              await eventually(
                'the cancel after the gap',
                async () => items.some((e) => e.kind === 'cancelled' && 'taskId' in e && e.taskId === first),
                10_000,
              );
            } finally {
              await stream.close();
            }
          });
        } finally {
          await cut.dispose();
        }
      },
    );
  });
}
