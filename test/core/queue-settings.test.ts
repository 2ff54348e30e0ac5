// The queue-settings rules the CLI, the dashboard forms and the core share: the N/PERIOD rate text,
// the age text of a keep rule, what a worker obeys of stored settings (a malformed flow field is
// ignored, not obeyed) and what a queue listing shows of stored retention.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  flowSettings,
  formatDurationText,
  formatRate,
  keepSettings,
  parseAge,
  parseRate,
  parseSettingsLeniently,
  type QueueSettings,
} from '../../shared/core/queue-settings.js';

describe('queue settings', () => {
  it('parses a rate as N/PERIOD and formats it back with the largest unit that divides it', () => {
    assert.deepEqual(parseRate('100/1s'), { max: 100, perMs: 1000 });
    assert.deepEqual(parseRate(' 100 / s '), { max: 100, perMs: 1000 });
    assert.deepEqual(parseRate('10/500ms'), { max: 10, perMs: 500 });
    assert.deepEqual(parseRate('30/1m'), { max: 30, perMs: 60_000 });
    assert.deepEqual(parseRate('5/1.5s'), { max: 5, perMs: 1500 });
    assert.deepEqual(parseRate('1/1d'), { max: 1, perMs: 86_400_000 });
    for (const bad of ['100', '100/', '0/1s', '-1/1s', '1.5/1s', '1/2d', '1/0s', 'a/1s', '1/1x'])
      assert.equal(parseRate(bad), undefined, bad);
    assert.equal(formatRate({ max: 100, perMs: 1000 }), '100/1s');
    assert.equal(formatRate({ max: 30, perMs: 120_000 }), '30/2m');
    assert.equal(formatRate({ max: 5, perMs: 1500 }), '5/1500ms');
    assert.equal(formatRate({ max: 1, perMs: 86_400_000 }), '1/1d');
  });

  it('parses a keep age with a unit, within the range a rule takes, and formats it back', () => {
    assert.equal(parseAge('7d'), 7 * 86_400_000);
    assert.equal(parseAge(' 12 h '), 12 * 3_600_000);
    assert.equal(parseAge('1.5h'), 5_400_000);
    assert.equal(parseAge('0s'), 0);
    assert.equal(parseAge('36500d'), 36_500 * 86_400_000);
    for (const bad of ['7', '', '7 days', '-1d', '36501d', '1w', 'd']) assert.equal(parseAge(bad), undefined, bad);
    assert.equal(formatDurationText(7 * 86_400_000), '7d');
    assert.equal(formatDurationText(5_400_000), '90m');
    assert.equal(formatDurationText(1500), '1500ms');
    assert.equal(formatDurationText(0), '0ms');
    for (const ms of [7 * 86_400_000, 5_400_000, 1500, 0]) assert.equal(parseAge(formatDurationText(ms)), ms);
  });

  it('a listing shows the stored keep rules without empty ones, and none for malformed ones', () => {
    assert.deepEqual(keepSettings({ keep: { succeeded: { maxAgeMs: 1000 }, dead: {} } }), { succeeded: { maxAgeMs: 1000 } });
    assert.equal(keepSettings({ keep: { dead: {} } }), undefined);
    assert.equal(keepSettings({ paused: true }), undefined);
    assert.equal(keepSettings({ keep: { dead: { maxCount: -1 } } }), undefined);
  });

  it('a worker obeys the well-formed flow fields only; a stored value that is not an object reads as none', () => {
    const read = (text: string) => flowSettings(parseSettingsLeniently('queues/q', text));
    assert.deepEqual(read('{"paused":true,"rate":{"max":5,"perMs":1000},"maxRunning":2,"keep":{"dead":{}}}'), {
      paused: true,
      rate: { max: 5, perMs: 1000 },
      maxRunning: 2,
    });
    assert.deepEqual(flowSettings({ paused: 'yes', rate: { max: 0, perMs: 1000 }, maxRunning: 1.5 } as unknown as QueueSettings), {});
    for (const text of ['[]', 'null', '3', 'not json']) assert.deepEqual(read(text), {}, text);
  });
});
