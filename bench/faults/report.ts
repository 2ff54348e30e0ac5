// The fault run's table, as plain text for the terminal and as Markdown for the results file.
import type { FaultReport, FaultRow } from './types.js';

const seconds = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);

const HEAD = ['backend', 'scenario', 'tasks', 'lost', 'duplicates', 'time to recover', 'drained after', 'result'];

function cells(r: FaultRow): string[] {
  const dup = r.duplicates ? `${r.duplicates} (${r.extraRuns} extra runs)` : '0';
  return [r.backend, r.scenario, String(r.tasks), String(r.lost), dup, seconds(r.recoverMs), seconds(r.drainMs), r.pass ? 'pass' : 'FAIL'];
}

export function toTable(rows: readonly FaultRow[]): string {
  const table = [HEAD, ...rows.map(cells)];
  const widths = HEAD.map((_, i) => Math.max(...table.map((r) => r[i].length)));
  return table
    .map((r) =>
      r
        .map((c, i) => (i >= 2 && i <= 6 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function mdRow(values: readonly string[]): string {
  return `| ${values.map((v) => v.replace(/\|/g, '\\|')).join(' | ')} |`;
}

/** The table plus, per row, the checks and notes that explain it. */
export function toMarkdown(report: FaultReport): string {
  const lines: string[] = [];
  lines.push(`# sitq fault run, ${report.date.slice(0, 10)}`, '');
  lines.push(
    `Command: \`${report.command}\` (target: ${report.target === 'private' ? 'throwaway servers started by the run' : 'the standard loopback services'})`,
    '',
  );
  const m = report.machine;
  lines.push(
    `Machine: ${m.cpuModel}, ${m.cpus} cores, ${m.platform}; Node ${report.versions.node}; sitq ${report.versions.sitq}${report.versions.commit ? ` (${report.versions.commit})` : ''}`,
    '',
  );
  lines.push(`Servers: ${report.servers.map((s) => `${s.backend} ${s.version} (${s.address})`).join('; ') || 'none'}`, '');
  const s = report.settings;
  lines.push(
    `Load: ${s.tasks} tasks of ${s.taskMs} ms per run, ${s.workers} worker processes × concurrency ${s.concurrency}, lease ${s.lease} ms, drain limit ${s.drainTimeoutMs / 1000} s.`,
    '',
  );
  lines.push(mdRow(HEAD), mdRow(HEAD.map((_, i) => (i >= 2 && i <= 6 ? '---:' : '---'))));
  for (const r of report.rows) lines.push(mdRow(cells(r)));
  lines.push('', '## Details', '');
  for (const r of report.rows) {
    lines.push(`### ${r.backend} · ${r.scenario} — ${r.pass ? 'pass' : 'FAIL'}`, '');
    if (r.error) lines.push(`- run error: ${r.error}`);
    for (const c of r.checks) lines.push(`- ${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`);
    for (const n of r.notes) lines.push(`- ${n}`);
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
