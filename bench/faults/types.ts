// The shapes a fault run works with and writes (bench/results/faults-*.json).
import type { BackendKind } from '../../shared/backends/descriptors.js';
import type { MachineInfo, VersionInfo } from '../../shared/bench/types.js';

export const SCENARIOS = [
  'process-kill',
  'server-restart',
  'idle-restart',
  'connection-kill',
  'network-stall',
  'pool-exhaustion',
  'poison',
  'long-task',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface RunSettings {
  /** Load tasks per run. */
  tasks: number;
  /** Handler time of one load task (ms). */
  taskMs: number;
  workers: number;
  concurrency: number;
  lease: number;
  /** Longest wait for a run's queue to drain after its fault (ms). */
  drainTimeoutMs: number;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface FaultRow {
  backend: BackendKind;
  scenario: ScenarioName;
  /** Tasks enqueued (load + the scenario's own). */
  tasks: number;
  /** Load tasks that never succeeded. */
  lost: number;
  /** Load tasks that ran more than once (allowed by at-least-once; counted). */
  duplicates: number;
  /** Runs beyond the first, summed over the duplicated tasks. */
  extraRuns: number;
  /** Fault injected → completions back at half the earlier rate; undefined without a fault in time. */
  recoverMs?: number;
  /** Fault injected → queue drained. */
  drainMs?: number;
  pass: boolean;
  checks: Check[];
  notes: string[];
  /** Why the run could not be completed, if it could not. */
  error?: string;
  durationMs: number;
}

export interface FaultReport {
  kind: 'faults';
  date: string;
  command: string;
  /** `private`: throwaway servers started by the run; `main`: the standard loopback services. */
  target: 'private' | 'main';
  machine: MachineInfo;
  versions: VersionInfo;
  servers: { backend: BackendKind; address: string; version: string }[];
  settings: RunSettings;
  rows: FaultRow[];
}
