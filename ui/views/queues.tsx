// Queues of the selected profile with their counts by state (pushed live), the task list under
// them, and a task's detail beside it.
import { useState } from 'preact/hooks';
import type { QueueView } from '../../shared/protocol/models.js';
import { Empty, Panel, TableWrap } from '../components/common.js';
import { Modal } from '../components/modal.js';
import { fmtCount, fmtInt, fmtMs } from '../format.js';
import { useApp, useAppState } from '../state/app.js';
import { TaskDetailPanel } from './task-detail.js';
import { TaskList, type TaskFilter } from './task-list.js';
import { TASK_STATES_UI } from './task-states.js';
import { FlowTags, LimitsDialog, PauseButton } from './queue-flow.js';
import { RetentionDialog, RetentionTags } from './queue-retention.js';
import { ThroughputCharts, type RangeId } from './throughput.js';

export function QueuesView() {
  const selected = useAppState((s) => s.selected);
  const snap = useAppState((s) => s.queues);
  const [filter, setFilter] = useState<TaskFilter>({ queue: '', state: '' });
  const [openId, setOpenId] = useState<string | null>(null);
  const [purging, setPurging] = useState<string | null | undefined>(undefined);
  /** The queue whose Limits or Retention dialog is open. */
  const [settingsOf, setSettingsOf] = useState<{ dialog: QueueDialog; queue: string } | null>(null);
  const [, setBump] = useState(0);

  if (!selected) return <Empty title="Pick or add a profile first" />;
  const queues = snap?.profile === selected ? snap.queues : undefined;

  return (
    <div class={`queues-layout ${openId ? 'with-drawer' : ''}`}>
      <div class="queues-main">
        <Panel
          title={`Queues of ${selected}`}
          testid="queues"
          actions={
            <button onClick={() => setPurging(null)} data-testid="purge-all">
              Purge finished…
            </button>
          }
        >
          {!queues ? (
            <p class="muted">Loading counts…</p>
          ) : queues.length === 0 ? (
            <Empty title="No queues yet">
              <p>A queue appears when the first task is enqueued to it.</p>
            </Empty>
          ) : (
            <TableWrap>
              <QueueTable
                profile={selected}
                queues={queues}
                filter={filter}
                setFilter={setFilter}
                purge={(q) => setPurging(q)}
                openDialog={(dialog, queue) => setSettingsOf({ dialog, queue })}
              />
            </TableWrap>
          )}
        </Panel>
        <HistoryPanel
          profile={selected}
          queue={filter.queue || undefined}
          setQueue={(q) => setFilter({ ...filter, queue: q ?? '' })}
          queues={queues?.map((q) => q.queue) ?? []}
        />
        <Panel title="Tasks">
          <TaskList profile={selected} filter={filter} setFilter={setFilter} openTask={setOpenId} openId={openId} />
        </Panel>
      </div>
      {openId && <TaskDetailPanel profile={selected} id={openId} onClose={() => setOpenId(null)} onChanged={() => setBump((n) => n + 1)} />}
      {settingsOf && <QueueSettingsDialog profile={selected} queues={queues} open={settingsOf} onClose={() => setSettingsOf(null)} />}
      {purging !== undefined && <PurgeDialog profile={selected} queue={purging} onClose={() => setPurging(undefined)} />}
    </div>
  );
}

function QueueTable({
  profile,
  queues,
  filter,
  setFilter,
  purge,
  openDialog,
}: {
  profile: string;
  queues: QueueView[];
  filter: TaskFilter;
  setFilter: (f: TaskFilter) => void;
  purge: (queue: string) => void;
  openDialog: (dialog: QueueDialog, queue: string) => void;
}) {
  const sum = (s: (typeof TASK_STATES_UI)[number]) => queues.reduce((n, q) => n + q.counts[s], 0);
  return (
    <table class="table queue-table" data-testid="queue-table">
      <thead>
        <tr>
          <th>Queue</th>
          {TASK_STATES_UI.map((s) => (
            <th key={s} class="num">
              <span class={`legend state-${s}`} /> {s}
            </th>
          ))}
          <th class="num" title="Age of the oldest pending task">
            Lag
          </th>
          <th />
        </tr>
      </thead>
      <tbody>
        {queues.map((q) => (
          <tr
            key={q.queue}
            class={`clickable ${filter.queue === q.queue ? 'selected' : ''} ${q.paused ? 'paused-row' : ''}`}
            onClick={() => setFilter({ ...filter, queue: filter.queue === q.queue ? '' : q.queue })}
            data-testid={`queue-row-${q.queue}`}
            data-paused={q.paused ? 'true' : 'false'}
          >
            <td class="card-main">
              <span class="strong">{q.queue}</span>
              <FlowTags q={q} />
              <RetentionTags q={q} />
            </td>
            {TASK_STATES_UI.map((s) => (
              <td
                key={s}
                class={`num card-line2 ${q.counts[s] > 0 ? `count-${s}` : 'muted'}`}
                data-label={s}
                data-testid={`count-${q.queue}-${s}`}
              >
                {fmtInt(q.counts[s])}
              </td>
            ))}
            <td class="num card-line2" data-label="lag">
              {q.oldestPendingAgeMs > 0 ? fmtMs(q.oldestPendingAgeMs) : '–'}
            </td>
            <td class="row-actions">
              <PauseButton profile={profile} q={q} />
              <button
                onClick={(e) => {
                  e.stopPropagation();
                  openDialog('limits', q.queue);
                }}
                data-testid={`queue-limits-${q.queue}`}
              >
                Limits…
              </button>
              <button
                onClick={(e) => {
                  e.stopPropagation();
                  openDialog('retention', q.queue);
                }}
                data-testid={`queue-retention-${q.queue}`}
              >
                Retention…
              </button>
              <button
                onClick={(e) => {
                  e.stopPropagation();
                  purge(q.queue);
                }}
              >
                Purge…
              </button>
            </td>
          </tr>
        ))}
      </tbody>
      {queues.length > 1 && (
        <tfoot>
          <tr>
            <td class="card-main">all</td>
            {TASK_STATES_UI.map((s) => (
              <td key={s} class="num card-line2" data-label={s}>
                {fmtInt(sum(s))}
              </td>
            ))}
            <td />
            <td />
          </tr>
        </tfoot>
      )}
    </table>
  );
}

type QueueDialog = 'limits' | 'retention';

/** A queue's Limits or Retention dialog, on the queue's live row (gone with the queue). */
function QueueSettingsDialog({
  profile,
  queues,
  open,
  onClose,
}: {
  profile: string;
  queues: QueueView[] | undefined;
  open: { dialog: QueueDialog; queue: string };
  onClose: () => void;
}) {
  const q = queues?.find((v) => v.queue === open.queue);
  if (!q) return null;
  return open.dialog === 'limits' ? (
    <LimitsDialog profile={profile} q={q} onClose={onClose} />
  ) : (
    <RetentionDialog profile={profile} q={q} onClose={onClose} />
  );
}

const AGES = [
  { label: 'any age', ms: 0 },
  { label: 'older than 1 hour', ms: 3_600_000 },
  { label: 'older than 1 day', ms: 86_400_000 },
  { label: 'older than 7 days', ms: 7 * 86_400_000 },
];

function PurgeDialog({ profile, queue, onClose }: { profile: string; queue: string | null; onClose: () => void }) {
  const app = useApp();
  const [age, setAge] = useState(0);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    try {
      const r = await app.client.request('tasks.purge', queue ? { profile, queue, olderThanMs: age } : { profile, olderThanMs: age });
      app.toast('success', `Purged ${fmtCount(r.deleted, 'task', 'finished')}`);
      onClose();
    } catch (err) {
      app.toast('error', (err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      title={queue ? `Purge finished tasks of ${queue}?` : `Purge finished tasks of every queue?`}
      onClose={onClose}
      testid="purge-dialog"
      footer={
        <>
          <button onClick={onClose}>Cancel</button>
          <button class="danger" onClick={run} disabled={busy} data-testid="purge-confirm">
            {busy ? 'Purging…' : 'Purge'}
          </button>
        </>
      }
    >
      <p>
        Deletes succeeded, dead and cancelled tasks from <span class="strong">{profile}</span>. Pending, delayed and running tasks are kept.
        This cannot be undone.
      </p>
      <label class="inline">
        Finished
        <select value={String(age)} onChange={(e) => setAge(Number((e.target as HTMLSelectElement).value))}>
          {AGES.map((a) => (
            <option key={a.ms} value={String(a.ms)}>
              {a.label}
            </option>
          ))}
        </select>
      </label>
    </Modal>
  );
}

const HISTORY_OPEN_KEY = 'sitq.historyOpen';

/** Throughput history of the selected queue (the queue row picked above) or of every queue. */
function HistoryPanel({
  profile,
  queue,
  setQueue,
  queues,
}: {
  profile: string;
  queue: string | undefined;
  setQueue: (q: string | undefined) => void;
  queues: string[];
}) {
  const [open, setOpen] = useState(() => {
    try {
      return window.localStorage.getItem(HISTORY_OPEN_KEY) !== 'false';
    } catch {
      return true;
    }
  });
  const [range, setRange] = useState<RangeId>('hour');
  const toggle = () => {
    setOpen(!open);
    try {
      window.localStorage.setItem(HISTORY_OPEN_KEY, String(!open));
    } catch {
      // no storage: the choice lasts for this page
    }
  };
  return (
    <Panel
      title={`Throughput history of ${queue ?? 'every queue'}`}
      testid="history-panel"
      actions={
        <button onClick={toggle} aria-expanded={open} data-testid="history-toggle">
          {open ? 'Hide charts' : 'Show charts'}
        </button>
      }
    >
      {open ? (
        <ThroughputCharts profile={profile} queue={queue} range={range} setRange={setRange} queues={queues} setQueue={setQueue} />
      ) : (
        <p class="muted small">Tasks finished, failures and processing times per minute or hour, from the backend.</p>
      )}
    </Panel>
  );
}
