// What the worker processes write (ledger lines, notes) and how a run's ledgers are checked
// against the ids the harness enqueued and the states the store ends with.
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import type { TaskState } from '../../shared/core/types.js';

export const FAULT_TASK = 'faults.work';

/** `normal`: the steady load; `slow`: load that takes seconds (so a kill finds it mid-run);
 *  `long`: runs past its lease; `throw` / `exit`: poison. */
export type TaskKind = 'normal' | 'slow' | 'long' | 'throw' | 'exit';

/** Kinds that are load: each must end succeeded. */
export const isLoad = (kind: TaskKind) => kind === 'normal' || kind === 'slow' || kind === 'long';

export interface FaultPayload {
  kind: TaskKind;
  ms: number;
}

export type WorkerNote =
  { type: 'backend-error'; at: number; name: string; message: string } | { type: 'lease-lost'; at: number; taskId: string };

export type BackendErrorNote = Extract<WorkerNote, { type: 'backend-error' }>;

export function isBackendError<T extends WorkerNote>(n: T): n is T & BackendErrorNote {
  return n.type === 'backend-error';
}

export interface LedgerEntry {
  phase: 'S' | 'E';
  taskId: string;
  attempt: number;
  pid: number;
  at: number;
}

function parseLine(line: string): LedgerEntry | undefined {
  const [phase, taskId, attempt, pid, at] = line.split(' ');
  // A process killed mid-write leaves at most one torn last line; it is not a run.
  if ((phase !== 'S' && phase !== 'E') || !taskId || !at) return undefined;
  return { phase, taskId, attempt: Number(attempt), pid: Number(pid), at: Number(at) };
}

/** A ledger file read as it grows: each call parses only the bytes appended since the last. */
export class LedgerReader {
  private offset = 0;
  private rest = '';
  readonly entries: LedgerEntry[] = [];

  constructor(readonly path: string) {}

  read(): LedgerEntry[] {
    if (!existsSync(this.path)) return this.entries;
    const fd = openSync(this.path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size > this.offset) {
        const buffer = Buffer.alloc(size - this.offset);
        readSync(fd, buffer, 0, buffer.length, this.offset);
        this.offset = size;
        const lines = (this.rest + buffer.toString('utf8')).split('\n');
        this.rest = lines.pop() ?? '';
        for (const line of lines) {
          const entry = parseLine(line);
          if (entry) this.entries.push(entry);
        }
      }
    } finally {
      closeSync(fd);
    }
    return this.entries;
  }
}

export interface FinalState {
  state: TaskState;
  attempts: number;
  errorName?: string;
}

export interface LedgerCheck {
  /** Load tasks that did not end `succeeded` in the store, or never ran. */
  lost: string[];
  /** Load tasks that started more than once, and how many extra starts in all. */
  duplicated: string[];
  extraRuns: number;
  /** Long tasks that started more than once (must be none while their worker lives). */
  longRepeated: string[];
  /** Poison tasks that did not end `dead` after using their attempts. */
  poisonNotDead: string[];
  /** Poison task runs beyond their maxAttempts. */
  poisonOverrun: string[];
}

export function checkLedger(
  enqueued: ReadonlyMap<string, TaskKind>,
  entries: readonly LedgerEntry[],
  final: ReadonlyMap<string, FinalState>,
  maxAttempts: number,
): LedgerCheck {
  const starts = new Map<string, number>();
  for (const e of entries) if (e.phase === 'S') starts.set(e.taskId, (starts.get(e.taskId) ?? 0) + 1);
  const check: LedgerCheck = { lost: [], duplicated: [], extraRuns: 0, longRepeated: [], poisonNotDead: [], poisonOverrun: [] };
  for (const [id, kind] of enqueued) {
    const runs = starts.get(id) ?? 0;
    const end = final.get(id);
    if (isLoad(kind)) {
      if (runs === 0 || end?.state !== 'succeeded') check.lost.push(id);
      if (runs > 1) {
        check.duplicated.push(id);
        check.extraRuns += runs - 1;
      }
      if (kind === 'long' && runs > 1) check.longRepeated.push(id);
    } else {
      if (end?.state !== 'dead') check.poisonNotDead.push(id);
      if (runs > maxAttempts) check.poisonOverrun.push(id);
    }
  }
  return check;
}

/** Completions per second in 1 s buckets, from the `E` lines. */
export function throughput(entries: readonly LedgerEntry[]): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const e of entries) if (e.phase === 'E') buckets.set(Math.floor(e.at / 1000), (buckets.get(Math.floor(e.at / 1000)) ?? 0) + 1);
  return buckets;
}

/**
 * ms from `from` until completions are back: the start of the first 1 s window at or after `from`
 * holding at least half as many completions as an average second before `from`. Undefined if
 * they never come back, or there was no rate before the fault to compare with.
 */
export function recoveryMs(entries: readonly LedgerEntry[], from: number, drainedAt: number): number | undefined {
  const ends = entries
    .filter((e) => e.phase === 'E')
    .map((e) => e.at)
    .sort((a, b) => a - b);
  const before = ends.filter((t) => t < from);
  const span = before.length > 1 ? before[before.length - 1] - before[0] : 0;
  if (span < 200) return undefined;
  const target = Math.max(1, Math.floor(((before.length - 1) * 1000) / span / 2));
  const after = ends.filter((t) => t >= from);
  // A sliding 1 s window over the completions after `from`.
  let lo = 0;
  for (let hi = 0; hi < after.length; hi++) {
    while (after[hi] - after[lo] >= 1000) lo++;
    if (hi - lo + 1 >= target) return Math.max(0, after[lo] - from);
  }
  // The tail of the run may hold too few tasks for a full second's rate: the drain counts then.
  return after.length > 0 && drainedAt >= from ? drainedAt - from : undefined;
}

/** Completions per second from `from` to `to`, as text (`410 395 0 0 12 …`), at most `max` seconds. */
export function timeline(entries: readonly LedgerEntry[], from: number, to: number, max = 60): string {
  const counts: number[] = [];
  for (let t = from; t < to && counts.length < max; t += 1000) counts.push(0);
  for (const e of entries) {
    if (e.phase !== 'E' || e.at < from || e.at >= to) continue;
    const i = Math.floor((e.at - from) / 1000);
    if (i < counts.length) counts[i]++;
  }
  return counts.join(' ') + (to - from > max * 1000 ? ' …' : '');
}
