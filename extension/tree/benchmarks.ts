// The Benchmarks view: past and running benchmark runs; selecting one opens its results.
import * as vscode from 'vscode';
import type { BenchRunSummary } from '../../shared/protocol/bench.js';
import type { Model } from '../core/model.js';

export class BenchNode extends vscode.TreeItem {
  constructor(readonly run: BenchRunSummary) {
    super(`${new Date(run.startedAt).toLocaleString()} · ${run.profiles.join(', ')}`, vscode.TreeItemCollapsibleState.None);
    this.id = `bench:${run.id}`;
    const icon = { running: 'loading~spin', done: 'graph', cancelled: 'circle-slash', failed: 'error' }[run.state];
    this.iconPath = new vscode.ThemeIcon(icon, run.state === 'failed' ? new vscode.ThemeColor('testing.iconFailed') : undefined);
    this.description = run.state === 'running' ? progressText(run) : run.state === 'failed' ? `failed: ${run.error ?? ''}` : run.state;
    this.contextValue = run.state === 'running' ? 'sitq.bench.running' : 'sitq.bench.finished';
    this.tooltip = `${run.id}\n${run.profiles.join(', ')}\n${run.state}${run.error ? `: ${run.error}` : ''}`;
    this.command = { command: 'sitq.openBenchmark', title: 'Open results', arguments: [this] };
  }
}

function progressText(run: BenchRunSummary): string {
  const p = run.progress;
  if (!p) return 'running';
  const share = p.total ? ` ${Math.round((p.done / p.total) * 100)}%` : '';
  return `${p.profile}: ${p.phase}${share}`;
}

export class BenchmarksProvider implements vscode.TreeDataProvider<BenchNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<BenchNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly model: Model) {
    model.on('bench', () => this.changed.fire(undefined));
    model.on('profiles', () => this.changed.fire(undefined));
  }

  getTreeItem(node: BenchNode): vscode.TreeItem {
    return node;
  }

  getChildren(node?: BenchNode): BenchNode[] {
    if (node) return [];
    return this.model.benchRuns.map((r) => new BenchNode(r));
  }

  dispose(): void {
    this.changed.dispose();
  }
}
