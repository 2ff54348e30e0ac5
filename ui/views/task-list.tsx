// The task list: one page at a time (the backend counts, searches and slices), so 100,000 tasks
// cost the same as 100. It refreshes itself when the watched profile's counts change. Bulk
// actions take the ticked rows, or every task of the current filter.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { BulkAction, BulkTarget } from '../../shared/protocol/models.js';
import { BridgeError } from '../../shared/protocol/messages.js';
import { CANCEL_RUNNING_TEXT, TASK_STATES_UI, type TaskPageView, type TaskState } from './task-states.js';
import { Empty, StateBadge, TableWrap } from '../components/common.js';
import { useConfirm, type ConfirmOptions } from '../components/modal.js';
import { fmtAgo, fmtCount, fmtDuration, fmtInt } from '../format.js';
import { useApp, useAppState } from '../state/app.js';

const PAGE_SIZES = [25, 50, 100, 200];
/** The list re-reads its page at most this often while counts keep changing. */
const REFRESH_MS = 1000;
/** Typing pauses this long before the search goes to the backend. */
const SEARCH_DEBOUNCE_MS = 300;
/** Which states each bulk action applies to (the single-task rules: requeue finished-for-good
 *  tasks, cancel waiting and running ones). */
const REQUEUABLE: readonly TaskState[] = ['dead', 'cancelled'];
const CANCELLABLE: readonly TaskState[] = ['pending', 'delayed', 'running'];

export interface TaskFilter {
  queue: string;
  state: TaskState | '';
}

export function TaskList({
  profile,
  filter,
  setFilter,
  openTask,
  openId,
}: {
  profile: string;
  filter: TaskFilter;
  setFilter: (f: TaskFilter) => void;
  openTask: (id: string) => void;
  openId: string | null;
}) {
  const app = useApp();
  const snap = useAppState((s) => s.queues);
  const connection = useAppState((s) => s.connection);
  const [page, setPage] = useState<TaskPageView | null>(null);
  const [offset, setOffset] = useState(0);
  const [limit, setLimit] = useState(50);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [searchText, setSearchText] = useState('');
  const [search, setSearch] = useState('');
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [confirmEl, confirm] = useConfirm();
  const seq = useRef(0);
  const lastLoad = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const load = () => {
    const mine = ++seq.current;
    lastLoad.current = Date.now();
    setLoading(true);
    const query = {
      profile,
      offset,
      limit,
      ...(filter.queue ? { queue: filter.queue } : {}),
      ...(filter.state ? { state: filter.state } : {}),
      ...(search ? { search } : {}),
    };
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

  const latestLoad = useRef(load);
  latestLoad.current = load;

  useEffect(() => {
    if (connection === 'open') load();
  }, [profile, filter.queue, filter.state, search, offset, limit, connection]);

  useEffect(() => {
    setOffset(0);
    setPicked(new Set());
  }, [profile, filter.queue, filter.state, search, limit]);

  useEffect(() => {
    const t = setTimeout(() => setSearch(searchText.trim()), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [searchText]);

  /** `ask` replaces the bulk wording where the target is one task (a running task's row Cancel…). */
  const runBulk = async (action: BulkAction, target: BulkTarget, what: string, ask?: ConfirmOptions) => {
    const ok = await confirm(
      ask ??
        (action === 'requeue'
          ? {
              title: `Requeue ${what}?`,
              body: (
                <p>
                  Each dead or cancelled task becomes pending now with its attempts reset to 0. Tasks in any other state are left as they
                  are.
                </p>
              ),
              confirm: 'Requeue',
            }
          : {
              title: `Cancel ${what}?`,
              body: (
                <p>
                  Each pending or delayed task is cancelled and will not run; a running one is stopped (its worker aborts the handler within
                  a second) and ends cancelled. Finished tasks are left as they are. You can requeue them later.
                </p>
              ),
              confirm: 'Cancel tasks',
              danger: true,
            }),
    );
    if (!ok) return;
    setBusy(true);
    try {
      const r = await app.client.request('tasks.bulk', { profile, action, target }, { timeoutMs: 120_000 });
      const verb = action === 'requeue' ? 'Requeued' : 'Cancelled';
      app.toast(
        'success',
        `${verb} ${fmtCount(r.changed, 'task')}${r.skipped ? `; ${fmtInt(r.skipped)} skipped (their state did not allow it)` : ''}`,
      );
      setPicked(new Set());
      load();
    } catch (err) {
      app.toast('error', (err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  // Counts changed: re-read the page, throttled so a busy queue does not flood the host.
  useEffect(() => {
    if (!snap || snap.profile !== profile) return;
    const wait = REFRESH_MS - (Date.now() - lastLoad.current);
    if (timer.current) return;
    timer.current = setTimeout(
      () => {
        timer.current = undefined;
        // The latest load, not this render's: the filter may have changed while the timer ran, and
        // a stale filter's page would replace the rows shown (and the ones ticked) with other tasks.
        if (app.client.state === 'open') latestLoad.current();
      },
      Math.max(0, wait),
    );
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
  const rows = page?.rows ?? [];
  const allPicked = rows.length > 0 && rows.every((r) => picked.has(r.id));
  const toggle = (id: string) =>
    setPicked((p) => {
      const next = new Set(p);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const pickedRows = rows.filter((r) => picked.has(r.id));
  const scope = `${filter.queue ? ` in ${filter.queue}` : ''}${search ? ` matching “${search}”` : ''}`;
  const filterTarget: BulkTarget | undefined = filter.state
    ? { state: filter.state, ...(filter.queue ? { queue: filter.queue } : {}), ...(search ? { search } : {}) }
    : undefined;
  const filterAction: BulkAction | undefined =
    filter.state && REQUEUABLE.includes(filter.state)
      ? 'requeue'
      : filter.state && CANCELLABLE.includes(filter.state)
        ? 'cancel'
        : undefined;

  return (
    <div class="task-list" data-testid="task-list">
      <div class="toolbar">
        <label class="inline">
          Queue
          <select
            value={filter.queue}
            onChange={(e) => setFilter({ ...filter, queue: (e.target as HTMLSelectElement).value })}
            data-testid="filter-queue"
          >
            <option value="">all queues</option>
            {snap?.queues.map((q) => (
              <option key={q.queue} value={q.queue}>
                {q.queue}
              </option>
            ))}
          </select>
        </label>
        <div class="chips" role="tablist" aria-label="State">
          <button
            role="tab"
            class={`chip ${filter.state === '' ? 'on' : ''}`}
            aria-selected={filter.state === ''}
            onClick={() => setFilter({ ...filter, state: '' })}
            data-testid="chip-all"
          >
            all <span class="chip-count">{fmtInt(all)}</span>
          </button>
          {TASK_STATES_UI.map((s) => (
            <button
              role="tab"
              key={s}
              class={`chip chip-${s} ${filter.state === s ? 'on' : ''}`}
              aria-selected={filter.state === s}
              onClick={() => setFilter({ ...filter, state: s })}
              data-testid={`chip-${s}`}
            >
              {s} <span class="chip-count">{fmtInt(totals[s] ?? 0)}</span>
            </button>
          ))}
        </div>
        <input
          type="search"
          class="search-input"
          placeholder="Search id, name, error or payload"
          aria-label="Search tasks"
          value={searchText}
          onInput={(e) => setSearchText((e.target as HTMLInputElement).value)}
          maxLength={200}
          data-testid="task-search"
        />
        {loading && <span class="muted small">loading…</span>}
      </div>
      {(picked.size > 0 || (filterAction && filterTarget && total > 0)) && (
        <div class="toolbar bulk-bar" data-testid="bulk-bar">
          {picked.size > 0 ? (
            <>
              <span class="strong" data-testid="bulk-count">
                {fmtInt(picked.size)} selected
              </span>
              <button
                onClick={() => runBulk('requeue', { ids: [...picked] }, fmtCount(picked.size, 'task', 'selected'))}
                disabled={busy || !pickedRows.some((r) => REQUEUABLE.includes(r.state))}
                data-testid="bulk-requeue"
              >
                Requeue
              </button>
              <button
                class="danger-text"
                onClick={() => runBulk('cancel', { ids: [...picked] }, fmtCount(picked.size, 'task', 'selected'))}
                disabled={busy || !pickedRows.some((r) => CANCELLABLE.includes(r.state))}
                data-testid="bulk-cancel"
              >
                Cancel
              </button>
              <button class="link" onClick={() => setPicked(new Set())}>
                Clear selection
              </button>
            </>
          ) : (
            filterAction &&
            filterTarget && (
              <button
                class={filterAction === 'cancel' ? 'danger-text' : ''}
                onClick={() => runBulk(filterAction, filterTarget, `all ${fmtCount(total, 'task', filter.state)}${scope}`)}
                disabled={busy}
                data-testid="bulk-filter"
              >
                {filterAction === 'requeue' ? 'Requeue' : 'Cancel'} all {fmtInt(total)} {filter.state}
                {scope}…
              </button>
            )
          )}
          {busy && <span class="muted small">working…</span>}
        </div>
      )}
      {error && (
        <div class="error-text" data-testid="task-list-error">
          {error}
        </div>
      )}
      {page && page.rows.length === 0 ? (
        <Empty
          title={search ? `No task matches “${search}”` : filter.state || filter.queue ? 'No tasks match this filter' : 'No tasks yet'}
        >
          <p>
            {search
              ? 'The search looks at ids, task names, error names and messages, and JSON payload text, ignoring case.'
              : 'Enqueue some test tasks to see them here.'}
          </p>
        </Empty>
      ) : (
        <TableWrap>
          <table class="table tasks-table">
            <thead>
              <tr>
                <th class="pick">
                  <input
                    type="checkbox"
                    checked={allPicked}
                    onChange={() => setPicked(allPicked ? new Set() : new Set(rows.map((r) => r.id)))}
                    aria-label="Select every task on this page"
                    data-testid="pick-page"
                  />
                </th>
                <th>State</th>
                <th>Task</th>
                <th>Queue</th>
                <th class="num">Attempts</th>
                <th class="num">Prio</th>
                <th>Enqueued</th>
                <th class="num">Ran</th>
                <th>Error</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {page?.rows.map((r) => (
                <tr
                  key={r.id}
                  class={`clickable ${openId === r.id ? 'selected' : ''}`}
                  onClick={() => openTask(r.id)}
                  data-testid="task-row"
                  data-state={r.state}
                >
                  <td class="pick" onClick={(e) => e.stopPropagation()}>
                    <input
                      type="checkbox"
                      checked={picked.has(r.id)}
                      onChange={() => toggle(r.id)}
                      aria-label={`Select ${r.id}`}
                      data-testid="task-pick"
                    />
                  </td>
                  <td class="cell-state">
                    <StateBadge state={r.state} />
                  </td>
                  <td class="cell-task card-main">
                    <div>{r.name}</div>
                    <div class="mono tiny muted">{r.id}</div>
                  </td>
                  <td data-label="Queue">{r.queue}</td>
                  <td class="num" data-label="Attempts">
                    {r.attempts}/{r.maxAttempts}
                  </td>
                  <td class="num" data-label="Prio">
                    {r.priority}
                  </td>
                  <td class="small" data-label="Enqueued" title={new Date(r.enqueuedAt).toISOString()}>
                    {fmtAgo(r.enqueuedAt, now)}
                  </td>
                  <td class="num small" data-label="Ran">
                    {r.startedAt !== undefined && r.finishedAt !== undefined
                      ? fmtDuration(r.finishedAt - r.startedAt)
                      : r.state === 'running'
                        ? '…'
                        : '–'}
                  </td>
                  <td class="error-text small ellipsis cell-error card-full" title={r.error}>
                    {r.error ?? ''}
                  </td>
                  <td class="row-actions">
                    {r.state === 'running' && (
                      <button
                        class="danger-text"
                        onClick={(e) => {
                          e.stopPropagation();
                          void runBulk('cancel', { ids: [r.id] }, `the running task ${r.name}`, {
                            title: `Cancel the running task ${r.name}?`,
                            body: <p>{CANCEL_RUNNING_TEXT}</p>,
                            confirm: 'Cancel task',
                            danger: true,
                          });
                        }}
                        data-testid="task-row-cancel"
                      >
                        Cancel…
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
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
      {confirmEl}
    </div>
  );
}
