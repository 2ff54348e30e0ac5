// The task list: one page at a time (the backend counts and slices), so 100,000 tasks cost the
// same as 100. It refreshes itself when the watched profile's counts change.
import { useEffect, useRef, useState } from 'preact/hooks';
import { BridgeError } from '../../shared/protocol/messages.js';
import { TASK_STATES_UI, type TaskPageView, type TaskState } from './task-states.js';
import { Empty, StateBadge } from '../components/common.js';
import { fmtAgo, fmtDuration, fmtInt } from '../format.js';
import { useApp, useAppState } from '../state/app.js';

const PAGE_SIZES = [25, 50, 100, 200];
/** The list re-reads its page at most this often while counts keep changing. */
const REFRESH_MS = 1000;

export interface TaskFilter {
  queue: string;
  state: TaskState | '';
}

export function TaskList({ profile, filter, setFilter, openTask, openId }: { profile: string; filter: TaskFilter; setFilter: (f: TaskFilter) => void; openTask: (id: string) => void; openId: string | null }) {
  const app = useApp();
  const snap = useAppState((s) => s.queues);
  const connection = useAppState((s) => s.connection);
  const [page, setPage] = useState<TaskPageView | null>(null);
  const [offset, setOffset] = useState(0);
  const [limit, setLimit] = useState(50);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const seq = useRef(0);
  const lastLoad = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const load = () => {
    const mine = ++seq.current;
    lastLoad.current = Date.now();
    setLoading(true);
    const query = { profile, offset, limit, ...(filter.queue ? { queue: filter.queue } : {}), ...(filter.state ? { state: filter.state } : {}) };
    app.client.request('tasks.list', query).then(
      (p) => {
        if (mine !== seq.current) return;
        setPage(p);
        setError(null);
        setLoading(false);
        // Past the end (tasks were purged or finished out of the filter): go to the last page.
        if (p.rows.length === 0 && p.total > 0 && offset > 0) setOffset(Math.max(0, Math.floor((p.total - 1) / limit) * limit));
      },
      (err: Error) => {
        if (mine !== seq.current) return;
        setLoading(false);
        // A lost connection is shown by the shell; the rows stay and reload once it is back.
        if (!(err instanceof BridgeError)) setError(err.message);
      },
    );
  };

  useEffect(() => {
    if (connection === 'open') load();
  }, [profile, filter.queue, filter.state, offset, limit, connection]);

  useEffect(() => setOffset(0), [profile, filter.queue, filter.state, limit]);

  // Counts changed: re-read the page, throttled so a busy queue does not flood the host.
  useEffect(() => {
    if (!snap || snap.profile !== profile) return;
    const wait = REFRESH_MS - (Date.now() - lastLoad.current);
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      if (app.client.state === 'open') load();
    }, Math.max(0, wait));
  }, [snap?.at]);

  useEffect(() => () => timer.current && clearTimeout(timer.current), []);

  const totals: Record<string, number> = {};
  for (const q of snap?.queues ?? []) {
    if (filter.queue && q.queue !== filter.queue) continue;
    for (const s of TASK_STATES_UI) totals[s] = (totals[s] ?? 0) + q.counts[s];
  }
  const all = Object.values(totals).reduce((a, b) => a + b, 0);
  const total = page?.total ?? 0;
  const last = Math.max(0, Math.floor((total - 1) / limit) * limit);
  const now = Date.now();

  return (
    <div class="task-list" data-testid="task-list">
      <div class="toolbar">
        <label class="inline">
          Queue
          <select value={filter.queue} onChange={(e) => setFilter({ ...filter, queue: (e.target as HTMLSelectElement).value })} data-testid="filter-queue">
            <option value="">all queues</option>
            {snap?.queues.map((q) => (
              <option key={q.queue} value={q.queue}>
                {q.queue}
              </option>
            ))}
          </select>
        </label>
        <div class="chips" role="tablist" aria-label="State">
          <button role="tab" class={`chip ${filter.state === '' ? 'on' : ''}`} aria-selected={filter.state === ''} onClick={() => setFilter({ ...filter, state: '' })} data-testid="chip-all">
            all <span class="chip-count">{fmtInt(all)}</span>
          </button>
          {TASK_STATES_UI.map((s) => (
            <button role="tab" key={s} class={`chip chip-${s} ${filter.state === s ? 'on' : ''}`} aria-selected={filter.state === s} onClick={() => setFilter({ ...filter, state: s })} data-testid={`chip-${s}`}>
              {s} <span class="chip-count">{fmtInt(totals[s] ?? 0)}</span>
            </button>
          ))}
        </div>
        <div class="spacer" />
        {loading && <span class="muted small">loading…</span>}
      </div>
      {error && (
        <div class="error-text" data-testid="task-list-error">
          {error}
        </div>
      )}
      {page && page.rows.length === 0 ? (
        <Empty title={filter.state || filter.queue ? 'No tasks match this filter' : 'No tasks yet'}>
          <p>Enqueue some test tasks to see them here.</p>
        </Empty>
      ) : (
        <div class="table-wrap">
          <table class="table tasks-table">
            <thead>
              <tr>
                <th>State</th>
                <th>Task</th>
                <th>Queue</th>
                <th class="num">Attempts</th>
                <th class="num">Prio</th>
                <th>Enqueued</th>
                <th class="num">Ran</th>
                <th>Error</th>
              </tr>
            </thead>
            <tbody>
              {page?.rows.map((r) => (
                <tr key={r.id} class={`clickable ${openId === r.id ? 'selected' : ''}`} onClick={() => openTask(r.id)} data-testid="task-row" data-state={r.state}>
                  <td>
                    <StateBadge state={r.state} />
                  </td>
                  <td>
                    <div>{r.name}</div>
                    <div class="mono tiny muted">{r.id}</div>
                  </td>
                  <td>{r.queue}</td>
                  <td class="num">
                    {r.attempts}/{r.maxAttempts}
                  </td>
                  <td class="num">{r.priority}</td>
                  <td class="small" title={new Date(r.enqueuedAt).toISOString()}>
                    {fmtAgo(r.enqueuedAt, now)}
                  </td>
                  <td class="num small">{r.startedAt !== undefined && r.finishedAt !== undefined ? fmtDuration(r.finishedAt - r.startedAt) : r.state === 'running' ? '…' : '–'}</td>
                  <td class="error-text small ellipsis" title={r.error}>
                    {r.error ?? ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div class="pager" data-testid="pager">
        <span class="muted" data-testid="pager-range">
          {total === 0 ? '0 tasks' : `${fmtInt(offset + 1)}–${fmtInt(Math.min(offset + limit, total))} of ${fmtInt(total)}`}
        </span>
        <div class="spacer" />
        <label class="inline small">
          Rows
          <select value={String(limit)} onChange={(e) => setLimit(Number((e.target as HTMLSelectElement).value))}>
            {PAGE_SIZES.map((n) => (
              <option key={n} value={String(n)}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button onClick={() => setOffset(0)} disabled={offset === 0} aria-label="First page">
          «
        </button>
        <button onClick={() => setOffset(Math.max(0, offset - limit))} disabled={offset === 0} data-testid="page-prev">
          ‹ Prev
        </button>
        <button onClick={() => setOffset(Math.min(last, offset + limit))} disabled={offset >= last} data-testid="page-next">
          Next ›
        </button>
        <button onClick={() => setOffset(last)} disabled={offset >= last} aria-label="Last page" data-testid="page-last">
          »
        </button>
      </div>
    </div>
  );
}
