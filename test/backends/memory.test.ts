// The memory backend: the shared conformance suite (less what needs another process or a server),
// then what only this backend has: stores shared by name within the process, copies in and out.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createBackend } from '../../shared/backends/index.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { jsonSerializer } from '../../shared/core/serializers.js';
import { exerciseBackend } from '../conformance/index.js';
import { newTask } from '../conformance/harness.js';

const freshName = () => `t-${randomBytes(5).toString('hex')}`;

await exerciseBackend({
  kind: 'memory',
  freshConfig: () => ({ type: 'memory', name: freshName() }),
  sharedAcrossProcesses: false,
});

describe('memory backend', () => {
  it('backends of one process with the same name share tasks; another name sees none', async () => {
    const name = freshName();
    const a = createBackend({ type: 'memory', name });
    const b = createBackend({ type: 'memory', name });
    const other = createBackend({ type: 'memory', name: freshName() });
    await Promise.all([a.connect(), b.connect(), other.connect()]);
    try {
      const id = await new TaskQueue(a).enqueue('sitq.echo', { hi: 1 });
      assert.equal((await b.getTask(id))?.id, id);
      assert.equal(await other.getTask(id), null);
    } finally {
      await a.destroy();
      await Promise.all([a.close(), b.close(), other.close()]);
    }
  });

  it('stores a copy of the payload: a caller reusing its buffer changes nothing stored', async () => {
    const backend = createBackend({ type: 'memory', name: freshName() });
    await backend.connect();
    try {
      const payload = jsonSerializer.serialize({ n: 1 });
      const task = newTask({ payload });
      await backend.enqueue([task]);
      payload.fill(0);
      assert.deepEqual(jsonSerializer.deserialize((await backend.getTask(task.id))!.payload), { n: 1 });
    } finally {
      await backend.destroy();
      await backend.close();
    }
  });

  it('a bad option names it', () => {
    assert.throws(() => createBackend({ type: 'memory', name: 'has space' }), /memory\.name/);
  });
});
