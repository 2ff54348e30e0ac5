// The messages between runSoak and its worker process (over the fork IPC channel).
import type { BackendConfig } from '../backends/index.js';

export type ToSoakWorker =
  { type: 'start'; config: BackendConfig; concurrency: number; queue: string } | { type: 'memory' } | { type: 'stop' };

export type FromSoakWorker =
  | { type: 'ready' }
  | { type: 'progress'; processed: number; failed: number }
  | { type: 'memory'; processed: number; rss: number; heapUsed: number }
  | { type: 'error'; message: string }
  | { type: 'stopped' };
