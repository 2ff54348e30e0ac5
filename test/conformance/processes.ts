// Workers as separate processes: killed mid-task, and several at once on one queue.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BackendConfig } from '../../shared/backends/index.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { eventually, withBackend, type ConformanceTarget } from './harness.js';

const WORKER = fileURLToPath(new URL('../fixtures/worker-process.js', import.meta.url));

/** Starts a worker process (test/fixtures/worker-process.ts unless `script` names another) and records it in `started` at once, so a test's finally can stop it
 *  even when it never became ready. */
export function startWorkerProcess(
  config: BackendConfig,
  ledger: string,
  env: Record<string, string>,
  started: ChildProcess[],
  script = WORKER,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, SITQ_TEST_BACKEND: JSON.stringify(config), SITQ_TEST_LEDGER: ledger, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  started.push(child);
  return new Promise((resolve, reject) => {
    // A generous ceiling: on a loaded 2-core machine, four worker processes starting at once took up to 17 s.
    const timer = setTimeout(() => reject(new Error('worker process did not become ready in 60 s')), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`worker process exited early with ${code}`)));
  });
}

/** SIGTERM (graceful) to every live child, SIGKILL to any still running after 15 s. */
export async function stopAll(children: readonly ChildProcess[]): Promise<(number | null)[]> {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), 15_000);
  try {
    return await Promise.all(children.map(exited));
  } finally {
    clearTimeout(timer);
  }
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

export function readLedger(path: string): string[][] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' '));
}

export function processesSuite(target: ConformanceTarget): void {
  describe('worker processes', () => {
    it('a worker killed with SIGKILL mid-task: its task runs again elsewhere after the lease', () =>
      withBackend(target, async (backend, config) => {
        const q = new TaskQueue(backend);
        const dir = mkdtempSync(join(tmpdir(), 'sitq-kill-'));
        const ledger = join(dir, 'ledger');
        const children: ChildProcess[] = [];
        try {
          const victim = await startWorkerProcess(config, ledger, { SITQ_TEST_LEASE: '2000' }, children);
          const id = await q.enqueue('test.ledger', { ms: 60_000 });
          await eventually('the task to start in the first process', async () => readLedger(ledger).length === 1, 15_000);
          victim.kill('SIGKILL');
          await exited(victim);
          const killedAt = Date.now();
          await startWorkerProcess(config, ledger, { SITQ_TEST_LEASE: '2000' }, children);
          await q.enqueue('test.ledger', null); // a bystander, to show the rescuer is working
          await eventually('the task to run again', async () => readLedger(ledger).filter((l) => l[0] === id).length === 2, 20_000);
          const waited = Date.now() - killedAt;
          assert.ok(waited < 10_000, `the task came back after ${waited} ms (lease 2000)`);
          const runs = readLedger(ledger).filter((l) => l[0] === id);
          assert.deepEqual(
            runs.map((l) => l[1]),
            ['1', '2'],
          );
          assert.notEqual(runs[0][2], runs[1][2]);
        } finally {
          await stopAll(children);
        }
      }));

    it('4 worker processes x concurrency 5 run 2,000 tasks exactly once', () =>
      withBackend(target, async (backend, config) => {
        const q = new TaskQueue(backend);
        const dir = mkdtempSync(join(tmpdir(), 'sitq-many-'));
        const ledgers = [0, 1, 2, 3].map((i) => join(dir, `ledger-${i}`));
        const ids = [];
        for (let i = 0; i < 4; i++)
          ids.push(
            ...(await q.enqueueMany(
              'test.ledger',
              Array.from({ length: 250 }, () => null),
            )),
          );
        const children: ChildProcess[] = [];
        let codes: (number | null)[];
        try {
          await Promise.all(
            ledgers.map((l) => startWorkerProcess(config, l, { SITQ_TEST_CONCURRENCY: '5', SITQ_TEST_LEASE: '10000' }, children)),
          );
          for (let i = 0; i < 4; i++)
            ids.push(
              ...(await q.enqueueMany(
                'test.ledger',
                Array.from({ length: 250 }, () => null),
              )),
            );
          await eventually(
            'all 2,000 tasks to succeed',
            async () => {
              const c = (await q.counts()).find((x) => x.queue === 'default');
              return c?.counts.succeeded === 2000;
            },
            90_000,
            200,
          );
        } finally {
          codes = await stopAll(children);
        }
        assert.deepEqual(codes, [0, 0, 0, 0], 'a worker process crashed or hung on stop');
        const runs = ledgers.flatMap(readLedger);
        const seen = new Map<string, number>();
        for (const [id] of runs) seen.set(id, (seen.get(id) ?? 0) + 1);
        assert.equal(seen.size, 2000, 'some tasks never ran');
        assert.deepEqual(
          [...seen.values()].filter((n) => n > 1),
          [],
          'some tasks ran more than once',
        );
        assert.ok(ledgers.filter((l) => readLedger(l).length > 0).length >= 2, 'only one process did all the work');
        assert.deepEqual(new Set(ids), new Set(seen.keys()));
      }));
  });
}
