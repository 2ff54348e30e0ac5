// Local workers started from here (live numbers and log, graceful or forced stop) and every worker
// the backend knows about (any process, from their heartbeats).
import { useEffect, useRef, useState } from 'preact/hooks';
import { checkTypedQueueList } from '../../shared/core/rules.js';
import type { LocalWorkerView } from '../../shared/protocol/models.js';
import { Empty, Field, Panel, Stat, StatusDot, TableWrap } from '../components/common.js';
import { useConfirm } from '../components/modal.js';
import { fmtAgo, fmtClock, fmtInt, fmtRate } from '../format.js';
import { useApp, useAppState } from '../state/app.js';

export function WorkersView() {
  const app = useApp();
  const selected = useAppState((s) => s.selected);
  const workers = useAppState((s) => s.workers);
  const snap = useAppState((s) => s.queues);
  const [openLog, setOpenLog] = useState<string | null>(null);
  const live = workers.filter((w) => w.state !== 'stopped' && w.state !== 'failed');
  const done = workers.filter((w) => w.state === 'stopped' || w.state === 'failed');
  const registered = snap?.profile === selected ? snap.workers : [];

  return (
    <>
      {selected ? <StartWorker profile={selected} /> : <Empty title="Pick or add a profile first" />}
      <Panel
        title="Local workers"
        testid="local-workers"
        actions={
          done.length > 0 && (
            <button
              onClick={() =>
                void app.client.request('workers.clear', {}).then(
                  (r) => app.toast('success', `Cleared ${r.cleared} stopped worker(s)`),
                  (err: Error) => app.toast('error', err.message),
                )
              }
              data-testid="workers-clear"
            >
              Clear {done.length} stopped
            </button>
          )
        }
      >
        {workers.length === 0 ? (
          <Empty title="No local worker has been started">
            <p>Start one above; it runs in this host on its own thread.</p>
          </Empty>
        ) : (
          <div class="worker-cards">
            {[...live, ...done.reverse()].map((w) => (
              <WorkerCard key={w.id} w={w} logOpen={openLog === w.id} toggleLog={() => setOpenLog(openLog === w.id ? null : w.id)} />
            ))}
          </div>
        )}
      </Panel>
      {selected && (
        <Panel title={`Workers registered in ${selected}`} testid="registered-workers">
          {registered.length === 0 ? (
            <p class="muted">No live worker heartbeats in this backend.</p>
          ) : (
            <TableWrap>
              <table class="table">
                <thead>
                  <tr>
                    <th>Worker</th>
                    <th>Host / pid</th>
                    <th>Queues</th>
                    <th class="num">Concurrency</th>
                    <th class="num">Running</th>
                    <th class="num">Succeeded</th>
                    <th class="num">Failed</th>
                    <th>Started</th>
                    <th>Seen</th>
                  </tr>
                </thead>
                <tbody>
                  {registered.map((w) => (
                    <tr key={w.id}>
                      <td class="mono card-main">{w.id}</td>
                      <td data-label="Host / pid">
                        {w.hostname} / {w.pid}
                      </td>
                      <td data-label="Queues">{w.queues.join(', ')}</td>
                      <td class="num card-line2" data-label="Concurrency">
                        {w.concurrency}
                      </td>
                      <td class="num card-line2" data-label="Running">
                        {w.running}
                      </td>
                      <td class="num card-line2" data-label="Succeeded">
                        {fmtInt(w.processed)}
                      </td>
                      <td class="num card-line2" data-label="Failed">
                        {fmtInt(w.failed)}
                      </td>
                      <td class="small card-line2" data-label="Started">
                        {fmtAgo(w.startedAt)}
                      </td>
                      <td class="small card-line2" data-label="Seen">
                        {fmtAgo(w.seenAt)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
        </Panel>
      )}
    </>
  );
}

function StartWorker({ profile }: { profile: string }) {
  const app = useApp();
  const snap = useAppState((s) => s.queues);
  const [queues, setQueues] = useState('default');
  const [concurrency, setConcurrency] = useState('10');
  const [module, setModule] = useState('');
  const [busy, setBusy] = useState(false);
  const names = queues
    .split(',')
    .map((q) => q.trim())
    .filter(Boolean);
  // The core's own rule (shared/core/rules.ts), as the worker applies it.
  const queueError = names.length === 0 ? 'expected at least one queue' : checkTypedQueueList(names.join(','));
  const n = Number(concurrency);
  const concurrencyError = /^\d+$/.test(concurrency) && n >= 1 && n <= 10_000 ? undefined : 'expected a whole number from 1 to 10,000';
  const known = snap?.profile === profile ? snap.queues.map((q) => q.queue) : [];

  const start = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const w = await app.client.request('workers.start', {
        profile,
        queues: names,
        concurrency: n,
        ...(module.trim() ? { taskModule: module.trim() } : {}),
      });
      app.toast('success', `Worker ${w.id} starting on ${profile}`);
    } catch (err) {
      app.toast('error', `Could not start a worker: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Panel title={`Start a local worker on ${profile}`} testid="start-worker">
      <form class="form-grid" onSubmit={start} novalidate>
        <Field
          label="Queues (comma-separated)"
          error={queueError}
          help={known.length ? `Known: ${known.join(', ')}` : undefined}
          htmlFor="wk-queues"
        >
          <input
            id="wk-queues"
            value={queues}
            onInput={(e) => setQueues((e.target as HTMLInputElement).value)}
            data-testid="worker-queues"
          />
        </Field>
        <Field label="Concurrency" error={concurrencyError} htmlFor="wk-conc">
          <input
            id="wk-conc"
            inputMode="numeric"
            value={concurrency}
            onInput={(e) => setConcurrency((e.target as HTMLInputElement).value)}
            data-testid="worker-concurrency"
          />
        </Field>
        <Field
          label="Task module (optional)"
          help="A .js file exporting defineTask(...) definitions; the built-in test tasks are always known."
          htmlFor="wk-mod"
        >
          <input
            id="wk-mod"
            value={module}
            placeholder="/path/to/tasks.js"
            onInput={(e) => setModule((e.target as HTMLInputElement).value)}
            spellcheck={false}
          />
        </Field>
        <div class="form-actions align-end">
          <button class="primary" type="submit" disabled={busy || !!queueError || !!concurrencyError} data-testid="worker-start">
            {busy ? 'Starting…' : 'Start worker'}
          </button>
        </div>
      </form>
    </Panel>
  );
}

function WorkerCard({ w, logOpen, toggleLog }: { w: LocalWorkerView; logOpen: boolean; toggleLog: () => void }) {
  const app = useApp();
  const [confirmEl, confirm] = useConfirm();
  const active = w.state === 'running' || w.state === 'starting' || w.state === 'stopping';
  const stop = async (force: boolean) => {
    if (force) {
      const ok = await confirm({
        title: `Force stop ${w.id}?`,
        body: <p>Running tasks are aborted now and retried later by a worker. Use a graceful stop to let them finish.</p>,
        confirm: 'Force stop',
        danger: true,
      });
      if (!ok) return;
    }
    try {
      await app.client.request('workers.stop', { id: w.id, force });
    } catch (err) {
      app.toast('error', (err as Error).message);
    }
  };
  return (
    <div class={`worker-card wstate-${w.state}`} data-testid="worker-card" data-state={w.state}>
      <div class="worker-head">
        <StatusDot
          status={w.state === 'running' ? 'healthy' : w.state === 'failed' ? 'unhealthy' : w.state === 'stopped' ? 'unknown' : 'degraded'}
        />
        <span class="mono strong">{w.id}</span>
        <span class="muted">
          {w.state} · {w.profile} · {w.queues.join(', ')} · concurrency {w.concurrency}
        </span>
        <div class="spacer" />
        {active && (
          <>
            <button onClick={() => stop(false)} disabled={w.state === 'stopping'} data-testid="worker-stop">
              Stop
            </button>
            <button class="danger-text" onClick={() => stop(true)} data-testid="worker-force">
              Force stop
            </button>
          </>
        )}
        <button class="link" onClick={toggleLog} aria-expanded={logOpen} data-testid="worker-log-toggle">
          {logOpen ? 'Hide log' : 'Log'}
        </button>
      </div>
      <div class="stats">
        <Stat label="running" value={fmtInt(w.running)} testid="worker-running" />
        <Stat label="succeeded" value={fmtInt(w.succeeded)} tone="good" testid="worker-succeeded" />
        <Stat label="failed attempts" value={fmtInt(w.failed)} tone={w.failed ? 'bad' : undefined} testid="worker-failed" />
        <Stat label="rate" value={fmtRate(w.ratePerSec)} testid="worker-rate" />
        <Stat label={w.stoppedAt ? 'stopped' : 'started'} value={fmtAgo(w.stoppedAt ?? w.startedAt)} />
      </div>
      {w.error && <div class="error-text">{w.error}</div>}
      {logOpen && <WorkerLog id={w.id} />}
      {confirmEl}
    </div>
  );
}

function WorkerLog({ id }: { id: string }) {
  const app = useApp();
  const lines = useAppState((s) => s.logs[id]);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // The pushed lines start when the page connected; fetch what came before once.
    void app.client.request('workers.log', { id }).then(
      (all) => app.store.set((s) => ({ logs: { ...s.logs, [id]: all } })),
      () => {},
    );
  }, [id]);
  useEffect(() => {
    const el = ref.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [lines?.length]);
  return (
    <div class="log" ref={ref} data-testid="worker-log">
      {(lines ?? []).map((l, i) => (
        <div key={i} class={`log-line log-${l.level}`}>
          <span class="log-time">{fmtClock(l.at)}</span> <span class="log-level">{l.level}</span> {l.message}
        </div>
      ))}
    </div>
  );
}
