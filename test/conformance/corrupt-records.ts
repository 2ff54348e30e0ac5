// Task records another version wrote, or whose payload bytes were damaged in the store: the worker
// marks each such task dead at once with a reason naming the problem and carries on with the rest.
// The records are written with the backend's own enqueue (the contract takes encoded bytes), so
// every backend stores exactly what a foreign writer would have stored.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../shared/core/logger.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { jsonSerializer } from '../../shared/core/serializers.js';
import type { NewTask, TaskRecord } from '../../shared/core/types.js';
import { Worker, type WorkerTaskEvent } from '../../shared/core/worker.js';
import { eventually, newTask, withBackend, type ConformanceTarget } from './harness.js';

/** Each bad record: how it is broken, and a word its dead reason must contain. */
const CORRUPT: { what: string; task: Partial<NewTask>; reason: RegExp }[] = [
  { what: 'bytes that are not UTF-8', task: { payload: new Uint8Array([0xff, 0xfe, 0x00, 0xc3]) }, reason: /not valid JSON/ },
  { what: 'truncated JSON', task: { payload: Buffer.from('{"n": [1, 2', 'utf8') }, reason: /not valid JSON/ },
  {
    what: 'v8 bytes that are garbage',
    task: { serializer: 'v8', payload: new Uint8Array([0x01, 0x02, 0x03, 0x04]) },
    reason: /not a v8-serialized value/,
  },
  { what: 'a serializer from another version', task: { serializer: 'msgpack-v9' }, reason: /no serializer named "msgpack-v9"/ },
];

export function corruptRecordsSuite(target: ConformanceTarget): void {
  describe('corrupted and foreign task records', () => {
    it('a task whose payload cannot be decoded is dead at once with the reason; the others run', () =>
      withBackend(target, async (backend) => {
        const good = Array.from({ length: 6 }, (_, i) => newTask({ payload: jsonSerializer.serialize({ good: i }) }));
        const bad = CORRUPT.map((c) => newTask(c.task));
        // Interleaved, so bad records sit between good ones in every claim.
        const all = good.flatMap((g, i) => (bad[i] ? [g, bad[i]] : [g]));
        await backend.enqueue(all);

        const worker = new Worker(backend, { pollInterval: 100, logger: silentLogger, maxConcurrency: 3 });
        const dead: WorkerTaskEvent[] = [];
        worker.on('dead', (e) => dead.push(e));
        await worker.start();
        try {
          const finished = await eventually(
            'every task to finish',
            async () => {
              const records = await Promise.all(all.map((t) => backend.getTask(t.id)));
              return records.every((r) => r && (r.state === 'succeeded' || r.state === 'dead')) ? (records as TaskRecord[]) : undefined;
            },
            30_000,
            50,
          );
          const byId = new Map(finished.map((r) => [r.id, r]));
          for (const g of good) assert.equal(byId.get(g.id)?.state, 'succeeded', `good task ${g.id} did not succeed`);
          CORRUPT.forEach((c, i) => {
            const r = byId.get(bad[i].id)!;
            assert.equal(r.state, 'dead', `${c.what}: expected dead, got ${r.state}`);
            assert.equal(r.attempts, 1, `${c.what}: a record that can never decode must not be retried`);
            assert.equal(r.error?.name, 'UnrecoverableError', c.what);
            assert.match(r.error!.message, /stored payload .* could not be decoded/, c.what);
            assert.match(r.error!.message, c.reason, c.what);
            assert.ok(r.error!.message.includes(bad[i].id), `${c.what}: the reason names the task`);
          });
          assert.deepEqual(dead.map((e) => e.taskId).sort(), bad.map((t) => t.id).sort(), 'one dead event per bad record');
        } finally {
          await worker.stop({ timeout: 5000 });
        }

        // The inspection API shows a bad record with its decode problem instead of failing.
        const q = new TaskQueue(backend);
        const view = await q.getTask(bad[0].id);
        assert.ok(view?.decodeError && /not valid JSON/.test(view.decodeError), 'getTask names the decode problem');
        const page = await q.listTasks({ state: 'dead' });
        assert.equal(page.total, bad.length);
        assert.equal(page.tasks.filter((t) => t.decodeError).length, bad.length);
        const result = await q.getResult(bad[3].id, { timeout: 0 });
        assert.equal(result?.status, 'dead');
        assert.match(result!.error!.message, /msgpack-v9/);
      }));
  });
}
