// The Benchmarks view: past and running benchmark runs; selecting one opens its results.
import * as vscode from 'vscode';
import type { BenchRunSummary } from '../../shared/protocol/bench.js';
import type { Model } from '../model.js';
import { CalmTree } from './calm.js';

export class BenchNode extends vscode.TreeItem {
  readonly parent = undefined;
  declare id: string;
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

/** `warmup 45%`: the phase and its share; the profile only when the run covers several (the
 *  row and the notification's title already name a single one). */
export function progressText(run: BenchRunSummary): string {
  const p = run.progress;
  if (!p) return 'running';
  const share = p.total ? ` ${Math.round((p.done / p.total) * 100)}%` : '';
  const phase = p.phase.replace(/-/g, ' ');
  return run.profiles.length > 1 ? `${p.profile}: ${phase}${share}` : `${phase}${share}`;
}

export class BenchmarksProvider extends CalmTree<BenchNode> {
  constructor(private readonly model: Model) {
    super('benchmarks');
    model.on('bench', () => this.runsChanged());
    model.on('profiles', () => this.runsChanged());
  }

  protected children(node?: BenchNode): BenchNode[] {
    if (node) return [];
    return this.keepChildren(
      undefined,
      this.model.benchRuns.map((r) => new BenchNode(r)),
    );
  }

  private runsChanged(): void {
    this.update(
      undefined,
      this.model.benchRuns.map((r) => new BenchNode(r)),
    );
  }
}
