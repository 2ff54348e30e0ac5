// The dashboard protocol: one definition imported by the UI and by every host (GitLens-style).
// Nothing here may import Node, Electron or VS Code: the UI bundle includes it.
export * from './models.js';
export * from './bench.js';
export * from './requests.js';
export * from './events.js';
export * from './messages.js';
export * from './client.js';
export * from './fields.js';
export * from './bridge.js';
