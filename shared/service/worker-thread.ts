// A local worker started from the dashboard, on its own thread: a blocking handler never freezes
// the dashboard, and "force stop" can always end it (the thread is terminated if it must be).
// It talks to LocalWorkers (local-workers.ts) with the messages below.
import { parentPort, workerData } from 'node:worker_threads';
import { createBackend, type BackendConfig } from '../backends/index.js';
import type { Backend } from '../core/backend.js';
import type { Logger } from '../core/logger.js';
import { loadTaskModule } from '../core/task-module.js';
import type { TaskHandler } from '../core/tasks.js';
import { Worker, type WorkerTaskEvent } from '../core/worker.js';

export interface WorkerThreadData {
  id: string;
  backend: BackendConfig;
  queues: string[];
  concurrency: number;
  taskModule?: string;
  statsIntervalMs: number;
}

export type ToThread = { type: 'stop'; force: boolean } | { type: 'refresh-settings'; request: number };

export type FromThread =
  | { type: 'started'; taskNames: string[] }
  | { type: 'stats'; running: number; succeeded: number; failed: number }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string }
  | { type: 'failed'; error: string }
  | { type: 'stopped' }
  /** The worker has read its queues' settings (answers refresh-settings). */
  | { type: 'settings-refreshed'; request: number };

const port = parentPort;
if (!port) throw new Error('worker-thread.js runs only as a worker thread');
const data = workerData as WorkerThreadData;
const post = (m: FromThread) => port.postMessage(m);
const log = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string) => post({ type: 'log', level, message });
const logger: Logger = { debug() {}, info: log('info'), warn: log('warn'), error: log('error') };

let backend: Backend | undefined;
let worker: Worker | undefined;
let statsTimer: NodeJS.Timeout | undefined;

function postStats(): void {
  if (!worker) return;
  const info = worker.info;
  post({ type: 'stats', running: info.running, succeeded: info.processed, failed: info.failed });
}

const describe = (e: WorkerTaskEvent) => `${e.name} ${e.taskId} (attempt ${e.attempt}, queue ${e.queue})`;

/** Settles when start() has (or failed): a settings refresh asked for meanwhile waits for it. */
let starting: Promise<void> = Promise.resolve();

async function start(): Promise<void> {
  try {
    backend = createBackend(data.backend);
    await backend.connect();
    let tasks: Record<string, TaskHandler> | undefined;
    if (data.taskModule) {
      tasks = Object.fromEntries(await loadTaskModule(data.taskModule));
      logger.info(`loaded ${Object.keys(tasks).length} task(s) from ${data.taskModule}: ${Object.keys(tasks).join(', ')}`);
    }
    worker = new Worker(backend, { id: data.id, queues: data.queues, maxConcurrency: data.concurrency, tasks, logger });
    worker.on('dead', (e) => logger.warn(`dead: ${describe(e)}: ${e.error?.name}: ${e.error?.message}`));
    worker.on('retried', (e) =>
      logger.info(`will retry: ${describe(e)}: ${e.error?.message} (next attempt at ${new Date(e.nextRunAt ?? e.at).toISOString()})`),
    );
    worker.on('lease-lost', (e) => logger.warn(`lease lost: ${describe(e)}`));
    worker.on('warning', (m) => logger.info(m));
    await worker.start();
    logger.info(`claiming from ${data.queues.join(', ')} with concurrency ${data.concurrency}`);
    post({ type: 'started', taskNames: worker.taskNames });
    statsTimer = setInterval(postStats, data.statsIntervalMs);
  } catch (err) {
    post({ type: 'failed', error: (err as Error).message });
    await backend?.close().catch(() => {});
    port?.close();
  }
}

port.on('message', (m: ToThread) => {
  if (m.type === 'refresh-settings') {
    // A worker still starting reads the settings as it starts; answered once it has.
    void starting
      .then(() => worker?.refreshQueueSettings())
      .catch((err: unknown) => logger.warn(`reading queue settings failed: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => post({ type: 'settings-refreshed', request: m.request }));
    return;
  }
  void (async () => {
    logger.info(m.force ? 'force stop: aborting running tasks (they will be retried)' : 'stopping: finishing running tasks');
    await worker?.stop({ timeout: m.force ? 0 : 30_000 });
    if (statsTimer) clearInterval(statsTimer);
    postStats();
    await backend?.close().catch(() => {});
    post({ type: 'stopped' });
    port?.close();
  })();
});

starting = start();
