// Runs in a worker thread: checkpoints the WAL of one database file on its own connection, so the
// fsyncs of a checkpoint (milliseconds each) never stall the thread that claims and reports tasks.
// PASSIVE checkpoints neither wait for nor block readers and writers.
import { parentPort, workerData } from 'node:worker_threads';
import { openSqlite } from './driver.js';

export interface CheckpointThreadData {
  path: string;
  intervalMs: number;
}

const { path, intervalMs } = workerData as CheckpointThreadData;
const db = openSqlite(path, { timeout: 0 });

const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy (another process is checkpointing) or the file is going away: try again next time.
  }
}, intervalMs);

parentPort?.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort?.postMessage('stopped');
  parentPort?.close();
});
