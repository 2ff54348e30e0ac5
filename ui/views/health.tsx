// Per profile: a live chart of response time over the monitor's history, the status of each check,
// the score and the queue facts. New checks arrive as events.
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import type { HealthSample } from '../../shared/protocol/models.js';
import { Empty, Panel, Stat, StatusDot } from '../components/common.js';
import { UChart, axis, type ChartOptions, type Palette } from '../charts/uchart.js';
import { fmtAgo, fmtClock, fmtInt, fmtMs } from '../format.js';
import { useApp, useAppState } from '../state/app.js';

const KEEP = 240;

export function HealthView() {
  const app = useApp();
  const selected = useAppState((s) => s.selected);
  const health = useAppState((s) => s.health);
  const profiles = useAppState((s) => s.profiles);
  const [history, setHistory] = useState<HealthSample[]>([]);

  useEffect(() => {
    if (!selected) return;
    setHistory([]);
    let alive = true;
    void app.client.request('health.history', { profile: selected }).then((h) => alive && setHistory(h), () => {});
    const off = app.client.on('health', ({ health: h, sample }) => {
      if (h.profile === selected) setHistory((prev) => [...prev, sample].slice(-KEEP));
    });
    return () => {
      alive = false;
      off();
    };
  }, [selected]);

  const build = useCallback(
    (_w: number, p: Palette): ChartOptions => ({
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.2)] } },
      axes: [axis(p), axis(p, { label: 'ms', labelSize: 14, size: 50 })],
      series: [
        {},
        { label: 'response time', stroke: p.series[0], width: 2, fill: `${p.series[0]}22`, points: { show: true, size: 4 }, value: (_u, v) => (v == null ? '–' : `${v.toFixed(2)} ms`) },
        { label: 'failed check', stroke: p.bad, width: 0, paths: () => null, points: { show: true, size: 9, fill: p.bad, stroke: p.bad }, value: (_u, v) => (v == null ? '–' : 'failed') },
      ],
    }),
    [],
  );

  const data = useMemo((): uPlot.AlignedData => {
    const xs = history.map((s) => s.at / 1000);
    const latency = history.map((s) => (s.latencyMs === undefined ? null : s.latencyMs));
    const top = Math.max(1, ...history.map((s) => s.latencyMs ?? 0));
    const failed = history.map((s) => (s.status === 'unhealthy' ? top : null));
    return [xs, latency, failed];
  }, [history]);

  if (!selected) return <Empty title="Pick or add a profile first" />;
  const h = health[selected];

  return (
    <>
      <Panel title={`Health of ${selected}`} testid="health">
        <div class="stats">
          <Stat
            label="status"
            value={
              <span class={`status status-${h?.status ?? 'unknown'}`}>
                <StatusDot status={h?.status ?? 'unknown'} /> {h?.status ?? 'checking'}
              </span>
            }
          />
          <Stat label="score (0–100)" value={h ? String(h.score) : '–'} tone={h ? (h.score >= 90 ? 'good' : h.score >= 60 ? 'warn' : 'bad') : undefined} testid="health-score" />
          <Stat label="response time" value={fmtMs(h?.latencyMs)} />
          <Stat label="queue lag" value={h?.facts ? fmtMs(h.facts.lagMs) : '–'} hint="Age of the oldest pending task" />
          <Stat label="live workers" value={h?.facts ? fmtInt(h.facts.liveWorkers) : '–'} />
          <Stat label="dead tasks" value={h?.facts ? fmtInt(h.facts.deadTasks) : '–'} tone={h?.facts?.deadTasks ? 'bad' : undefined} />
          <Stat label="checked" value={fmtAgo(h?.checkedAt)} />
        </div>
        {h?.serverVersion && <p class="muted small">Server: {h.serverVersion}</p>}
        {h?.error && <p class="error-text">{h.error}</p>}
        <UChart build={build} data={data} height={240} testid="health-chart" />
        <div class="status-strip" aria-label="Status of recent checks" data-testid="status-strip">
          {history.map((s, i) => (
            <span key={i} class={`strip-cell strip-${s.status}`} title={`${fmtClock(s.at)} ${s.status}${s.latencyMs !== undefined ? ` ${s.latencyMs.toFixed(2)} ms` : ''}${s.error ? `: ${s.error}` : ''}`} />
          ))}
        </div>
        <p class="muted small">
          {history.length} check{history.length === 1 ? '' : 's'} shown. The score starts at 100; failed checks cost up to 50 points and slow answers up to 20, over this window.
        </p>
      </Panel>
      <Panel title="All profiles">
        <div class="health-grid">
          {profiles.map((p) => {
            const ph = health[p.name];
            return (
              <button key={p.name} class={`health-tile ${p.name === selected ? 'selected' : ''}`} onClick={() => app.select(p.name)}>
                <StatusDot status={ph?.status ?? 'unknown'} />
                <span class="strong">{p.name}</span>
                <span class="muted">{fmtMs(ph?.latencyMs)}</span>
                <span class={`score ${ph ? (ph.score >= 90 ? 'good' : ph.score >= 60 ? 'warn' : 'bad') : ''}`}>{ph?.score ?? '–'}</span>
              </button>
            );
          })}
        </div>
      </Panel>
    </>
  );
}
