// Benchmarks: run one (progress, cancel), read the result as a table and charts, compare it with an
// earlier run, export it as JSON, CSV or Markdown.
import { useEffect, useState } from 'preact/hooks';
import type { BenchRunSummary, BenchRunView, ExportFormat, FigureChange, RunComparison } from '../../shared/protocol/bench.js';
import { saveFile } from '../bridge/index.js';
import { Banner, Empty, Field, Panel, TableWrap } from '../components/common.js';
import { fmtDuration, fmtInt, fmtMs, fmtTime } from '../format.js';
import { useApp, useAppState } from '../state/app.js';
import { LatencyChart, ResultsTable, SweepHeatmap, ThroughputChart } from './bench-charts.js';

export function BenchView() {
  const runs = useAppState((s) => s.benchRuns);
  const [openId, setOpenId] = useState<string | null>(null);
  const running = runs.find((r) => r.state === 'running');
  const shown = openId ?? runs.find((r) => r.state === 'done')?.id ?? null;

  return (
    <div class="bench-layout">
      <div class="bench-side">
        <RunForm disabled={!!running} onStarted={(id) => setOpenId(id)} />
        {running && <Progress run={running} />}
        <Panel title="Runs" testid="bench-runs" actions={<ImportReport onImported={(id) => setOpenId(id)} />}>
          {runs.length === 0 ? (
            <p class="muted">No runs yet.</p>
          ) : (
            <ul class="run-list">
              {runs.map((r) => (
                <li key={r.id}>
                  <button
                    class={`run-item ${shown === r.id ? 'selected' : ''}`}
                    onClick={() => setOpenId(r.id)}
                    data-testid="bench-run-item"
                    data-state={r.state}
                  >
                    <span class={`badge run-${r.state}`}>{r.state}</span>
                    <span>{r.profiles.join(', ')}</span>
                    <span class="muted small">{fmtTime(r.startedAt)}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </Panel>
      </div>
      <div class="bench-main">
        {shown ? <RunResult id={shown} runs={runs} /> : <Empty title="Run a benchmark to see its results here" />}
      </div>
    </div>
  );
}

/** Loads a report saved earlier (an exported JSON, or `sitq bench --out`) to compare with. */
function ImportReport({ onImported }: { onImported: (id: string) => void }) {
  const app = useApp();
  const pick = async (e: Event) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    try {
      const run = await app.client.request('bench.import', { json: await file.text() }, { timeoutMs: 60_000 });
      app.toast('success', `Imported ${file.name}`);
      onImported(run.id);
    } catch (err) {
      app.toast('error', `Could not import ${file.name}: ${(err as Error).message}`);
    }
  };
  return (
    <label class="file-button" title="Load a saved benchmark report (JSON)">
      Import…
      <input type="file" accept=".json,application/json" onChange={pick} data-testid="bench-import" />
    </label>
  );
}

function RunForm({ disabled, onStarted }: { disabled: boolean; onStarted: (id: string) => void }) {
  const app = useApp();
  const profiles = useAppState((s) => s.profiles);
  const selected = useAppState((s) => s.selected);
  const [chosen, setChosen] = useState<string[]>(selected ? [selected] : []);
  const [tasks, setTasks] = useState('2000');
  const [concurrency, setConcurrency] = useState('10');
  const [payloadBytes, setPayloadBytes] = useState('64');
  const [floor, setFloor] = useState(true);
  const [sweep, setSweep] = useState(false);
  const [cells, setCells] = useState('2000');
  const [busy, setBusy] = useState(false);
  const int = (s: string, min: number, max: number) => /^\d+$/.test(s) && Number(s) >= min && Number(s) <= max;
  const errors = {
    tasks: int(tasks, 1, 10_000_000) ? undefined : 'expected a whole number from 1 to 10,000,000',
    concurrency: int(concurrency, 1, 10_000) ? undefined : 'expected a whole number from 1 to 10,000',
    payloadBytes: int(payloadBytes, 0, 16 * 1024 * 1024) ? undefined : 'expected a size in bytes (0 to 16 MiB)',
    cells: !sweep || int(cells, 1, 1_000_000) ? undefined : 'expected a whole number from 1 to 1,000,000',
  };
  const valid = chosen.length > 0 && Object.values(errors).every((e) => e === undefined);

  const start = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const options = { tasks: Number(tasks), concurrency: Number(concurrency), payloadBytes: Number(payloadBytes), floor };
      const run = await app.client.request(
        'bench.start',
        sweep ? { profiles: chosen, options, sweep, sweepTasksPerCell: Number(cells) } : { profiles: chosen, options, sweep },
      );
      onStarted(run.id);
    } catch (err) {
      app.toast('error', `Could not start the benchmark: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Panel title="Run a benchmark" testid="bench-form">
      <form onSubmit={start} novalidate>
        <fieldset class="checks">
          <legend>Profiles (measured one after another)</legend>
          {profiles.map((p) => (
            <label key={p.name} class="inline-check">
              <input
                type="checkbox"
                checked={chosen.includes(p.name)}
                onChange={(e) =>
                  setChosen((c) => ((e.target as HTMLInputElement).checked ? [...c, p.name] : c.filter((x) => x !== p.name)))
                }
                data-testid={`bench-profile-${p.name}`}
              />
              {p.name}
            </label>
          ))}
        </fieldset>
        <div class="form-grid compact">
          <Field label="Tasks" error={errors.tasks} htmlFor="bn-tasks">
            <input
              id="bn-tasks"
              inputMode="numeric"
              value={tasks}
              onInput={(e) => setTasks((e.target as HTMLInputElement).value)}
              data-testid="bench-tasks"
            />
          </Field>
          <Field label="Concurrency" error={errors.concurrency} htmlFor="bn-conc">
            <input
              id="bn-conc"
              inputMode="numeric"
              value={concurrency}
              onInput={(e) => setConcurrency((e.target as HTMLInputElement).value)}
            />
          </Field>
          <Field label="Payload bytes" error={errors.payloadBytes} htmlFor="bn-bytes">
            <input
              id="bn-bytes"
              inputMode="numeric"
              value={payloadBytes}
              onInput={(e) => setPayloadBytes((e.target as HTMLInputElement).value)}
            />
          </Field>
        </div>
        <label class="inline-check">
          <input type="checkbox" checked={floor} onChange={(e) => setFloor((e.target as HTMLInputElement).checked)} /> measure the raw floor
          too
        </label>
        <label class="inline-check">
          <input
            type="checkbox"
            checked={sweep}
            onChange={(e) => setSweep((e.target as HTMLInputElement).checked)}
            data-testid="bench-sweep"
          />{' '}
          sweep pool sizes
        </label>
        {sweep && (
          <Field label="Sweep: tasks per cell" error={errors.cells} help="Pool sizes 1–50 × 5–50 enqueues in flight" htmlFor="bn-cells">
            <input
              id="bn-cells"
              inputMode="numeric"
              value={cells}
              onInput={(e) => setCells((e.target as HTMLInputElement).value)}
              data-testid="bench-sweep-cells"
            />
          </Field>
        )}
        <div class="form-actions">
          <button class="primary" type="submit" disabled={disabled || busy || !valid} data-testid="bench-start">
            {disabled ? 'A run is in progress' : 'Run benchmark'}
          </button>
        </div>
      </form>
    </Panel>
  );
}

function Progress({ run }: { run: BenchRunSummary }) {
  const app = useApp();
  const p = run.progress;
  return (
    <Panel title="Running" testid="bench-progress">
      <div class="progress-line">
        <span class="strong">{p ? `${p.profile}: ${p.phase}` : 'starting'}</span>
        <span class="muted">{p ? `${fmtInt(p.done)} / ${fmtInt(p.total)} · ${fmtDuration(p.elapsedMs)}` : ''}</span>
      </div>
      <progress max={p?.total || 1} value={p?.done ?? 0} />
      <div class="form-actions">
        <button
          class="danger-text"
          onClick={() => void app.client.request('bench.cancel', { id: run.id }).catch((err: Error) => app.toast('error', err.message))}
          data-testid="bench-cancel"
        >
          Cancel run
        </button>
      </div>
    </Panel>
  );
}

function RunResult({ id, runs }: { id: string; runs: BenchRunSummary[] }) {
  const app = useApp();
  const summary = runs.find((r) => r.id === id);
  const [run, setRun] = useState<BenchRunView | null>(null);
  const [earlier, setEarlier] = useState('');
  const [comparison, setComparison] = useState<RunComparison | null>(null);

  useEffect(() => {
    setRun(null);
    void app.client.request('bench.get', { id }).then(setRun, () => setRun(null));
  }, [id, summary?.state]);

  useEffect(() => {
    setComparison(null);
    if (!earlier) return;
    void app.client
      .request('bench.compare', { id, earlierId: earlier })
      .then(setComparison, (err: Error) => app.toast('error', err.message));
  }, [id, earlier]);

  const exportAs = async (format: ExportFormat) => {
    try {
      saveFile(await app.client.request('bench.export', { id, format }));
    } catch (err) {
      app.toast('error', `Export failed: ${(err as Error).message}`);
    }
  };

  if (!run) return <p class="muted">Loading…</p>;
  if (run.state === 'running') return <Empty title="This run is in progress" />;
  if (!run.report) {
    return (
      <Banner kind={run.state === 'failed' ? 'error' : 'info'}>
        {run.state === 'cancelled' ? 'This run was cancelled.' : `This run failed: ${run.error ?? 'unknown error'}`}
      </Banner>
    );
  }
  const report = run.report;
  const others = runs.filter((r) => r.id !== id && r.state === 'done');

  return (
    <>
      <Panel
        title={`Run of ${fmtTime(Date.parse(report.date))}`}
        testid="bench-result"
        actions={
          <>
            <button onClick={() => exportAs('csv')} data-testid="export-csv">
              CSV
            </button>
            <button onClick={() => exportAs('json')} data-testid="export-json">
              JSON
            </button>
            <button onClick={() => exportAs('markdown')} data-testid="export-md">
              Markdown
            </button>
          </>
        }
      >
        <p class="muted small">
          {report.settings
            ? `${fmtInt(report.settings.tasks)} × ${report.settings.task}, concurrency ${report.settings.concurrency}, ${report.settings.payloadBytes} B payload · `
            : ''}
          {report.machine.cpuModel} × {report.machine.cpus} · Node {report.versions.node}
        </p>
        {run.error && <Banner kind="warning">{run.error}</Banner>}
        {report.skipped.map((s) => (
          <Banner kind="error" key={s.profile}>
            {s.profile} was skipped: {s.reason}
          </Banner>
        ))}
        {report.results.length > 0 && <ResultsTable report={report} />}
      </Panel>
      {report.results.length > 0 && (
        <div class="chart-grid">
          <Panel title="Throughput per profile">
            <ThroughputChart results={report.results} />
          </Panel>
          <Panel title="Idle latency, enqueue → start">
            <LatencyChart results={report.results} which="idle" />
          </Panel>
          <Panel title="Backlog latency, enqueue → start">
            <LatencyChart results={report.results} which="processing" />
          </Panel>
        </div>
      )}
      {report.sweeps.length > 0 && (
        <Panel title="Pool sweep (enqueue tasks / s)">
          {report.sweeps.map((s) => (
            <SweepHeatmap key={s.profile} sweep={s} />
          ))}
        </Panel>
      )}
      <Panel
        title="Compare with an earlier run"
        actions={
          <select value={earlier} onChange={(e) => setEarlier((e.target as HTMLSelectElement).value)} data-testid="compare-select">
            <option value="">choose a run…</option>
            {others.map((r) => (
              <option key={r.id} value={r.id}>
                {fmtTime(r.startedAt)} · {r.profiles.join(', ')}
              </option>
            ))}
          </select>
        }
      >
        {!comparison ? (
          <p class="muted">{others.length ? 'Pick an earlier run to see what changed.' : 'No other finished run to compare with.'}</p>
        ) : (
          <Comparison comparison={comparison} />
        )}
      </Panel>
    </>
  );
}

/** A figure in its unit, with the precision that unit deserves. */
export function fmtFigure(value: number, unit: FigureChange['unit']): string {
  switch (unit) {
    case 'ms':
      return fmtMs(value);
    case '/s':
      return `${fmtInt(value)}/s`;
    case 'x':
      return `${value.toFixed(2)}×`;
    case 'share':
      return `${(value * 100).toFixed(1)} %`;
    case 'MiB':
      return `${value.toFixed(1)} MiB`;
    default:
      return fmtInt(value);
  }
}

/** Leads with a verdict and any difference in workload, then the figures by group: a change
 *  within the runs' own spread is marked as noise and not coloured. */
function Comparison({ comparison }: { comparison: RunComparison }) {
  const [showNoise, setShowNoise] = useState(false);
  const groups = new Map<string, FigureChange[]>();
  for (const c of comparison.changes) {
    const key = `${c.profile} · ${c.group}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const noise = comparison.changes.filter((c) => c.noise).length;
  return (
    <div class="comparison" data-testid="comparison">
      <div class={`verdict verdict-${comparison.verdict.tone}`} data-testid="comparison-verdict">
        <span class="strong">{VERDICT_TITLES[comparison.verdict.tone]}</span> {comparison.verdict.text}
      </div>
      {comparison.workloadDifferences.length > 0 && (
        <Banner kind="warning" testid="comparison-workload">
          The two runs did not measure the same thing, so their figures are not directly comparable:{' '}
          {comparison.workloadDifferences.join('; ')}.
        </Banner>
      )}
      {comparison.unmatched.length > 0 && <p class="muted small">In one run only: {comparison.unmatched.join(', ')}</p>}
      <label class="inline-check small">
        <input
          type="checkbox"
          checked={showNoise}
          onChange={(e) => setShowNoise((e.target as HTMLInputElement).checked)}
          data-testid="comparison-show-noise"
        />{' '}
        show the {noise} figure{noise === 1 ? '' : 's'} that moved only within the runs' spread
      </label>
      {[...groups].map(([title, changes]) => {
        const shown = showNoise ? changes : changes.filter((c) => !c.noise);
        if (shown.length === 0) return null;
        return (
          <section key={title} class="comparison-group">
            <h3>{title}</h3>
            <TableWrap>
              <table class="table compare-table">
                <thead>
                  <tr>
                    <th>Figure</th>
                    <th class="num">Earlier</th>
                    <th class="num">Now</th>
                    <th class="num">Change</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((c) => (
                    <tr key={c.figure} data-testid="comparison-row" data-noise={String(c.noise)}>
                      <td class="card-main">{c.label}</td>
                      <td class="num" data-label="Earlier">
                        {fmtFigure(c.earlier, c.unit)}
                      </td>
                      <td class="num" data-label="Now">
                        {fmtFigure(c.current, c.unit)}
                      </td>
                      <td
                        class={`num ${c.noise || c.better === undefined ? 'muted' : c.better ? 'ok-text' : 'error-text'}`}
                        data-label="Change"
                      >
                        {c.changePct === undefined
                          ? '–'
                          : `${c.changePct > 0 ? '+' : ''}${Math.abs(c.changePct) >= 100 ? Math.round(c.changePct) : c.changePct.toFixed(1)} %`}
                        {c.noise && c.changePct ? ' · noise' : c.better === true ? ' · better' : c.better === false ? ' · worse' : ''}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          </section>
        );
      })}
    </div>
  );
}

const VERDICT_TITLES: Record<RunComparison['verdict']['tone'], string> = {
  better: 'Better.',
  worse: 'Worse.',
  mixed: 'Mixed.',
  same: 'No real change.',
};
