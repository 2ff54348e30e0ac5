// One task in full: payload, result, error with its stack, attempts and timings, and the actions
// its state allows (requeue a dead or cancelled task, cancel a waiting one), each confirmed. The
// open task follows its task live: it is read again whenever the profile's counts change.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { TaskDetail, TaskProgress } from '../../shared/protocol/models.js';
import { Banner, Icon, StateBadge } from '../components/common.js';
import { useConfirm } from '../components/modal.js';
import { fmtClock, fmtDuration, fmtTime } from '../format.js';
import { useApp, useAppState } from '../state/app.js';
import { useReload } from '../state/reload.js';
import { CANCEL_RUNNING_TEXT } from './task-states.js';

export function TaskDetailPanel({
  profile,
  id,
  onClose,
  onChanged,
}: {
  profile: string;
  id: string;
  onClose: () => void;
  onChanged: () => void;
}) {
  const app = useApp();
  const [task, setTask] = useState<TaskDetail | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [readAt, setReadAt] = useState<number | undefined>(undefined);
  const [confirmEl, confirm] = useConfirm();
  // Pushed whenever the profile's counts change (and every few seconds): a moved task moved them.
  const countsAt = useAppState((s) => (s.queues?.profile === profile ? s.queues.at : undefined));
  const connection = useAppState((s) => s.connection);
  const current = useRef(id);
  current.current = id;

  const load = useReload(async () => {
    const asked = id;
    try {
      const t = await app.client.request('tasks.get', { profile, id: asked });
      if (current.current !== asked) return;
      setTask(t);
      setReadAt(Date.now());
      setError(null);
    } catch (err) {
      if (current.current === asked) setError((err as Error).message);
    }
  });

  useEffect(() => {
    setTask(undefined);
    void load();
  }, [profile, id]);

  useEffect(() => {
    if (countsAt !== undefined && connection === 'open') void load();
  }, [countsAt, connection]);

  // Follow the task's progress and log: the host pushes the task's live events (tasks.follow, the
  // backend's event stream), also those that do not move the counts; each batch, or a gap in the
  // stream, reads the task again (one read at a time). Asked again after a reconnect (a new
  // session); a new follow replaces the previous one, so only closing the drawer unfollows.
  useEffect(() => {
    const off = app.client.on('task.events', (e) => {
      if (e.profile === profile && e.items.some((i) => i.kind === 'gap' || i.taskId === current.current)) void load();
    });
    if (connection === 'open') void app.client.request('tasks.follow', { profile, taskId: id }).catch(() => {});
    return off;
  }, [profile, id, connection]);
  useEffect(
    () => () => {
      if (app.client.state === 'open') void app.client.request('tasks.unfollow', {}).catch(() => {});
    },
    [],
  );

  const act = async (kind: 'requeue' | 'cancel') => {
    const ok = await confirm(
      kind === 'requeue'
        ? {
            title: 'Requeue this task?',
            body: <p>The task becomes pending now with its attempts reset to 0; a worker will run it again.</p>,
            confirm: 'Requeue',
          }
        : task?.state === 'running'
          ? {
              title: 'Cancel this running task?',
              body: <p>{CANCEL_RUNNING_TEXT}</p>,
              confirm: 'Cancel task',
              danger: true,
            }
          : {
              title: 'Cancel this task?',
              body: <p>The task will not run. You can requeue it later.</p>,
              confirm: 'Cancel task',
              danger: true,
            },
    );
    if (!ok) return;
    try {
      const r = await app.client.request(kind === 'requeue' ? 'tasks.requeue' : 'tasks.cancel', { profile, id });
      if (r.ok) app.toast('success', kind === 'requeue' ? 'Task requeued' : 'Task cancelled');
      else app.toast('error', `The task could not be ${kind === 'requeue' ? 'requeued' : 'cancelled'}: its state changed meanwhile`);
      await load();
      onChanged();
    } catch (err) {
      app.toast('error', (err as Error).message);
    }
  };

  return (
    <aside class="drawer" aria-label="Task detail" data-testid="task-detail">
      <header class="drawer-head">
        <h2>Task</h2>
        <button class="icon-button" onClick={onClose} aria-label="Close task detail">
          <Icon name="close" />
        </button>
      </header>
      <div class="drawer-body">
        {error && <Banner kind="error">{error}</Banner>}
        {task === undefined && !error && <p class="muted">Loading…</p>}
        {task === null && <Banner kind="info">This task no longer exists (it may have been purged).</Banner>}
        {task && (
          <>
            <div class="detail-title" data-testid="task-state" data-state={task.state}>
              <StateBadge state={task.state} />
              <span class="strong">{task.name}</span>
              <span class="muted">in {task.queue}</span>
            </div>
            <div class="mono small selectable" data-testid="task-id">
              {task.id}
            </div>
            <div class="muted tiny" data-testid="task-live">
              {connection === 'open'
                ? `live · read ${readAt ? fmtClock(readAt) : '–'}`
                : `not updating (no connection) · read ${readAt ? fmtClock(readAt) : '–'}`}
            </div>
            <div class="detail-actions">
              {(task.state === 'dead' || task.state === 'cancelled') && (
                <button onClick={() => act('requeue')} data-testid="task-requeue">
                  Requeue
                </button>
              )}
              {(task.state === 'pending' || task.state === 'delayed' || task.state === 'running') && (
                <button class="danger-text" onClick={() => act('cancel')} data-testid="task-cancel">
                  Cancel
                </button>
              )}
            </div>
            {task.progress !== undefined && <TaskProgressBar progress={task.progress} state={task.state} />}
            <dl class="kv">
              <dt>Attempts</dt>
              <dd>
                {task.attempts} of {task.maxAttempts}
              </dd>
              <dt>Priority</dt>
              <dd>{task.priority}</dd>
              <dt>Enqueued</dt>
              <dd>{fmtTime(task.enqueuedAt)}</dd>
              <dt>Run at</dt>
              <dd>{fmtTime(task.runAt)}</dd>
              <dt>Started</dt>
              <dd>{fmtTime(task.startedAt)}</dd>
              <dt>Finished</dt>
              <dd>{fmtTime(task.finishedAt)}</dd>
              {task.startedAt !== undefined && (
                <>
                  <dt>Waited</dt>
                  <dd>{fmtDuration(Math.max(0, task.startedAt - task.enqueuedAt))}</dd>
                </>
              )}
              {task.startedAt !== undefined && task.finishedAt !== undefined && (
                <>
                  <dt>Ran</dt>
                  <dd>{fmtDuration(Math.max(0, task.finishedAt - task.startedAt))}</dd>
                </>
              )}
              <dt>Backoff</dt>
              <dd>
                {task.backoff.type} from {task.backoff.baseMs} ms, max {task.backoff.maxMs} ms
              </dd>
              {task.timeoutMs !== undefined && (
                <>
                  <dt>Timeout</dt>
                  <dd>{task.timeoutMs} ms</dd>
                </>
              )}
              {task.leaseOwner && (
                <>
                  <dt>Lease</dt>
                  <dd>
                    <span class="mono">{task.leaseOwner}</span> until {fmtTime(task.leaseExpiresAt)}
                  </dd>
                </>
              )}
              {task.idempotencyKey && (
                <>
                  <dt>Idempotency key</dt>
                  <dd class="mono">{task.idempotencyKey}</dd>
                </>
              )}
              <dt>Serializer</dt>
              <dd>{task.serializer}</dd>
            </dl>
            {task.errorName && (
              <section class="detail-section">
                <h3>{task.state === 'dead' ? 'Error' : 'Last error'}</h3>
                <div class="error-text strong" data-testid="task-error">
                  {task.errorName}: {task.errorMessage}
                </div>
                {task.errorStack && (
                  <pre class="code stack" data-testid="task-stack">
                    {task.errorStack}
                  </pre>
                )}
              </section>
            )}
            {(task.log !== undefined || task.state === 'running') && (
              <TaskLog lines={task.log ?? []} dropped={task.logDropped ?? 0} running={task.state === 'running'} />
            )}
            {task.decodeError && <Banner kind="warning">The stored payload could not be decoded: {task.decodeError}</Banner>}
            <section class="detail-section">
              <h3>Payload</h3>
              <pre class="code" data-testid="task-payload">
                {task.payloadText}
              </pre>
            </section>
            {task.resultText !== undefined && (
              <section class="detail-section">
                <h3>Result</h3>
                <pre class="code" data-testid="task-result">
                  {task.resultText}
                </pre>
              </section>
            )}
          </>
        )}
      </div>
      {confirmEl}
    </aside>
  );
}

/** The handler's last reported progress: a bar for 0-100, the object's fields otherwise. */
function TaskProgressBar({ progress, state }: { progress: TaskProgress; state: TaskDetail['state'] }) {
  const percent = typeof progress === 'number' ? progress : undefined;
  return (
    <section
      class="detail-section task-progress"
      data-testid="task-progress"
      data-value={percent === undefined ? undefined : String(percent)}
    >
      <h3>Progress{state !== 'running' && <span class="muted small"> (last reported)</span>}</h3>
      {percent !== undefined ? (
        <div class="progress-row">
          <div
            class="progress-bar"
            role="progressbar"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent}
            aria-label="Task progress"
          >
            <div
              class={`progress-fill ${state === 'running' ? 'live' : ''}`}
              style={{ width: `${Math.max(0, Math.min(100, percent))}%` }}
            />
          </div>
          <span class="progress-text nowrap" data-testid="task-progress-text">
            {Number.isInteger(percent) ? percent : percent.toFixed(1)} %
          </span>
        </div>
      ) : (
        <pre class="code small" data-testid="task-progress-text">
          {JSON.stringify(progress)}
        </pre>
      )}
    </section>
  );
}

/** The handler's log, newest at the bottom; it keeps to the bottom as lines arrive unless the user
 *  scrolled up to read (then it stays where they are and offers to jump back). */
function TaskLog({ lines, dropped, running }: { lines: string[]; dropped: number; running: boolean }) {
  const box = useRef<HTMLPreElement>(null);
  const [follow, setFollow] = useState(true);
  useLayoutEffect(() => {
    const el = box.current;
    if (el && follow) el.scrollTop = el.scrollHeight;
  }, [lines, follow]);
  const onScroll = () => {
    const el = box.current;
    if (el) setFollow(el.scrollHeight - el.scrollTop - el.clientHeight < 8);
  };
  return (
    <section class="detail-section" data-testid="task-log-section">
      <h3 class="log-head">
        <span>
          Log{' '}
          <span class="muted small" data-testid="task-log-count">
            {lines.length} line{lines.length === 1 ? '' : 's'}
            {dropped > 0 ? `, ${dropped} older dropped` : ''}
          </span>
        </span>
        {!follow && (
          <button class="link small" onClick={() => setFollow(true)} data-testid="task-log-follow">
            Follow the newest
          </button>
        )}
      </h3>
      {lines.length === 0 ? (
        <p class="muted small">
          {running ? 'Nothing logged yet (ctx.log lines appear here as the handler writes them).' : 'Nothing logged.'}
        </p>
      ) : (
        <pre class="code task-log" ref={box} onScroll={onScroll} data-testid="task-log">
          {lines.join('\n')}
        </pre>
      )}
    </section>
  );
}
