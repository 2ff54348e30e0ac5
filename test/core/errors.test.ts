import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeaseLostError, SitqError, TaskCancelledError, TaskTimeoutError, UnrecoverableError } from '../../shared/core/errors.js';

// A query string makes Node load the module again, with classes of its own: what a handler's
// node_modules/sitq has beside the desktop app's or the extension's core.
const other = (await import(
  new URL('../../shared/core/errors.js?another-copy', import.meta.url).href
)) as typeof import('../../shared/core/errors.js');

describe('errors a handler throws or finds as ctx.signal.reason, across copies of sitq', () => {
  const made = {
    UnrecoverableError: [new UnrecoverableError('x'), new other.UnrecoverableError('x')],
    TaskCancelledError: [new TaskCancelledError('t1', 'n'), new other.TaskCancelledError('t1', 'n')],
    TaskTimeoutError: [new TaskTimeoutError('n', 10), new other.TaskTimeoutError('n', 10)],
    LeaseLostError: [new LeaseLostError('t1'), new other.LeaseLostError('t1')],
  };
  const classes = {
    UnrecoverableError: [UnrecoverableError, other.UnrecoverableError],
    TaskCancelledError: [TaskCancelledError, other.TaskCancelledError],
    TaskTimeoutError: [TaskTimeoutError, other.TaskTimeoutError],
    LeaseLostError: [LeaseLostError, other.LeaseLostError],
  } as const;

  it("instanceof holds for an instance of either copy's class, and for no other kind or value", () => {
    assert.notEqual(other.UnrecoverableError, UnrecoverableError);
    for (const [name, pair] of Object.entries(classes)) {
      for (const cls of pair) {
        for (const [madeName, instances] of Object.entries(made)) {
          for (const instance of instances) assert.equal(instance instanceof cls, madeName === name, `${madeName} instanceof ${name}`);
        }
        for (const value of [new Error('x'), new other.SitqError('x'), { name }, null, name]) {
          assert.equal(value instanceof cls, false, `${String(value)} instanceof ${name}`);
        }
      }
    }
    assert.ok(new UnrecoverableError('x') instanceof SitqError);
  });

  it("a subclass's instanceof stays the ordinary one", () => {
    class QuotaGone extends UnrecoverableError {}
    assert.ok(new QuotaGone('x') instanceof UnrecoverableError);
    assert.ok(new QuotaGone('x') instanceof other.UnrecoverableError);
    assert.ok(new QuotaGone('x') instanceof QuotaGone);
    assert.equal(new UnrecoverableError('x') instanceof QuotaGone, false);
  });
});
