// One source of rules: what the VS Code extension's enqueue input boxes accept is exactly what the
// core's enqueue accepts (before, `a.b` passed the box and the core rejected it), and every
// refusal names the option, the value and what was expected.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { enqueueInputChecks, queueListCheck } from '../../extension/commands/enqueue-input.js';
import { createBackend } from '../../shared/backends/index.js';
import { ConfigurationError } from '../../shared/core/errors.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { MAX_DELAY_MS, parseWholeNumber, TASK_STATES } from '../../shared/core/rules.js';
import { TASK_STATES as CORE_TASK_STATES } from '../../shared/core/types.js';

// The in-memory backend: these tests are about the core's rules, not about storage.
const queue = new TaskQueue(createBackend({ type: 'memory', name: 'rules-test' }));
before(() => queue.connect());
after(() => queue.close());

/** The core's verdict on one enqueue: true if stored, false on a ConfigurationError. */
async function coreAccepts(name: string, options: Record<string, unknown>): Promise<boolean> {
  try {
    await queue.enqueue(name, null, options);
    return true;
  } catch (err) {
    assert.ok(err instanceof ConfigurationError, `a ConfigurationError, got ${String(err)}`);
    return false;
  }
}

/** The number a typed text reads as (an empty box is no number at all, not Number('') = 0). */
const typed = (text: string): number => parseWholeNumber(text) ?? (text.trim() === '' ? NaN : Number(text));

const QUEUES = ['default', 'a.b', 'a:b', 'a/b', 'a b', ' a', 'emails-2_x', '', 'x'.repeat(64), 'x'.repeat(65), 'ü', 'a,b'];
const NUMBERS = ['-1', '0', '1', '9', '10', '1000', '1001', '1.5', '1e3', 'abc', '', ' 3 ', String(MAX_DELAY_MS), String(MAX_DELAY_MS + 1)];

describe('one source of rules: the extension input boxes and the core agree', () => {
  test('queue names', async () => {
    for (const q of QUEUES) {
      const box = enqueueInputChecks.queue(q) === undefined;
      assert.equal(
        box,
        await coreAccepts('sitq.echo', { queue: q }),
        `queue ${JSON.stringify(q)}: box ${box ? 'accepts' : 'rejects'}, the core does not agree`,
      );
    }
    assert.equal(enqueueInputChecks.queue('a.b'), 'queue: expected a queue name of 1-64 letters, digits, "_" or "-", got "a.b"');
  });

  test('priority, attempts, delay', async () => {
    const fields = [
      ['priority', enqueueInputChecks.priority],
      ['maxAttempts', enqueueInputChecks.maxAttempts],
      ['delay', enqueueInputChecks.delay],
    ] as const;
    for (const [option, check] of fields) {
      for (const text of NUMBERS) {
        const box = check(text) === undefined;
        assert.equal(
          box,
          await coreAccepts('sitq.echo', { [option]: typed(text) }),
          `${option} ${JSON.stringify(text)}: box ${box ? 'accepts' : 'rejects'}, the core does not agree`,
        );
      }
    }
    assert.equal(enqueueInputChecks.priority('12'), 'priority: expected a priority: a whole number from 0 to 9, got 12');
    assert.equal(
      enqueueInputChecks.maxAttempts('1.5'),
      'maxAttempts: expected a number of attempts: a whole number from 1 to 1,000, got "1.5"',
    );
  });

  test('task names', async () => {
    for (const name of ['sitq.echo', 'images/resize:v2', 'a b', '', 'x'.repeat(201), 'ü']) {
      const box = enqueueInputChecks.task(name) === undefined;
      assert.equal(box, await coreAccepts(name, {}), `task ${JSON.stringify(name)}`);
    }
  });

  test('the core names the option, the value and the rule in its error', async () => {
    await assert.rejects(queue.enqueue('sitq.echo', null, { queue: 'a.b' }), (err: ConfigurationError) => {
      assert.equal(err.message, 'enqueue options.queue: expected a queue name of 1-64 letters, digits, "_" or "-", got "a.b"');
      return true;
    });
    await assert.rejects(
      queue.enqueue('sitq.echo', null, { priority: 10 }),
      /enqueue options\.priority: expected a priority: a whole number from 0 to 9, got 10/,
    );
  });

  test('a worker queue list and the payload', () => {
    assert.equal(queueListCheck('default, emails'), undefined);
    assert.match(queueListCheck('default, a.b') ?? '', /got "a\.b"/);
    assert.match(queueListCheck('default,') ?? '', /got ""/);
    assert.equal(enqueueInputChecks.payload('{"times": 99}'), undefined);
    assert.match(enqueueInputChecks.payload('{times: 99}') ?? '', /^payload: expected JSON/);
  });

  test('the task states come from the rules', () => {
    assert.equal(CORE_TASK_STATES, TASK_STATES);
  });
});
