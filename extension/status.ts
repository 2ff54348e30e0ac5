// The status-bar item: the worst health across profiles; clicking it opens the dashboard.
import * as vscode from 'vscode';
import type { Model } from './model.js';
import { explain } from './explain.js';

export function createStatusBar(model: Model): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('sitq.health', vscode.StatusBarAlignment.Left, 10);
  item.name = 'sitq health';
  item.command = 'sitq.openDashboard';
  const update = () => {
    const core = model.coreState;
    if (core.state === 'failed') {
      item.text = '$(error) sitq';
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      item.tooltip = `The sitq core is not running: ${core.reason}`;
      // Screen readers read this, not the text with its $(icon) names.
      item.accessibilityInformation = { label: 'sitq: the core is not running', role: 'button' };
      return item.show();
    }
    if (model.profiles.length === 0) return item.hide();
    const worst = model.worstHealth();
    const status = worst?.status ?? 'unknown';
    const icon = { healthy: '$(pass-filled)', degraded: '$(warning)', unhealthy: '$(error)', unknown: '$(circle-outline)' }[status];
    item.text = `${icon} sitq`;
    item.accessibilityInformation = {
      label: `sitq: ${status === 'unknown' ? 'health not known yet' : `worst health ${status}`}; opens the dashboard`,
      role: 'button',
    };
    item.backgroundColor =
      status === 'unhealthy'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : status === 'degraded'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    const lines = model.profiles.map((p) => {
      const h = model.health.get(p.name);
      return `${p.name}: ${h ? `${h.status}${h.latencyMs !== undefined ? ` (${h.latencyMs} ms)` : ''}${h.error ? ` — ${explain(h.error, p.kind)}` : ''}` : 'checking…'}`;
    });
    item.tooltip = `sitq backends (click to open the dashboard)\n${lines.join('\n')}`;
    item.show();
  };
  model.on('health', update);
  model.on('profiles', update);
  model.on('core', update);
  update();
  return item;
}
