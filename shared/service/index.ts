// The dashboard service: the protocol implemented once over the core, for every host.
export { DashboardService, type DashboardServiceOptions } from './service.js';
export { Session } from './session.js';
export { BenchRuns, benchDir, type BenchRunner } from './bench-runs.js';
export { FileSecretStore } from './file-secrets.js';
export { NotFoundError, ConflictError, toErrorPayload } from './errors.js';
