import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SitqError, UnrecoverableError } from '../../shared/core/errors.js';

describe('UnrecoverableError across copies of sitq', () => {
  it('instanceof holds for one made by another copy of the module, and for no other value', async () => {
    const other = (await import(
      new URL('../../shared/core/errors.js?another-copy', import.meta.url).href
    )) as typeof import('../../shared/core/errors.js');
    assert.notEqual(other.UnrecoverableError, UnrecoverableError);
    assert.ok(new other.UnrecoverableError('x') instanceof UnrecoverableError);
    assert.ok(new UnrecoverableError('x') instanceof other.UnrecoverableError);
    assert.ok(new UnrecoverableError('x') instanceof SitqError);
    for (const value of [new Error('x'), new other.SitqError('x'), { name: 'UnrecoverableError' }, null, 'UnrecoverableError']) {
      assert.equal(value instanceof UnrecoverableError, false, String(value));
    }
  });

  it("a subclass's instanceof stays the ordinary one", () => {
    class QuotaGone extends UnrecoverableError {}
    assert.ok(new QuotaGone('x') instanceof UnrecoverableError);
    assert.ok(new QuotaGone('x') instanceof QuotaGone);
    assert.equal(new UnrecoverableError('x') instanceof QuotaGone, false);
  });
});
