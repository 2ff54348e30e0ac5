// The worker processes of one run, kept alive like a process manager would: one that dies (a
// SIGKILL from the run, a poison task killing it) is replaced after a short pause. Each process
// gets a ledger file of its own; its stdout notes are kept with their pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendConfig } from '../../shared/backends/index.js';
import { SitqError } from '../../shared/core/errors.js';
import { LedgerReader, type LedgerEntry, type WorkerNote } from './ledger.js';

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));
const RESTART_DELAY_MS = 500;
const READY_TIMEOUT_MS = 30_000;

export class WorkerProcessError extends SitqError {}

/** Every worker process alive, so a run that ends abruptly takes them with it. */
const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of alive) c.kill('SIGKILL');
});

export interface WorkerSettings {
  count: number;
  concurrency: number;
  lease: number;
}

interface Slot {
  child: ChildProcess;
  ledger: string;
  generation: number;
}

export interface WorkerDeath {
  pid: number;
  at: number;
  signal: string | null;
  code: number | null;
  /** The end of its stderr: the uncaught error that ended it, if one did. */
  stderr: string;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private stopping = false;
  private spawned = 0;
  readonly notes: (WorkerNote & { pid: number })[] = [];
  /** Every process that ended without being asked to, with how. */
  readonly deaths: WorkerDeath[] = [];
  private readonly ledgers: LedgerReader[] = [];

  constructor(
    private readonly config: BackendConfig,
    private readonly dir: string,
    private readonly settings: WorkerSettings,
  ) {}

  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.settings.count }, (_, i) => this.launch(i)));
  }

  get pids(): number[] {
    return this.slots.map((s) => s.child.pid ?? 0);
  }

  /** Every run any of the processes recorded so far. */
  entries(): LedgerEntry[] {
    return this.ledgers.flatMap((l) => l.read());
  }

  /** Runs started and not finished, per process (every live one has an entry, maybe empty). */
  inFlight(): Map<number, string[]> {
    const started = new Map<string, number>();
    for (const e of this.entries()) {
      if (e.phase === 'S') started.set(`${e.pid} ${e.taskId}`, e.pid);
      else started.delete(`${e.pid} ${e.taskId}`);
    }
    const out = new Map<number, string[]>(this.pids.map((pid) => [pid, []]));
    for (const [key, pid] of started) out.set(pid, [...(out.get(pid) ?? []), key.split(' ')[1]]);
    return out;
  }

  /** SIGKILLs worker `index`; the pool replaces it. Returns its pid. */
  kill(index: number): number {
    const slot = this.slots[index];
    slot.child.kill('SIGKILL');
    return slot.child.pid ?? 0;
  }

  /** SIGTERM to all (graceful stop), SIGKILL to any still running after 15 s. */
  async stop(): Promise<void> {
    this.stopping = true;
    const live = this.slots.map((s) => s.child).filter((c) => c.exitCode === null && c.signalCode === null);
    for (const c of live) c.kill('SIGTERM');
    const timer = setTimeout(() => live.forEach((c) => c.kill('SIGKILL')), 15_000);
    await Promise.all(
      live.map((c) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())))),
    );
    clearTimeout(timer);
  }

  /** Starts a replacement in the slot; one that cannot start (server down) is tried again. */
  private replace(index: number, slot: Slot): void {
    setTimeout(() => {
      if (this.stopping || this.slots[index] !== slot) return;
      this.launch(index).catch(() => this.replace(index, this.slots[index]));
    }, RESTART_DELAY_MS);
  }

  private launch(index: number): Promise<void> {
    const ledger = join(this.dir, `ledger-${++this.spawned}`);
    this.ledgers.push(new LedgerReader(ledger));
    const child = spawn(process.execPath, [WORKER], {
      env: {
        ...process.env,
        SITQ_FAULTS_BACKEND: JSON.stringify(this.config),
        SITQ_FAULTS_LEDGER: ledger,
        SITQ_FAULTS_CONCURRENCY: String(this.settings.concurrency),
        SITQ_FAULTS_LEASE: String(this.settings.lease),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    alive.add(child);
    child.once('exit', () => alive.delete(child));
    const slot: Slot = { child, ledger, generation: this.spawned };
    this.slots[index] = slot;
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
    return new Promise((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(
        () => reject(new WorkerProcessError(`worker process ${child.pid} did not become ready in ${READY_TIMEOUT_MS / 1000} s`)),
        READY_TIMEOUT_MS,
      );
      let buffer = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line === 'ready') {
            ready = true;
            clearTimeout(timer);
            resolve();
          } else if (line.startsWith('{')) {
            try {
              this.notes.push({ ...(JSON.parse(line) as WorkerNote), pid: child.pid ?? 0 });
            } catch {
              // a torn line from a killed process
            }
          }
        }
      });
      child.once('exit', (code, signal) => {
        if (this.stopping) return;
        this.deaths.push({ pid: child.pid ?? 0, at: Date.now(), code, signal, stderr: stderr.trim() });
        if (!ready) {
          clearTimeout(timer);
          reject(
            new WorkerProcessError(
              `worker process exited with ${signal ?? code} before it was ready: ${stderr.trim().split('\n').slice(-3).join(' ')}`,
            ),
          );
          return;
        }
        // A supervisor's restart: the replacement takes the same slot.
        this.replace(index, slot);
      });
    });
  }
}
