// The Workers view: workers started from this editor, with their live numbers; stop from the row.
import * as vscode from 'vscode';
import type { LocalWorkerView } from '../../shared/protocol/models.js';
import type { Model } from '../model.js';
import { CalmTree } from './calm.js';

const STATE_ICON: Record<LocalWorkerView['state'], [string, string | undefined]> = {
  starting: ['loading~spin', undefined],
  running: ['play-circle', 'testing.iconPassed'],
  stopping: ['loading~spin', undefined],
  stopped: ['debug-stop', undefined],
  failed: ['error', 'testing.iconFailed'],
};

export class WorkerNode extends vscode.TreeItem {
  readonly parent = undefined;
  declare id: string;
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
    this.command = { command: 'sitq.showWorkerLog', title: 'Show Worker Log', arguments: [this] };
  }
}

export class WorkersProvider extends CalmTree<WorkerNode> {
  constructor(private readonly model: Model) {
    super('workers');
    model.on('workers', () => this.workersChanged());
  }

  protected children(node?: WorkerNode): WorkerNode[] {
    if (node) return [];
    return this.keepChildren(
      undefined,
      this.model.workers.map((w) => new WorkerNode(w)),
    );
  }

  /** The whole list when workers came or went, else only the rows whose numbers changed. */
  private workersChanged(): void {
    this.update(
      undefined,
      this.model.workers.map((w) => new WorkerNode(w)),
    );
  }
}
