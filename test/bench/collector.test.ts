// The collector counts only measured tasks: events of warm-up tasks never reach a figure.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { ErrorLog, TaskCollector } from '../../shared/bench/collector.js';
import type { Worker, WorkerTaskEvent } from '../../shared/core/worker.js';

const event = (taskId: string, enqueuedAt = Date.now() - 5): WorkerTaskEvent => ({
  taskId,
  name: 'sitq.echo',
  queue: 'bench',
  attempt: 1,
  at: Date.now(),
  enqueuedAt,
});

test('events of excluded (warm-up) tasks are not counted, timed or reported', async () => {
  const fake = new EventEmitter();
  const errors = new ErrorLog();
  const c = new TaskCollector(new Set(['warm-1', 'warm-2']), errors);
  c.attach(fake as unknown as Worker);
  for (const id of ['warm-1', 'warm-2']) {
    fake.emit('started', event(id));
    fake.emit('failed', { ...event(id), error: { name: 'Error', message: 'x' } });
    fake.emit('dead', { ...event(id), error: { name: 'Error', message: 'x' } });
  }
  assert.equal(c.started, 0);
  assert.equal(c.finished, 0);
  assert.equal(c.toStart.length, 0);
  assert.equal(errors.total, 0);
  fake.emit('started', event('t1'));
  fake.emit('succeeded', event('t1'));
  fake.emit('started', event('t2'));
  fake.emit('failed', { ...event('t2'), error: { name: 'Error', message: 'boom' } });
  fake.emit('dead', { ...event('t2'), error: { name: 'Error', message: 'boom' } });
  assert.equal(c.started, 2);
  assert.equal(c.succeeded, 1);
  assert.equal(c.dead, 1);
  assert.equal(c.toStart.length, 2);
  assert.equal(c.toFinish.length, 2);
  assert.ok(
    c.toStart.values().every((ms) => ms >= 4),
    'latency measured from enqueuedAt',
  );
  assert.deepEqual(
    errors
      .list()
      .map((e) => [e.source, e.count])
      .sort(),
    [
      ['task attempt failed', 1],
      ['task dead', 1],
    ],
  );
  c.detach();
  fake.emit('succeeded', event('t3'));
  assert.equal(c.succeeded, 1, 'detached: no more counting');
});

test('waitFinished resolves when the target is reached, false on a stall, rejects on abort', async () => {
  const fake = new EventEmitter();
  const c = new TaskCollector(new Set(), new ErrorLog());
  c.attach(fake as unknown as Worker);
  setTimeout(() => {
    fake.emit('succeeded', event('a'));
    fake.emit('succeeded', event('b'));
  }, 20);
  assert.equal(await c.waitFinished(2, 5000, undefined, undefined, 10), true);
  assert.equal(await c.waitFinished(3, 100, undefined, undefined, 10), false);
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 20);
  await assert.rejects(c.waitFinished(3, 5000, controller.signal, undefined, 10), { name: 'BenchmarkAbortedError' });
});
