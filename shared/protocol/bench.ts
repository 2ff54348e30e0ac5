// Benchmark runs as the dashboard sees them. The figures themselves are shared/bench's types,
// imported as types only so the UI bundle carries no bench code.
import type { BenchmarkOptions, BenchProgress, BenchReport } from '../bench/types.js';

export type { BenchmarkOptions, BenchProgress, BenchReport };
export type {
  BenchmarkResult,
  LatencySummary,
  SweepResult,
  SweepCell,
  RunComparison,
  FigureChange,
  MachineInfo,
  TargetCheck,
} from '../bench/types.js';

export type BenchRunState = 'running' | 'done' | 'cancelled' | 'failed';

export interface BenchRunRequest {
  /** Profiles to measure, one after another. */
  profiles: string[];
  options: BenchmarkOptions;
  /** Also sweep pool sizes (PostgreSQL poolSize / Redis maxConnections). */
  sweep: boolean;
  /** Tasks enqueued per sweep cell (default 2000). */
  sweepTasksPerCell?: number;
}

export interface BenchRunSummary {
  id: string;
  state: BenchRunState;
  profiles: string[];
  startedAt: number;
  finishedAt?: number;
  /** Latest progress while running. */
  progress?: BenchProgress;
  error?: string;
}

export interface BenchRunView extends BenchRunSummary {
  report?: BenchReport;
}

export type ExportFormat = 'json' | 'csv' | 'markdown';

export interface ExportedFile {
  filename: string;
  mime: string;
  content: string;
}
