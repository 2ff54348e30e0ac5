// Per profile: the state first (an unreachable server says so, since when, and why), then the
// score and the queue facts, a live chart of response time over the monitor's history with failed
// checks drawn as marks on their own band (they have no response time), and the status of each
// check. New checks arrive as events.
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import type { HealthSample, HealthStatus } from '../../shared/protocol/models.js';
import { Empty, Panel, Stat, StatusDot } from '../components/common.js';
import { UChart, axis, type ChartOptions, type Palette } from '../charts/uchart.js';
import { fmtAgo, fmtClock, fmtInt, fmtMs } from '../format.js';
import { useApp, useAppState } from '../state/app.js';
import { HealthThroughput } from './throughput.js';

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
    void app.client.request('health.history', { profile: selected }).then(
      (h) => alive && setHistory(h),
      () => {},
    );
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
      // Failed checks live on their own 0..1 scale (no axis), drawn as marks along the bottom: they
      // have no response time, so they must not look like one on the milliseconds axis.
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, (max ?? 1) * 1.2)] }, failed: { range: [0, 1] } },
      axes: [
        axis(p),
        // No answered check: no milliseconds to show, so the axis stays unnumbered.
        axis(p, {
          label: 'ms (answered checks)',
          labelSize: 14,
          size: 50,
          values: (u, vals) => vals.map((v) => (v == null || !u.data[1]?.some((x) => x != null) ? '' : String(+v.toFixed(2)))),
        }),
      ],
      series: [
        {},
        {
          label: 'response time',
          stroke: p.series[0],
          width: 2,
          fill: `${p.series[0]}22`,
          points: { show: true, size: 4 },
          value: (_u, v) => (v == null ? '–' : `${v.toFixed(2)} ms`),
        },
        {
          label: 'failed check (no answer)',
          scale: 'failed',
          stroke: p.bad,
          width: 0,
          paths: () => null,
          points: { show: true, size: 10, fill: p.bad, stroke: p.bad },
          value: (_u, v) => (v == null ? '–' : 'no answer'),
        },
      ],
    }),
    [],
  );

  const data = useMemo((): uPlot.AlignedData => {
    const xs = history.map((s) => s.at / 1000);
    const latency = history.map((s) => (s.latencyMs === undefined ? null : s.latencyMs));
    const failed = history.map((s) => (s.status === 'unhealthy' ? 0.04 : null));
    return [xs, latency, failed];
  }, [history]);

  if (!selected) return <Empty title="Pick or add a profile first" />;
  const h = health[selected];
  const answered = history.filter((s) => s.latencyMs !== undefined);
  const average = answered.length ? answered.reduce((n, s) => n + (s.latencyMs ?? 0), 0) / answered.length : undefined;
  // The trailing run of failed checks: how long the server has been unreachable.
  let streak = 0;
  while (streak < history.length && history[history.length - 1 - streak].status === 'unhealthy') streak++;
  const since = streak > 0 ? history[history.length - streak].at : undefined;

  return (
    <>
      <Panel title={`Health of ${selected}`} testid="health">
        <HealthState status={h?.status} error={h?.error} streak={streak} since={since} latencyMs={h?.latencyMs} />
        <div class="stats">
          <Stat
            label="score (0–100)"
            value={h ? String(h.score) : '–'}
            tone={h ? (h.score >= 90 ? 'good' : h.score >= 60 ? 'warn' : 'bad') : undefined}
            testid="health-score"
          />
          <Stat
            label={`avg response, ${answered.length} answered`}
            value={average === undefined ? 'no answer' : fmtMs(average)}
            hint={
              average === undefined
                ? 'No check in this window got an answer, so there is no response time to average'
                : 'Mean response time of the checks that answered, over the window shown'
            }
            testid="health-average"
          />
          <Stat label="queue lag" value={h?.facts ? fmtMs(h.facts.lagMs) : '–'} hint="Age of the oldest pending task" />
          <Stat label="live workers" value={h?.facts ? fmtInt(h.facts.liveWorkers) : '–'} />
          <Stat label="dead tasks" value={h?.facts ? fmtInt(h.facts.deadTasks) : '–'} tone={h?.facts?.deadTasks ? 'bad' : undefined} />
          <Stat label="checked" value={fmtAgo(h?.checkedAt)} />
        </div>
        {h?.serverVersion && <p class="muted small">Server: {h.serverVersion}</p>}
        <div class="chart-grid health-charts">
          <figure class="chart-box">
            <figcaption>Response time</figcaption>
            <UChart build={build} data={data} height={240} testid="health-chart" />
          </figure>
          <HealthThroughput profile={selected} />
        </div>
        <div class="status-strip" aria-label="Status of recent checks" data-testid="status-strip">
          {history.map((s, i) => (
            <span
              key={i}
              class={`strip-cell strip-${s.status}`}
              title={`${fmtClock(s.at)} ${s.status}${s.latencyMs !== undefined ? ` ${s.latencyMs.toFixed(2)} ms` : ''}${s.error ? `: ${s.error}` : ''}`}
            />
          ))}
        </div>
        <p class="muted small">
          {history.length} check{history.length === 1 ? '' : 's'} shown, {history.length - answered.length} without an answer (red marks
          along the bottom). The score is 100 − 50 × the share of failed checks − 20 × the share of slow ones, since monitoring began: a
          server that never answers scores 50.
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

/** The profile's state in words, first: what a user needs before any figure. */
function HealthState({
  status,
  error,
  streak,
  since,
  latencyMs,
}: {
  status: HealthStatus | undefined;
  error?: string;
  streak: number;
  since?: number;
  latencyMs?: number;
}) {
  const state = status ?? 'unknown';
  const headline =
    state === 'unhealthy'
      ? `Unreachable${since ? ` since ${fmtClock(since)}` : ''}`
      : state === 'degraded'
        ? 'Answering, but slowly'
        : state === 'healthy'
          ? 'Healthy'
          : 'Checking…';
  const detail =
    state === 'unhealthy'
      ? `${streak} check${streak === 1 ? '' : 's'} in a row got no answer${error ? `: ${error}` : ''}`
      : state === 'healthy' || state === 'degraded'
        ? `last check answered in ${fmtMs(latencyMs)}${error ? ` (${error})` : ''}`
        : 'the first check has not finished yet';
  return (
    <div class={`health-state health-state-${state}`} role="status" data-testid="health-state" data-status={state}>
      <StatusDot status={state} />
      <span class={`health-headline status-${state}`}>{headline}</span>
      <span class="health-detail">{detail}</span>
    </div>
  );
}
