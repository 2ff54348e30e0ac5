// sitq's public API.
export * from './core/errors.js';
export * from './core/types.js';
export type { Backend, CancelledFrom, FinishedState, NodeStatus, PruneOptions, ServerInfo, StateEntry } from './core/backend.js';
export { type KeepRule, type KeepSettings, type QueueSettings } from './core/queue-settings.js';
export { type RetentionOptions } from './core/retention.js';
export { DEFAULT_CONNECT_TIMEOUT_MS } from './core/backend.js';
export {
  CATCH_UP_POLICIES,
  LATE_TICK_MS,
  ScheduleRecordError,
  type CatchUpPolicy,
  type ScheduleInfo,
  type ScheduleOptions,
  type ScheduleSpec,
} from './core/schedules.js';
export { Scheduler, tickIdempotencyKey, type SchedulerOptions, type SchedulerPass } from './core/scheduler.js';
export { TaskQueue, type QueueCountsWithPause, type QueueStatus, type TaskId, type TaskQueueOptions } from './core/queue.js';
export { parseRate, formatRate, type QueueLimitsChange, type RateLimit } from './core/queue-settings.js';
export { Worker, type WorkerOptions, type WorkerEvents, type WorkerTaskEvent } from './core/worker.js';
export { Result, type ResultStatus } from './core/result.js';
export { defineTask, type TaskContext, type TaskDefinition, type TaskHandler } from './core/tasks.js';
export { jsonSerializer, v8Serializer, registerSerializer, type Serializer } from './core/serializers.js';
export { type EnqueueOptions } from './core/enqueue-options.js';
export { echoTask, sleepTask, failTask, cpuTask, progressTask, TEST_TASKS } from './core/test-tasks.js';
export { type TaskView } from './core/task-view.js';
export { type Logger, consoleLogger, silentLogger } from './core/logger.js';
export { createBackend, BACKEND_KINDS, type BackendConfig, type BackendKind } from './backends/index.js';
export * from './config/index.js';
export {
  checkHealth,
  HealthMonitor,
  healthScore,
  DEFAULT_CHECK_TIMEOUT_MS,
  DEFAULT_SLOW_THRESHOLD_MS,
  type HealthCheckOptions,
  type HealthReport,
  type HealthStatus,
  type HealthTarget,
  type HealthMetrics,
  type HealthMonitorEvents,
  type HealthMonitorOptions,
  type StatusChange,
} from './health/index.js';
export {
  HISTORY_COUNTERS,
  HISTORY_RETENTION_MS,
  type HistoryCounter,
  type HistoryPoint,
  type HistoryQuery,
  type HistoryReport,
  type HistoryResolution,
  type QueueHistory,
} from './core/history.js';
