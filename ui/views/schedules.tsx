// The profile's schedules (TaskQueue.schedule): each with its spec, its next runs, its last run and
// the task that run enqueued (opened in the task drawer), paused or not; pause/resume, edit and
// remove (confirmed). The list is read again whenever the profile's counts change (a tick enqueues
// a task, which moves them) and at least every few seconds. The add/edit form, which previews the
// next five runs as the spec is typed, is schedule-form.tsx; how a spec and its times are shown,
// schedule-spec.ts.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ScheduleView } from '../../shared/protocol/models.js';
import { Banner, Empty, Panel, TableWrap } from '../components/common.js';
import { useConfirm } from '../components/modal.js';
import { fmtAgo, fmtTime } from '../format.js';
import { useApp, useAppState } from '../state/app.js';
import { useReload } from '../state/reload.js';
import { TaskDetailPanel } from './task-detail.js';
import { ScheduleForm } from './schedule-form.js';
import { specText, tzOf, zoned } from './schedule-spec.js';

export function SchedulesView() {
  const app = useApp();
  const selected = useAppState((s) => s.selected);
  const countsAt = useAppState((s) => (s.queues?.profile === s.selected ? s.queues?.at : undefined));
  const [list, setList] = useState<ScheduleView[] | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<ScheduleView | 'new' | null>(null);
  const [openTask, setOpenTask] = useState<string | null>(null);
  const [confirmEl, confirm] = useConfirm();
  const profileRef = useRef(selected);
  profileRef.current = selected;

  const load = useReload(async () => {
    const profile = profileRef.current;
    if (!profile) return;
    try {
      const got = await app.client.request('schedules.list', { profile });
      if (profileRef.current === profile) {
        setList(got);
        setError(null);
      }
    } catch (err) {
      if (profileRef.current === profile) setError((err as Error).message);
    }
  });

  useEffect(() => {
    setList(undefined);
    setOpenTask(null);
    void load();
  }, [selected]);
  useEffect(() => {
    if (countsAt !== undefined) void load();
  }, [countsAt]);

  if (!selected) return <Empty title="Pick or add a profile first" />;

  const act = async (s: ScheduleView, kind: 'pause' | 'resume' | 'remove') => {
    if (kind === 'remove') {
      const ok = await confirm({
        title: `Remove the schedule ${s.name}?`,
        body: <p>No more tasks are enqueued by it. Tasks it already enqueued stay in their queue. This cannot be undone.</p>,
        confirm: 'Remove schedule',
        danger: true,
      });
      if (!ok) return;
    }
    try {
      const r = await app.client.request(
        kind === 'pause' ? 'schedules.pause' : kind === 'resume' ? 'schedules.resume' : 'schedules.remove',
        { profile: selected, name: s.name },
      );
      if (r.ok) app.toast('success', kind === 'pause' ? `Paused ${s.name}` : kind === 'resume' ? `Resumed ${s.name}` : `Removed ${s.name}`);
      else app.toast('error', `The schedule ${s.name} no longer exists`);
    } catch (err) {
      app.toast('error', (err as Error).message);
    }
    await load();
  };

  return (
    <div class={`queues-layout ${openTask ? 'with-drawer' : ''}`}>
      <div class="queues-main">
        <Panel
          title={`Schedules of ${selected}`}
          testid="schedules"
          actions={
            <button class="primary" onClick={() => setEditing('new')} data-testid="schedule-add">
              New schedule
            </button>
          }
        >
          {error && <Banner kind="error">Could not read the schedules: {error}</Banner>}
          {!list ? (
            !error && <p class="muted">Loading schedules…</p>
          ) : list.length === 0 ? (
            <Empty title="No schedules yet">
              <p>A schedule enqueues a task on a cron pattern or every so often; the workers of this profile run it.</p>
              <button class="primary" onClick={() => setEditing('new')}>
                New schedule
              </button>
            </Empty>
          ) : (
            <TableWrap testid="schedule-table-wrap">
              <table class="table schedule-table" data-testid="schedule-table">
                <thead>
                  <tr>
                    <th>Schedule</th>
                    <th>When</th>
                    <th>Task</th>
                    <th>Next run</th>
                    <th>Last run</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {list.map((s) => (
                    <tr
                      key={s.name}
                      data-testid={`schedule-row-${s.name}`}
                      data-paused={s.paused ? 'true' : 'false'}
                      class={s.paused ? 'paused-row' : ''}
                    >
                      <td class="card-main">
                        <span class="strong">{s.name}</span>
                        {s.paused && (
                          <span class="tag tag-warn" data-testid="schedule-paused">
                            paused
                          </span>
                        )}
                      </td>
                      <td class="card-line2" data-label="when">
                        <span class="mono">{specText(s.spec)}</span>
                      </td>
                      <td class="card-line2" data-label="task">
                        <span class="mono">{s.task}</span> <span class="muted">→ {s.queue}</span>
                      </td>
                      <td
                        class="card-line2 nowrap"
                        data-label="next"
                        data-testid="schedule-next"
                        title={s.nextRuns.map((at) => zoned(at, tzOf(s.spec))).join('\n')}
                      >
                        {s.nextRuns.length === 0 ? (
                          <span class="muted">none</span>
                        ) : (
                          <>
                            {zoned(s.nextRuns[0], tzOf(s.spec))} <span class="muted">({fmtAgo(s.nextRuns[0])})</span>
                          </>
                        )}
                      </td>
                      <td class="card-line2" data-label="last" data-testid="schedule-last">
                        {s.lastRun ? (
                          <>
                            <span class="nowrap">{fmtAgo(s.lastRun.enqueuedAt)}</span>{' '}
                            <button
                              class="link mono"
                              onClick={() => setOpenTask(s.lastRun!.taskId)}
                              title={`Tick ${fmtTime(s.lastRun.tick)}: open its task`}
                              data-testid="schedule-last-task"
                            >
                              {s.lastRun.taskId.slice(0, 10)}…
                            </button>
                          </>
                        ) : (
                          <span class="muted">not yet</span>
                        )}
                      </td>
                      <td class="row-actions">
                        {s.paused ? (
                          <button onClick={() => act(s, 'resume')} data-testid="schedule-resume">
                            Resume
                          </button>
                        ) : (
                          <button onClick={() => act(s, 'pause')} data-testid="schedule-pause">
                            Pause
                          </button>
                        )}
                        <button onClick={() => setEditing(s)} data-testid="schedule-edit">
                          Edit
                        </button>
                        <button class="danger-text" onClick={() => act(s, 'remove')} data-testid="schedule-remove">
                          Remove…
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
        </Panel>
      </div>
      {openTask && <TaskDetailPanel profile={selected} id={openTask} onClose={() => setOpenTask(null)} onChanged={() => void load()} />}
      {editing && (
        <ScheduleForm
          profile={selected}
          original={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(null)}
          onSaved={(s) => {
            setEditing(null);
            app.toast('success', `Saved ${s.name}: next run ${s.nextRuns[0] ? zoned(s.nextRuns[0], tzOf(s.spec)) : 'none'}`);
            void load();
          }}
        />
      )}
      {confirmEl}
    </div>
  );
}
