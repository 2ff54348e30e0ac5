// Health checks and monitoring, shared by the CLI, the dashboard, the desktop app and the
// extension. See docs/health.md.
export {
  checkHealth,
  DEFAULT_CHECK_TIMEOUT_MS,
  DEFAULT_SLOW_THRESHOLD_MS,
  type HealthCheckOptions,
  type HealthReport,
  type HealthStatus,
  type HealthTarget,
} from './check.js';
export { HealthMonitor, type HealthMonitorEvents, type HealthMonitorOptions, type StatusChange } from './monitor.js';
export { healthScore, type HealthMetrics } from './metrics.js';
