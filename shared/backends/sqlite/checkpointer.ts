// Background WAL checkpoints. SQLite's automatic checkpoint runs inside whichever commit pushes the
// WAL past its limit: that commit then copies pages and fsyncs for ~10 ms, which shows as a 1-in-100
// stall of claims and reports. Instead, one worker thread per file (per process) checkpoints on its
// own connection; the writer's automatic checkpoint stays only as a far-off safety net.
import type { Database } from './driver.js';
import { Worker } from 'node:worker_threads';
import type { CheckpointThreadData } from './checkpoint-thread.js';

const INTERVAL_MS = 100;
/** Pages (~40 MB) after which a writer still checkpoints by itself, should the thread be gone. */
const SAFETY_NET_PAGES = 10_000;

const threads = new Map<string, { worker: Worker; users: number }>();

/** Hands the connection's WAL checkpoints to the file's checkpoint thread (started on first use). */
export function acquireCheckpointer(db: Database, realPath: string): void {
  db.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
  let entry = threads.get(realPath);
  if (!entry) {
    const data: CheckpointThreadData = { path: realPath, intervalMs: INTERVAL_MS };
    const worker = new Worker(new URL('./checkpoint-thread.js', import.meta.url), { workerData: data });
    worker.unref(); // never keeps the process alive
    worker.on('error', () => threads.delete(realPath)); // the safety net takes over
    threads.set(realPath, (entry = { worker, users: 0 }));
  }
  entry.users++;
}

/** Resolves once the thread has closed its connection, if this was its last user. */
export async function releaseCheckpointer(realPath: string): Promise<void> {
  const entry = threads.get(realPath);
  if (!entry || --entry.users > 0) return;
  threads.delete(realPath);
  const { worker } = entry;
  worker.ref(); // keep the process alive until the thread has let go of the file
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    worker.once('message', done);
    worker.once('exit', done);
    worker.once('error', done);
    worker.postMessage('stop');
  });
  await worker.terminate();
}
