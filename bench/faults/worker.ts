// One worker process of the fault run. Env: SITQ_FAULTS_BACKEND (BackendConfig JSON),
// SITQ_FAULTS_LEDGER (file each run appends to), SITQ_FAULTS_CONCURRENCY, SITQ_FAULTS_LEASE.
// Ledger lines: `S <taskId> <attempt> <pid> <epoch ms>` when a run starts, `E ...` when its handler
// returns. stdout: `ready`, then one JSON line per backend error or lost lease (the evidence of
// when a worker noticed a fault). SIGTERM stops it gracefully.
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBackend, type BackendConfig } from '../../shared/backends/index.js';
import { silentLogger } from '../../shared/core/logger.js';
import { defineTask } from '../../shared/core/tasks.js';
import { Worker } from '../../shared/core/worker.js';
import { FAULT_TASK, type FaultPayload, type WorkerNote } from './ledger.js';

const config = JSON.parse(process.env.SITQ_FAULTS_BACKEND ?? '') as BackendConfig;
const ledger = process.env.SITQ_FAULTS_LEDGER ?? '';

const note = (n: WorkerNote) => process.stdout.write(`${JSON.stringify(n)}\n`);

const task = defineTask(FAULT_TASK, async (payload: FaultPayload, ctx) => {
  appendFileSync(ledger, `S ${ctx.taskId} ${ctx.attempt} ${process.pid} ${Date.now()}\n`);
  if (payload.kind === 'throw') throw new Error('poison task: always throws');
  if (payload.kind === 'exit') process.kill(process.pid, 'SIGKILL');
  if (payload.ms > 0) await sleep(payload.ms, undefined, { signal: ctx.signal });
  appendFileSync(ledger, `E ${ctx.taskId} ${ctx.attempt} ${process.pid} ${Date.now()}\n`);
  return null;
});

const backend = createBackend(config);
await backend.connect();
const worker = new Worker(backend, {
  tasks: [task],
  includeTestTasks: false,
  maxConcurrency: Number(process.env.SITQ_FAULTS_CONCURRENCY ?? 8),
  lease: Number(process.env.SITQ_FAULTS_LEASE ?? 3000),
  pollInterval: 500,
  logger: silentLogger,
});
worker.on('backend-error', (err) => note({ type: 'backend-error', at: Date.now(), name: err.name, message: err.message }));
worker.on('lease-lost', (e) => note({ type: 'lease-lost', at: Date.now(), taskId: e.taskId }));
await worker.start();
process.stdout.write('ready\n');
// eslint-disable-next-line @typescript-eslint/no-misused-promises -- Node ignores a signal listener's result; the process exits when stop() is done
process.once('SIGTERM', async () => {
  await worker.stop({ timeout: 10_000 });
  await backend.close();
  process.exit(0);
});
