// The worker process of a soak run: one Worker on the soak's namespace, reporting how many tasks
// it finished and, on request, its memory after a forced GC (run with --expose-gc).
import { createBackend } from '../backends/index.js';
import { silentLogger } from '../core/logger.js';
import { Worker } from '../core/worker.js';
import type { FromSoakWorker, ToSoakWorker } from './soak-messages.js';

const send = (m: FromSoakWorker) => process.send?.(m);
/** Progress is sent on a timer (when it changed), not per task: no IPC on the measured path. */
const PROGRESS_MS = 25;
/** How long the memory reading waits after the forced GC (see 'memory' below). */
const SETTLE_MS = 100;

let worker: Worker | undefined;
let close: (() => Promise<void>) | undefined;
let processed = 0;
let failed = 0;

process.on('message', (m: ToSoakWorker) => {
  void handle(m).catch((err: unknown) => send({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
});

async function handle(m: ToSoakWorker): Promise<void> {
  switch (m.type) {
    case 'start': {
      const backend = createBackend(m.config);
      await backend.connect();
      worker = new Worker(backend, { queues: [m.queue], maxConcurrency: m.concurrency, logger: silentLogger });
      worker.on('succeeded', () => processed++);
      worker.on('dead', () => failed++);
      let reported = -1;
      const timer = setInterval(() => {
        if (processed + failed === reported) return;
        reported = processed + failed;
        send({ type: 'progress', processed, failed });
      }, PROGRESS_MS);
      close = async () => {
        clearInterval(timer);
        await backend.close();
      };
      await worker.start();
      send({ type: 'ready' });
      return;
    }
    case 'memory': {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      gc?.();
      // gc() returns before V8 has unmapped the pages it freed (a background task does, within
      // milliseconds): read at once, the RSS still counted up to ~40 MiB on their way out on NATS,
      // 20 ms later it was settled and the same at 100, 500 and 1,500 ms (bench/README.md, "Worker
      // memory over 100,000 tasks on NATS").
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const { rss, heapUsed } = process.memoryUsage();
      send({ type: 'memory', processed: processed + failed, rss, heapUsed });
      return;
    }
    case 'stop':
      await worker?.stop({ timeout: 5000 });
      await close?.();
      send({ type: 'stopped' });
      process.disconnect();
      return;
  }
}
