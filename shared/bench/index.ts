// sitq's benchmark harness: the API the CLI (`sitq bench`, `sitq sweep`, `sitq demo`), the
// dashboard and `npm run bench` use. See bench/README.md for what each figure means.
export { runBenchmark } from './benchmark.js';
export { compareProfiles, compareRuns, type NamedProfile } from './compare.js';
export { sweepPools, DEFAULT_POOL_SIZES, DEFAULT_SWEEP_CONCURRENCIES, type SweepOptions } from './sweep.js';
export { rawEnqueueFloor, rawFloor, type FloorOptions } from './floors/index.js';
export { runSoak, WORKER_NODE_FLAGS, type SoakOptions } from './soak.js';
export { runScale, SCALE_CALL_TARGET_MS, SCALE_RATE_TARGET, type ScaleOptions } from './scale.js';
export { saveResult, loadResult, toReport, machineInfo, versionInfo, emptyReport, BenchResultFileError } from './report.js';
export { toMarkdown, toCsv, type CsvTable } from './export.js';
export {
  checkTargets,
  checkSoakTargets,
  ENQUEUE_FLOOR_RATIO_TARGET,
  FLOOR_RATIO_TARGET,
  IDLE_P50_TARGET_MS,
  P99_OVER_P50_TARGET,
} from './targets.js';
export { BENCHMARK_FIGURES, SWEEP_FIGURES, SOAK_FIGURES, type Figure } from './figures.js';
export { STANDARD_WORKLOAD, resolveBenchmarkOptions } from './options.js';
export { percentile, summarize } from './stats.js';
export { BenchmarkAbortedError } from './abort.js';
export type * from './types.js';
