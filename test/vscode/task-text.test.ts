// The task document's text (extension/task-text.ts), read without an editor: the record's sections,
// and since issue 13 its headers, progress and the newest lines of its log.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DOCUMENT_LOG_LINES, taskText } from '../../extension/task-text.js';
import type { TaskDetail } from '../../shared/protocol/models.js';

const base: TaskDetail = {
  id: '01abc',
  name: 'report.build',
  queue: 'reports',
  state: 'running',
  attempts: 1,
  maxAttempts: 3,
  priority: 0,
  enqueuedAt: Date.UTC(2026, 11, 7, 1, 0, 0),
  runAt: Date.UTC(2026, 11, 7, 1, 0, 0),
  serializer: 'json',
  payloadText: '{ "month": 11 }',
  backoff: { type: 'exponential', baseMs: 1000, maxMs: 300_000, jitter: 0.2 },
} as TaskDetail;

describe('task document text', () => {
  it('shows the record, its headers, progress and log', () => {
    const text = taskText('local', {
      ...base,
      headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
      progress: { done: 3, of: 10 },
      log: ['fetching', 'rendering page 3'],
    });
    assert.match(text, /^# report\.build$/m);
    assert.match(text, /state: \*\*running\*\*/);
    assert.match(text, /## Headers\n\n- traceparent: `00-4bf9/);
    assert.match(text, /## Progress\n\n`\{"done":3,"of":10\}`/);
    assert.match(text, /## Log\n\n```text\nfetching\nrendering page 3\n```/);
  });

  it('a number progress reads as a percentage; a running task with no log says so; a finished one without a log has no section', () => {
    assert.match(taskText('local', { ...base, progress: 40 }), /## Progress\n\n40 %/);
    assert.match(taskText('local', base), /## Log\n\nNothing logged yet\./);
    assert.doesNotMatch(taskText('local', { ...base, state: 'succeeded' }), /## Log/);
  });

  it(`a long log shows its newest ${DOCUMENT_LOG_LINES} lines and says how many are not shown`, () => {
    const log = Array.from({ length: 1000 }, (_, i) => `line ${i}`);
    const text = taskText('local', { ...base, state: 'succeeded', log, logDropped: 40 });
    assert.match(text, /840 earlier line\(s\) not shown: Show Task Log has the whole log, live\./);
    assert.ok(text.includes(`line ${1000 - DOCUMENT_LOG_LINES}\n`) && text.includes('line 999\n```'));
    assert.ok(!text.includes(`line ${999 - DOCUMENT_LOG_LINES}\n`));
  });
});
