// A profile made in the dashboard (e.g. the `.sitq/queue.db` SQLite preset) should just work: the
// backend's registration creates what the profile explicitly names on this machine (a SQLite
// file's folder) before connecting.
import { optionsOf, registrationOf, type BackendConfig } from '../backends/index.js';

export function ensureLocalFolder(config: BackendConfig): void {
  registrationOf(config.type).prepareLocal?.(optionsOf(config));
}
