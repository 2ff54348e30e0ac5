import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, DEFAULT_BACKOFF } from '../../shared/core/backoff.js';
import { buildNewTask } from '../../shared/core/enqueue-options.js';
import { ConfigurationError } from '../../shared/core/errors.js';
import { Worker } from '../../shared/core/worker.js';
import type { Backend } from '../../shared/core/backend.js';
import { NatsBackend } from '../../shared/backends/nats/index.js';
import { createBackend } from '../../shared/backends/index.js';

const bytes = new Uint8Array();

describe('backoff', () => {
  it('doubles from the base, is capped, and jitter only shortens', () => {
    const o = { type: 'exponential' as const, baseMs: 100, maxMs: 1000, jitter: 0 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(o, n)),
      [100, 200, 400, 800, 1000, 1000],
    );
    assert.equal(backoffDelay({ ...o, type: 'fixed' }, 5), 100);
    const jittered = backoffDelay({ ...o, jitter: 0.5 }, 3, () => 1);
    assert.equal(jittered, 200);
    assert.equal(
      backoffDelay({ ...o, jitter: 0.5 }, 3, () => 0),
      400,
    );
    assert.equal(DEFAULT_BACKOFF.type, 'exponential');
    assert.ok(DEFAULT_BACKOFF.jitter > 0 && DEFAULT_BACKOFF.maxMs > 0);
  });
});

describe('enqueue options', () => {
  it('fills defaults and resolves delay to runAt', () => {
    const t = buildNewTask('id1', 'a.b', bytes, 'json', { delay: 500, priority: 2 }, 1000);
    assert.equal(t.queue, 'default');
    assert.equal(t.runAt, 1500);
    assert.equal(t.priority, 2);
    assert.equal(t.maxAttempts, 3);
    assert.deepEqual(t.backoff, DEFAULT_BACKOFF);
  });

  it('names the option, the value and what was expected', () => {
    const expectIssue = (opts: object, option: RegExp, given: RegExp) =>
      assert.throws(
        () => buildNewTask('i', 'a', bytes, 'json', opts as never, 0),
        (e: unknown) => {
          assert.ok(e instanceof ConfigurationError);
          assert.match(e.message, option);
          assert.match(e.message, given);
          return true;
        },
      );
    expectIssue({ priority: 10 }, /enqueue options\.priority/, /10/);
    expectIssue({ maxAttempts: 0 }, /maxAttempts/, /0/);
    expectIssue({ queue: 'a.b' }, /queue/, /"a\.b"/);
    expectIssue({ delay: 5, runAt: 10 }, /either delay or runAt/, /10/);
    expectIssue({ backoff: { baseMs: -1 } }, /backoff\.baseMs/, /-1/);
    expectIssue({ extra: 1 }, /extra/, /no such option/);
    assert.throws(() => buildNewTask('i', 'has space', bytes, 'json', {}, 0), /task name/);
  });

  it('an invalid runAt says what a runAt is, not zod\'s "Invalid input"', () => {
    for (const runAt of ['tomorrow', new Date('not a date'), { at: 1 }]) {
      assert.throws(
        () => buildNewTask('i', 'a', bytes, 'json', { runAt } as never, 0),
        (e: unknown) => {
          assert.ok(e instanceof ConfigurationError);
          assert.match(e.message, /enqueue options\.runAt: expected a valid Date or epoch ms/);
          assert.doesNotMatch(e.message, /Invalid input|a object/);
          return true;
        },
      );
    }
  });

  it('checks options seen before as strictly as new ones (they are remembered by content and type)', () => {
    const first = buildNewTask('i1', 'a', bytes, 'json', { queue: 'q1', priority: 3, delay: 10 }, 100);
    const again = buildNewTask('i2', 'a', bytes, 'json', { queue: 'q1', priority: 3, delay: 10 }, 200);
    assert.deepEqual([first.queue, first.priority, first.runAt], ['q1', 3, 110]);
    assert.deepEqual([again.queue, again.priority, again.runAt], ['q1', 3, 210], "the delay is resolved against each call's now");
    // The same text with another type is another input: still rejected, every time.
    for (let i = 0; i < 2; i++)
      assert.throws(() => buildNewTask('i', 'a', bytes, 'json', { queue: 'q1', priority: '3' } as never, 0), /enqueue options\.priority/);
    for (let i = 0; i < 2; i++)
      assert.throws(() => buildNewTask('i', 'a', bytes, 'json', { queue: 'q1', priority: 3, delay: 10, extra: 1 } as never, 0), /extra/);
    assert.throws(() => buildNewTask('i', 'a', bytes, 'json', { delay: 5, runAt: 10 }, 0), /either delay or runAt/);
    assert.throws(() => buildNewTask('i', 'a', bytes, 'json', { delay: 5, runAt: 10 }, 0), /either delay or runAt/);
    const date = buildNewTask('i3', 'a', bytes, 'json', { runAt: new Date(5000) }, 0);
    assert.equal(date.runAt, 5000);
    assert.throws(() => buildNewTask('i', 'a', bytes, 'json', { runAt: new Date(5000).toISOString() } as never, 0), /runAt/);
  });

  it('tasks without a backoff of their own share the frozen default', () => {
    const t = buildNewTask('i', 'a', bytes, 'json', {}, 0);
    assert.equal(t.backoff, DEFAULT_BACKOFF);
    assert.ok(Object.isFrozen(DEFAULT_BACKOFF));
    const own = buildNewTask('i', 'a', bytes, 'json', { backoff: { baseMs: 7 } }, 0);
    assert.deepEqual(own.backoff, { ...DEFAULT_BACKOFF, baseMs: 7 });
  });
});

describe('worker options', () => {
  it('rejects impossible settings with every problem named', () => {
    const backend = {} as Backend;
    assert.throws(
      () => new Worker(backend, { maxConcurrency: 0, lease: 5, queues: [] }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigurationError);
        assert.deepEqual(
          e.issues.map((i) => i.option),
          ['worker.queues', 'worker.maxConcurrency', 'worker.lease'],
        );
        return true;
      },
    );
  });

  it('a bad history flushInterval is named with the other worker options, its value and what was expected', () => {
    const backend = {} as Backend;
    for (const flushInterval of [5, Number.NaN, Infinity]) {
      assert.throws(
        () => new Worker(backend, { history: { flushInterval } }),
        (e: unknown) => {
          assert.ok(e instanceof ConfigurationError);
          assert.equal(e.message, `worker.history.flushInterval: expected a number of ms >= 10, got ${String(flushInterval)}`);
          return true;
        },
      );
    }
    // Checked in the same pass as the rest: one error lists every problem.
    assert.throws(
      () => new Worker(backend, { maxConcurrency: 0, history: { flushInterval: 5 } }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigurationError);
        assert.deepEqual(
          e.issues.map((i) => i.option),
          ['worker.maxConcurrency', 'worker.history.flushInterval'],
        );
        return true;
      },
    );
  });
});

describe('unknown options', () => {
  it('each unknown option is its own issue, with the known option it most likely meant', () => {
    // The seed document's snake_case names, a typo inside a nested object, and a plain stranger.
    const given = { max_reconnect_attempts: 10, reconnect_wait: 2, tls: { ca_file: '/ca.pem' }, servres: 'nats://127.0.0.1:4222', zzz: 1 };
    assert.throws(
      () => new NatsBackend(given as never),
      (e: unknown) => {
        assert.ok(e instanceof ConfigurationError);
        assert.deepEqual(e.issues.map((i) => `${i.option}: ${i.expected}`).sort(), [
          'nats.max_reconnect_attempts: no such option; did you mean "maxReconnectAttempts"?',
          'nats.reconnect_wait: no such option; did you mean "reconnectWait"?',
          'nats.servres: no such option; did you mean "servers"?',
          'nats.tls.ca_file: no such option; did you mean "caFile"?',
          'nats.zzz: no such option (check the spelling)',
        ]);
        return true;
      },
    );
  });

  it('a typo of two swapped letters, or a missing one, is still suggested (prot → port, hots → hosts)', () => {
    const suggestions = (config: object) => {
      try {
        createBackend(config as never);
      } catch (e) {
        assert.ok(e instanceof ConfigurationError);
        return e.issues.map((i) => `${i.option}: ${i.expected}`);
      }
      assert.fail('no ConfigurationError');
    };
    assert.deepEqual(suggestions({ type: 'postgres', prot: 5432 }), ['postgres.prot: no such option; did you mean "port"?']);
    assert.deepEqual(suggestions({ type: 'postgres', hots: ['127.0.0.1:5432'] }), ['postgres.hots: no such option; did you mean "hosts"?']);
    assert.deepEqual(suggestions({ type: 'redis', prot: 6379 }), ['redis.prot: no such option; did you mean "port"?']);
    assert.deepEqual(suggestions({ type: 'redis', hots: '127.0.0.1' }), ['redis.hots: no such option; did you mean "host"?']);
  });
});
