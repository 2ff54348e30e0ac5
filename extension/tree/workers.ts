// The Workers view: workers started from this editor, with their live numbers; stop from the row.
import * as vscode from 'vscode';
import type { LocalWorkerView } from '../../shared/protocol/models.js';
import type { Model } from '../core/model.js';

const STATE_ICON: Record<LocalWorkerView['state'], [string, string | undefined]> = {
  starting: ['loading~spin', undefined],
  running: ['play-circle', 'testing.iconPassed'],
  stopping: ['loading~spin', undefined],
  stopped: ['debug-stop', undefined],
  failed: ['error', 'testing.iconFailed'],
};

export class WorkerNode extends vscode.TreeItem {
  constructor(readonly worker: LocalWorkerView) {
    super(`${worker.profile} · ${worker.queues.join(', ')}`, vscode.TreeItemCollapsibleState.None);
    this.id = `worker:${worker.id}`;
    const w = worker;
    this.description =
      w.state === 'running' || w.state === 'stopping'
        ? `${w.running} running · ${w.succeeded} done · ${w.failed} failed · ${w.ratePerSec.toFixed(0)}/s`
        : `${w.state}${w.error ? `: ${w.error}` : ''} · ${w.succeeded} done · ${w.failed} failed`;
    const [icon, color] = STATE_ICON[w.state];
    this.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    this.contextValue = w.state === 'running' || w.state === 'starting' ? 'sitq.worker.running' : 'sitq.worker.stopped';
    this.tooltip = [
      `Worker ${w.id} on ${w.profile}`,
      `queues: ${w.queues.join(', ')} · concurrency ${w.concurrency}`,
      w.taskModule ? `tasks: ${w.taskModule}` : 'tasks: built-in test tasks',
      `started ${new Date(w.startedAt).toLocaleTimeString()}`,
      w.error ? `error: ${w.error}` : '',
    ]
      .filter(Boolean)
      .join('\n');
    this.command = { command: 'sitq.showLog', title: 'Show log' };
  }
}

export class WorkersProvider implements vscode.TreeDataProvider<WorkerNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<WorkerNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly model: Model) {
    model.on('workers', () => this.changed.fire(undefined));
  }

  getTreeItem(node: WorkerNode): vscode.TreeItem {
    return node;
  }

  getChildren(node?: WorkerNode): WorkerNode[] {
    if (node) return [];
    return this.model.workers.map((w) => new WorkerNode(w));
  }

  dispose(): void {
    this.changed.dispose();
  }
}
