import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createBackend } from '../../shared/backends/index.js';
import { silentLogger } from '../../shared/core/logger.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { jsonSerializer } from '../../shared/core/serializers.js';
import { ThreadPool } from '../../shared/core/thread-pool.js';
import { Worker } from '../../shared/core/worker.js';

const MODULE = fileURLToPath(new URL('../fixtures/cpu-tasks.js', import.meta.url));
const ctx = (signal: AbortSignal) => ({
  taskId: 't',
  name: 'cpu.spin',
  queue: 'default',
  attempt: 1,
  maxAttempts: 1,
  signal,
  progress: () => {},
  log: () => {},
});

describe('thread pool', () => {
  it('runs a module task on a thread and reports its errors', async () => {
    const pool = new ThreadPool({ module: MODULE, size: 1 });
    await pool.start();
    try {
      assert.deepEqual(pool.taskNames.sort(), ['cpu.boom', 'cpu.chatty', 'cpu.spin']);
      const bytes = await pool.run('cpu.spin', jsonSerializer.serialize({ ms: 20 }), 'json', ctx(new AbortController().signal));
      assert.deepEqual(jsonSerializer.deserialize(bytes), { spun: 20, threadLoop: true });
      await assert.rejects(
        pool.run('cpu.boom', jsonSerializer.serialize(null), 'json', ctx(new AbortController().signal)),
        /boom in a thread/,
      );
    } finally {
      await pool.close();
    }
  });

  it("a thread's ctx.progress and ctx.log reach the worker's context; a bad value throws in the thread", async () => {
    const pool = new ThreadPool({ module: MODULE, size: 1 });
    await pool.start();
    try {
      const progress: unknown[] = [];
      const lines: string[] = [];
      const context = {
        ...ctx(new AbortController().signal),
        progress: (v: unknown) => void progress.push(v),
        log: (l: string) => void lines.push(l),
      };
      const bytes = await pool.run('cpu.chatty', jsonSerializer.serialize(null), 'json', context);
      assert.deepEqual(jsonSerializer.deserialize(bytes), { refused: 'ConfigurationError' });
      assert.deepEqual(progress, [{ done: 1, of: 2 }]);
      assert.deepEqual(lines, ['from a thread', 'second']);
    } finally {
      await pool.close();
    }
  });

  it('an aborted busy task frees its thread (the thread is replaced)', async () => {
    const pool = new ThreadPool({ module: MODULE, size: 1 });
    await pool.start();
    try {
      const c = new AbortController();
      const busy = pool.run('cpu.spin', jsonSerializer.serialize({ ms: 60_000 }), 'json', ctx(c.signal));
      setTimeout(() => c.abort(new Error('stop now')), 50);
      await assert.rejects(busy, /stop now/);
      const bytes = await pool.run('cpu.spin', jsonSerializer.serialize({ ms: 5 }), 'json', ctx(new AbortController().signal));
      assert.equal((jsonSerializer.deserialize(bytes) as { spun: number }).spun, 5);
    } finally {
      await pool.close();
    }
  });

  it('a worker runs CPU-bound tasks on threads without blocking its loop; inline blocking is warned about', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sitq-threads-'));
    const backend = createBackend({ type: 'sqlite', path: join(dir, 'q.db') });
    await backend.connect();
    const q = new TaskQueue(backend);
    try {
      // A blocked loop is warned about past a third of the lease. The lease is 3 s, so a timer that
      // a loaded machine runs a few hundred ms late is not taken for a blocked loop (with 300 ms, a
      // tick 117 ms late under load 11 was); the threaded task still outlasts its lease.
      const threaded = new Worker(backend, { threads: { module: MODULE, size: 1 }, lease: 3000, pollInterval: 50, logger: silentLogger });
      const warnings: string[] = [];
      threaded.on('warning', (w) => warnings.push(w));
      await threaded.start();
      const r = await q.getResult(await q.enqueue('cpu.spin', { ms: 3500 }), { timeout: 20_000 });
      assert.equal(r?.status, 'succeeded');
      await threaded.stop();
      assert.deepEqual(
        warnings.filter((w) => w.includes('blocked')),
        [],
      );

      const inline = new Worker(backend, { lease: 3000, pollInterval: 50, logger: silentLogger });
      const inlineWarnings: string[] = [];
      inline.on('warning', (w) => inlineWarnings.push(w));
      await inline.start();
      const id = await q.enqueue('sitq.cpu', { ms: 1500 });
      await q.getResult(id, { timeout: 20_000 });
      await inline.stop();
      assert.ok(
        inlineWarnings.some((w) => w.includes('blocked') && w.includes('sitq.cpu') && w.includes(id)),
        inlineWarnings.join('\n'),
      );
    } finally {
      await backend.destroy();
      await backend.close();
    }
  });
});
