// Throughput history (issue 13): counts written by workers and producers in batches onto the
// coordination-state store must match what happened exactly. A mixed run (successes, retries,
// failures to dead, unrecoverable errors, a few slow attempts) across two worker processes
// (two in-process workers on memory) is compared with the ledger every attempt wrote.
// SITQ_HISTORY_TASKS sets the run's size (default 1,000; `npm run test:stress` runs 10,000).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { BackendConfig } from '../../shared/backends/index.js';
import type { Backend } from '../../shared/core/backend.js';
import { readTotals, totalKey, type HistoryPoint } from '../../shared/core/history.js';
import { silentLogger } from '../../shared/core/logger.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { Worker } from '../../shared/core/worker.js';
import { mixedTask, type MixedPayload } from '../fixtures/mixed-task.js';
import { eventually, withBackend, type ConformanceTarget } from './harness.js';
import { startWorkerProcess, stopAll } from './processes.js';

const TASKS = Number(process.env.SITQ_HISTORY_TASKS ?? 1000);
const SLOW_MS = 40;

/** The run's payloads: 70 % ok, 10 % flaky, 10 % bad, 5 % fatal, 5 % ok but slow. */
function payloads(n: number): MixedPayload[] {
  return Array.from({ length: n }, (_, i): MixedPayload => {
    const r = i % 20;
    if (r < 14) return { kind: 'ok' };
    if (r < 16) return { kind: 'flaky' };
    if (r < 18) return { kind: 'bad' };
    if (r < 19) return { kind: 'fatal' };
    return { kind: 'ok', ms: SLOW_MS };
  });
}

interface LedgerCounts {
  succeeded: number;
  failed: number;
  retried: number;
  dead: number;
  slow: number;
  pids: Set<string>;
}

function readLedgers(paths: string[]): LedgerCounts {
  const c: LedgerCounts = { succeeded: 0, failed: 0, retried: 0, dead: 0, slow: 0, pids: new Set() };
  for (const path of paths) {
    if (!existsSync(path)) continue;
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line) continue;
      const [, , pid, outcome] = line.split(' ');
      if (outcome === undefined) continue; // test.ledger lines
      c.pids.add(pid);
      if (outcome === 'succeeded') c.succeeded++;
      else if (outcome === 'retried') (c.retried++, c.failed++);
      else if (outcome === 'dead') (c.dead++, c.failed++);
    }
  }
  return c;
}

async function finishedCount(q: TaskQueue): Promise<number> {
  const c = (await q.counts()).find((x) => x.queue === 'default')?.counts;
  return c ? c.succeeded + c.dead : 0;
}

/** Runs TASKS mixed tasks on two workers (processes, or in this process on memory); returns the
 *  ledger. Every worker has stopped (so has written its history) when it returns. */
async function mixedRun(target: ConformanceTarget, backend: Backend, config: BackendConfig, q: TaskQueue): Promise<LedgerCounts> {
  const dir = mkdtempSync(join(tmpdir(), 'sitq-history-'));
  const ledgers = [join(dir, 'ledger-0'), join(dir, 'ledger-1')];
  const all = payloads(TASKS);
  const opts = { maxAttempts: 2, backoff: { type: 'fixed' as const, baseMs: 0 } };
  try {
    // Half before the workers start, half while they run.
    await q.enqueueMany('test.mixed', all.slice(0, TASKS / 2), opts);
    if (target.sharedAcrossProcesses === false) {
      const workers = ledgers.map(
        (l) =>
          new Worker(backend, {
            tasks: [mixedTask((line) => appendFileSync(l, line))],
            maxConcurrency: 10,
            pollInterval: 50,
            logger: silentLogger,
            includeTestTasks: false,
          }),
      );
      await Promise.all(workers.map((w) => w.start()));
      try {
        await q.enqueueMany('test.mixed', all.slice(TASKS / 2), opts);
        await eventually(`all ${TASKS} tasks to finish`, async () => (await finishedCount(q)) === TASKS, 120_000, 100);
      } finally {
        await Promise.all(workers.map((w) => w.stop({ timeout: 10_000 })));
      }
    } else {
      const children: ChildProcess[] = [];
      let codes: (number | null)[];
      try {
        const env = { SITQ_TEST_CONCURRENCY: '10', SITQ_TEST_LEASE: '30000' };
        await Promise.all(ledgers.map((l) => startWorkerProcess(config, l, env, children)));
        await q.enqueueMany('test.mixed', all.slice(TASKS / 2), opts);
        await eventually(`all ${TASKS} tasks to finish`, async () => (await finishedCount(q)) === TASKS, 30_000 + TASKS * 30, 200);
      } finally {
        codes = await stopAll(children);
      }
      assert.deepEqual(codes, [0, 0], 'a worker process crashed or hung on stop');
    }
    await q.flushHistory();
    return readLedgers(ledgers);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function sumPoints(points: HistoryPoint[]) {
  const s = { enqueued: 0, succeeded: 0, failed: 0, retried: 0, dead: 0, timed: 0 };
  for (const p of points) for (const k of Object.keys(s) as (keyof typeof s)[]) s[k] += p[k];
  return s;
}

export function historySuite(target: ConformanceTarget, options: { todo?: string } = {}): void {
  const { todo } = options;
  describe('throughput history', () => {
    it(
      `counts match the ledger exactly after ${TASKS.toLocaleString('en')} tasks of mixed outcomes on two workers`,
      { todo, timeout: 60_000 + TASKS * 60 },
      () =>
        withBackend(target, async (backend, config) => {
          const startedAt = Date.now();
          const q = new TaskQueue(backend, { logger: silentLogger });
          const ledger = await mixedRun(target, backend, config, q);
          const expected = payloads(TASKS);
          const n = (k: MixedPayload['kind']) => expected.filter((p) => p.kind === k).length;
          // The ledger is what the handlers did; it agrees with the payloads (each task ran as planned).
          assert.deepEqual(
            { succeeded: ledger.succeeded, retried: ledger.retried, dead: ledger.dead },
            { succeeded: n('ok') + n('flaky'), retried: n('flaky') + n('bad'), dead: n('bad') + n('fatal') },
          );
          if (target.sharedAcrossProcesses !== false) assert.equal(ledger.pids.size, 2, 'both worker processes should have run tasks');
          const want = {
            enqueued: TASKS,
            succeeded: ledger.succeeded,
            failed: ledger.failed,
            retried: ledger.retried,
            dead: ledger.dead,
            timed: ledger.succeeded + ledger.failed,
          };

          // The minute series, the hour series and the running total all say the same.
          const minutes = await q.stats({ queue: 'default', since: startedAt - 60_000, resolution: 'minute' });
          assert.equal(minutes.resolution, 'minute');
          assert.equal(minutes.queues.length, 1);
          assert.deepEqual(sumPoints(minutes.queues[0].points), want);
          const { total } = minutes.queues[0];
          assert.deepEqual(sumPoints([total]), want);
          const hours = await q.stats({ queue: 'default', since: startedAt - 3_600_000, resolution: 'hour' });
          assert.deepEqual(sumPoints(hours.queues[0].points), want);
          const totals = (await readTotals(backend, ['default'])).get('default');
          assert.ok(totals, `${totalKey('default')} was not written`);
          assert.deepEqual(
            {
              enqueued: totals.enqueued,
              succeeded: totals.succeeded,
              failed: totals.failed,
              retried: totals.retried,
              dead: totals.dead,
              timed: totals.duration.count,
            },
            want,
          );

          // Processing times: 5 % of the attempts took SLOW_MS, the rest next to nothing.
          assert.ok(total.p50Ms !== null && total.p95Ms !== null && total.p99Ms !== null && total.maxMs !== null);
          assert.ok(total.p50Ms < SLOW_MS / 2, `p50 ${total.p50Ms} ms: most attempts take no time`);
          assert.ok(
            total.p99Ms >= SLOW_MS && total.maxMs >= SLOW_MS,
            `p99 ${total.p99Ms} ms, max ${total.maxMs} ms: 5 % of the attempts sleep ${SLOW_MS} ms`,
          );
          assert.ok(total.p50Ms <= total.p95Ms && total.p95Ms <= total.p99Ms && total.p99Ms <= total.maxMs);
          // Every minute of the window is there, oldest first, one minute apart.
          const ats = minutes.queues[0].points.map((p) => p.at);
          assert.ok(ats.length >= 2 && ats.every((at, i) => i === 0 || at - ats[i - 1] === 60_000));
        }),
    );

    it('a batch is one write per entry, not one per task; concurrent writers lose nothing', { todo }, () =>
      withBackend(target, async (backend) => {
        // Two producers enqueue into the same minute and flush at once: compare-and-set merges both.
        const a = new TaskQueue(backend, { logger: silentLogger, history: { flushInterval: 60_000 } });
        const b = new TaskQueue(backend, { logger: silentLogger, history: { flushInterval: 60_000 } });
        for (let i = 0; i < 20; i++) {
          await a.enqueueMany('sitq.echo', [1, 2, 3], { queue: 'hist' });
          await b.enqueue('sitq.echo', 4, { queue: 'hist' });
        }
        const before = await backend.getState(totalKey('hist'));
        assert.equal(before, null, 'nothing is written before a flush');
        await Promise.all([a.flushHistory(), b.flushHistory(), a.flushHistory(), b.flushHistory()]);
        const after = await backend.getState(totalKey('hist'));
        assert.ok(after);
        assert.equal(JSON.parse(after.value).enqueued, 80);
        // Two writers, each one merge of the total: two versions (or a few more on a lost race, never 40).
        assert.ok(after.version >= 2 && after.version <= 4, `version ${after.version}`);
        // An idempotency-key repeat is not a new task.
        await a.enqueue('sitq.echo', 5, { queue: 'hist', idempotencyKey: 'k' });
        await a.enqueue('sitq.echo', 5, { queue: 'hist', idempotencyKey: 'k' });
        await a.flushHistory();
        const report = await a.stats({ queue: 'hist' });
        assert.equal(report.queues[0].total.enqueued, 81);
      }),
    );
  });
}
