// What every command and view needs, handed around instead of globals.
import type * as vscode from 'vscode';
import type { Model } from './model.js';
import type { CoreClient } from '../shared/host/client.js';
import type { BackendsProvider } from './tree/backends.js';
import type { TaskLogDocuments } from './task-log.js';

export interface Ctx {
  extension: vscode.ExtensionContext;
  core: CoreClient;
  model: Model;
  log: vscode.LogOutputChannel;
  backends: BackendsProvider;
  /** The sitq-log: documents (Show Task Log). */
  taskLogs: TaskLogDocuments;
  /** Opens (or reveals) the dashboard webview, optionally on a screen such as `bench/<id>`. */
  openDashboard(route?: string): Promise<void>;
}
