// The profile's schedules (TaskQueue.schedule): each with its spec, its next runs, its last run and
// the task that run enqueued (opened in the task drawer), paused or not; pause/resume, edit and
// remove (confirmed). The form previews the next five runs as the spec is typed (schedules.preview,
// the core's own cron and time-zone rules). The list is read again whenever the profile's counts
// change (a tick enqueues a task, which moves them) and at least every few seconds.
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  MAX_ATTEMPTS,
  PRIORITY,
  TIMEOUT_MS,
  checkPayloadJson,
  checkQueueName,
  checkTaskName,
  checkTypedWholeNumber,
} from '../../shared/core/rules.js';
import { RemoteError } from '../../shared/protocol/messages.js';
import type { CatchUpPolicyView, ScheduleDraft, SchedulePreview, ScheduleSpecView, ScheduleView } from '../../shared/protocol/models.js';
import { Banner, Empty, Field, Panel, TableWrap } from '../components/common.js';
import { Modal, useConfirm } from '../components/modal.js';
import { fmtAgo, fmtTime } from '../format.js';
import { useApp, useAppState } from '../state/app.js';
import { useReload } from '../state/reload.js';
import { TaskDetailPanel } from './task-detail.js';

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

const UNITS = [
  { label: 'seconds', ms: 1000 },
  { label: 'minutes', ms: 60_000 },
  { label: 'hours', ms: 3_600_000 },
  { label: 'days', ms: 86_400_000 },
];

/** `every 5 min`, `0 3 * * * (Europe/Berlin)`. */
export function specText(spec: ScheduleSpecView): string {
  if ('every' in spec) {
    const unit = [...UNITS].reverse().find((u) => spec.every % u.ms === 0);
    return unit ? `every ${spec.every / unit.ms} ${unit.label.replace(/s$/, spec.every === unit.ms ? '' : 's')}` : `every ${spec.every} ms`;
  }
  return spec.tz ? `${spec.cron} (${spec.tz})` : `${spec.cron} (UTC)`;
}

const tzOf = (spec: ScheduleSpecView): string | undefined => ('cron' in spec ? (spec.tz ?? 'UTC') : undefined);

/** A time in the schedule's zone (cron) or the browser's (every), with the zone named when it is
 *  not the browser's. */
function zoned(at: number, tz: string | undefined): string {
  const local = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!tz || tz === local) return `${weekday(at)} ${fmtTime(at).slice(0, 19)}`;
  try {
    const parts = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      weekday: 'short',
    }).formatToParts(new Date(at));
    const p = (t: string) => parts.find((x) => x.type === t)?.value ?? '';
    return `${p('weekday')} ${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')}:${p('second')} ${tz}`;
  } catch {
    return `${weekday(at)} ${fmtTime(at).slice(0, 19)}`;
  }
}

const weekday = (at: number): string => new Date(at).toLocaleDateString('en-US', { weekday: 'short' });

interface FormState {
  name: string;
  kind: 'cron' | 'every';
  cron: string;
  tz: string;
  every: string;
  unit: number;
  task: string;
  queue: string;
  payload: string;
  priority: string;
  maxAttempts: string;
  timeout: string;
  catchUp: CatchUpPolicyView;
  catchUpLimit: string;
  paused: boolean;
}

function initialForm(s: ScheduleView | undefined): FormState {
  const base: FormState = {
    name: '',
    kind: 'cron',
    cron: '*/5 * * * *',
    tz: '',
    every: '5',
    unit: 60_000,
    task: 'sitq.echo',
    queue: 'default',
    payload: '{}',
    priority: '',
    maxAttempts: '',
    timeout: '',
    catchUp: 'latest',
    catchUpLimit: '',
    paused: false,
  };
  if (!s) return base;
  const form: FormState = {
    ...base,
    name: s.name,
    task: s.task,
    queue: s.queue,
    payload: s.payloadJson ?? '',
    catchUp: s.catchUp,
    catchUpLimit: String(s.catchUpLimit),
    paused: s.paused,
  };
  if (s.priority !== undefined) form.priority = String(s.priority);
  if (s.maxAttempts !== undefined) form.maxAttempts = String(s.maxAttempts);
  if (s.timeout !== undefined) form.timeout = String(s.timeout);
  if ('every' in s.spec) {
    const unit = [...UNITS].reverse().find((u) => (s.spec as { every: number }).every % u.ms === 0) ?? UNITS[0];
    return { ...form, kind: 'every', every: String(s.spec.every / unit.ms), unit: unit.ms };
  }
  return { ...form, kind: 'cron', cron: s.spec.cron, tz: s.spec.tz ?? '' };
}

/** The spec the form describes, or the problem that keeps it from being one. */
function specOf(f: FormState): { spec?: ScheduleSpecView; problem?: string } {
  if (f.kind === 'cron') return { spec: f.tz.trim() ? { cron: f.cron, tz: f.tz.trim() } : { cron: f.cron } };
  const n = Number(f.every);
  if (f.every.trim() === '' || !Number.isFinite(n) || n <= 0) return { problem: 'expected a positive number' };
  return { spec: { every: Math.round(n * f.unit) } };
}

const ZONES: string[] = (() => {
  try {
    return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
  } catch {
    return [];
  }
})();

function ScheduleForm({
  profile,
  original,
  onClose,
  onSaved,
}: {
  profile: string;
  original?: ScheduleView;
  onClose: () => void;
  onSaved: (s: ScheduleView) => void;
}) {
  const app = useApp();
  const testTasks = useAppState((s) => s.hello?.testTasks ?? []);
  const [f, setF] = useState<FormState>(() => initialForm(original));
  /** The preview and the spec (as JSON) it was asked for. */
  const [answered, setAnswered] = useState<{ key: string; preview: SchedulePreview } | undefined>(undefined);
  const [hostIssues, setHostIssues] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const seq = useRef(0);
  const set = (patch: Partial<FormState>) => {
    setF((x) => ({ ...x, ...patch }));
    setHostIssues({});
  };
  const { spec, problem: specProblem } = specOf(f);
  const specKey = JSON.stringify(spec ?? null);
  // Only an answer for the spec as it is now counts (an older one is on its way out).
  const preview = answered?.key === specKey ? answered.preview : undefined;

  // The live preview: asked of the host (the core's rules) a moment after each change; an answer
  // to an older spec is dropped.
  useEffect(() => {
    const mine = ++seq.current;
    if (!spec) return;
    const key = specKey;
    const timer = setTimeout(() => {
      app.client.request('schedules.preview', { spec, runs: 5 }).then(
        (p) => mine === seq.current && setAnswered({ key, preview: p }),
        (err: unknown) =>
          mine === seq.current &&
          setAnswered({ key, preview: { nextRuns: [], issues: [{ field: 'spec', message: (err as Error).message }] } }),
      );
    }, 120);
    return () => clearTimeout(timer);
  }, [specKey]);

  const previewIssue = (field: string) => preview?.issues.find((i) => i.field === field)?.message;
  const specIssue = preview?.issues.find((i) => i.field === 'spec')?.message;
  const problems: Record<string, string | undefined> = {
    name: f.name.trim() === '' ? 'expected a name' : undefined,
    cron: f.kind === 'cron' ? previewIssue('spec.cron') : undefined,
    tz: f.kind === 'cron' ? previewIssue('spec.tz') : undefined,
    every: f.kind === 'every' ? (specProblem ?? previewIssue('spec.every')) : undefined,
    task: checkTaskName(f.task.trim(), 'task'),
    queue: checkQueueName(f.queue.trim()),
    payload: f.payload.trim() === '' ? 'expected JSON (such as {} or null)' : checkPayloadJson(f.payload),
    priority: f.priority.trim() ? checkTypedWholeNumber(PRIORITY, f.priority, 'priority') : undefined,
    maxAttempts: f.maxAttempts.trim() ? checkTypedWholeNumber(MAX_ATTEMPTS, f.maxAttempts, 'attempts') : undefined,
    timeout: f.timeout.trim() ? checkTypedWholeNumber(TIMEOUT_MS, f.timeout, 'timeout') : undefined,
    catchUpLimit: f.catchUpLimit.trim()
      ? checkTypedWholeNumber({ min: 1, max: 1000, what: 'a number of ticks' }, f.catchUpLimit, 'catch-up limit')
      : undefined,
  };
  const err = (k: string) => problems[k] ?? hostIssues[k];
  const valid =
    Object.values(problems).every((p) => p === undefined) && spec !== undefined && preview !== undefined && preview.issues.length === 0;
  const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

  const save = async (e: Event) => {
    e.preventDefault();
    if (!valid || !spec) return;
    const draft: ScheduleDraft = {
      profile,
      name: f.name.trim(),
      spec,
      task: f.task.trim(),
      payloadJson: f.payload,
      queue: f.queue.trim(),
      catchUp: f.catchUp,
      paused: f.paused,
    };
    if (f.priority.trim()) draft.priority = Number(f.priority);
    if (f.maxAttempts.trim()) draft.maxAttempts = Number(f.maxAttempts);
    if (f.timeout.trim()) draft.timeoutMs = Number(f.timeout);
    if (f.catchUpLimit.trim()) draft.catchUpLimit = Number(f.catchUpLimit);
    setBusy(true);
    try {
      onSaved(await app.client.request('schedules.save', draft));
    } catch (error) {
      if (error instanceof RemoteError && error.issues.length)
        setHostIssues(Object.fromEntries(error.issues.map((i) => [fieldOf(i.option), `expected ${i.expected}`])));
      else app.toast('error', `Could not save the schedule: ${(error as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      title={original ? `Edit the schedule ${original.name}` : 'New schedule'}
      onClose={onClose}
      wide
      testid="schedule-form"
      footer={
        <>
          {Object.keys(hostIssues).length > 0 && <span class="foot-left error-text">The host refused it; see the fields.</span>}
          <button onClick={onClose}>Cancel</button>
          <button class="primary" onClick={save} disabled={!valid || busy} data-testid="schedule-save">
            {busy ? 'Saving…' : original ? 'Save changes' : 'Create schedule'}
          </button>
        </>
      }
    >
      <form class="schedule-form" onSubmit={save} novalidate>
        <div class="form-grid">
          <Field
            label="Name"
            error={err('name')}
            help={original ? 'A schedule is known by its name; to rename, create a new one and remove this.' : 'Letters, digits, _ - ='}
            htmlFor="sf-name"
          >
            <input
              id="sf-name"
              value={f.name}
              disabled={!!original}
              onInput={(e) => set({ name: (e.target as HTMLInputElement).value })}
              placeholder="nightly-report"
              data-testid="schedule-name"
            />
          </Field>
          <fieldset class="checks kind-choice">
            <legend>Runs</legend>
            <label class="inline-check">
              <input
                type="radio"
                name="sf-kind"
                checked={f.kind === 'cron'}
                onChange={() => set({ kind: 'cron' })}
                data-testid="schedule-kind-cron"
              />{' '}
              on a cron pattern
            </label>
            <label class="inline-check">
              <input
                type="radio"
                name="sf-kind"
                checked={f.kind === 'every'}
                onChange={() => set({ kind: 'every' })}
                data-testid="schedule-kind-every"
              />{' '}
              every so often
            </label>
          </fieldset>
        </div>
        {f.kind === 'cron' ? (
          <div class="form-grid">
            <Field
              label="Cron pattern"
              error={err('cron')}
              help="minute hour day-of-month month day-of-week (a sixth field first for seconds)"
              htmlFor="sf-cron"
            >
              <input
                id="sf-cron"
                class="mono"
                value={f.cron}
                spellcheck={false}
                onInput={(e) => set({ cron: (e.target as HTMLInputElement).value })}
                placeholder="0 3 * * *"
                data-testid="schedule-cron"
              />
            </Field>
            <Field label="Time zone" error={err('tz')} help={`Empty: UTC. Yours: ${localZone}.`} htmlFor="sf-tz">
              <input
                id="sf-tz"
                list="sf-zones"
                value={f.tz}
                spellcheck={false}
                onInput={(e) => set({ tz: (e.target as HTMLInputElement).value })}
                placeholder="UTC"
                data-testid="schedule-tz"
              />
              <datalist id="sf-zones">
                {ZONES.map((z) => (
                  <option key={z} value={z} />
                ))}
              </datalist>
            </Field>
          </div>
        ) : (
          <div class="form-grid">
            <Field
              label="Every"
              error={err('every')}
              help="At least 1 second; ticks count from when the schedule is created."
              htmlFor="sf-every"
            >
              <div class="every-row">
                <input
                  id="sf-every"
                  inputMode="decimal"
                  value={f.every}
                  onInput={(e) => set({ every: (e.target as HTMLInputElement).value })}
                  data-testid="schedule-every"
                />
                <select
                  value={String(f.unit)}
                  onChange={(e) => set({ unit: Number((e.target as HTMLSelectElement).value) })}
                  aria-label="Unit"
                  data-testid="schedule-every-unit"
                >
                  {UNITS.map((u) => (
                    <option key={u.ms} value={String(u.ms)}>
                      {u.label}
                    </option>
                  ))}
                </select>
              </div>
            </Field>
          </div>
        )}
        <div class="preview" data-testid="schedule-preview" data-for={preview ? specKey : undefined} aria-live="polite">
          <div class="preview-head">Next five runs</div>
          {specIssue ? (
            <div class="error-text">{specIssue}</div>
          ) : !spec || !preview ? (
            <div class="muted">{specProblem ? '–' : 'Reading…'}</div>
          ) : preview.issues.length > 0 ? (
            <div class="muted">– (see the field above)</div>
          ) : preview.nextRuns.length === 0 ? (
            <div class="muted">This pattern matches no future time.</div>
          ) : (
            <ol class="preview-runs">
              {preview.nextRuns.map((at) => (
                <li key={at} data-testid="schedule-preview-run">
                  <span class="mono">{zoned(at, 'cron' in spec ? (spec.tz ?? 'UTC') : undefined)}</span>{' '}
                  <span class="muted">{fmtAgo(at)}</span>
                </li>
              ))}
            </ol>
          )}
        </div>
        <div class="form-grid">
          <Field
            label="Task"
            error={err('task')}
            htmlFor="sf-task"
            help={testTasks.find((t) => t.name === f.task)?.description ?? 'A task name your workers know.'}
          >
            <input
              id="sf-task"
              list="sf-tasks"
              value={f.task}
              onInput={(e) => set({ task: (e.target as HTMLInputElement).value })}
              data-testid="schedule-task"
            />
            <datalist id="sf-tasks">
              {testTasks.map((t) => (
                <option key={t.name} value={t.name} />
              ))}
            </datalist>
          </Field>
          <Field label="Queue" error={err('queue')} htmlFor="sf-queue">
            <input
              id="sf-queue"
              value={f.queue}
              onInput={(e) => set({ queue: (e.target as HTMLInputElement).value })}
              data-testid="schedule-queue"
            />
          </Field>
        </div>
        <Field
          label="Payload (JSON)"
          error={err('payload')}
          help={
            original && original.payloadJson === undefined
              ? `The stored payload (serializer ${original.serializer}) cannot be shown here; saving replaces it with this.`
              : undefined
          }
          htmlFor="sf-payload"
        >
          <textarea
            id="sf-payload"
            class="code-input"
            rows={4}
            spellcheck={false}
            value={f.payload}
            onInput={(e) => set({ payload: (e.target as HTMLTextAreaElement).value })}
            data-testid="schedule-payload"
          />
        </Field>
        <div class="form-grid compact">
          <Field label="Priority (0–9)" error={err('priority')} help="Empty: 0" htmlFor="sf-prio">
            <input
              id="sf-prio"
              inputMode="numeric"
              value={f.priority}
              onInput={(e) => set({ priority: (e.target as HTMLInputElement).value })}
            />
          </Field>
          <Field label="Max attempts" error={err('maxAttempts')} help="Empty: 3" htmlFor="sf-attempts">
            <input
              id="sf-attempts"
              inputMode="numeric"
              value={f.maxAttempts}
              onInput={(e) => set({ maxAttempts: (e.target as HTMLInputElement).value })}
            />
          </Field>
          <Field label="Timeout (ms)" error={err('timeout')} help="Empty: none" htmlFor="sf-timeout">
            <input
              id="sf-timeout"
              inputMode="numeric"
              value={f.timeout}
              onInput={(e) => set({ timeout: (e.target as HTMLInputElement).value })}
            />
          </Field>
          <Field
            label="After downtime"
            htmlFor="sf-catchup"
            help={
              f.catchUp === 'latest'
                ? 'Runs the latest missed tick once.'
                : f.catchUp === 'none'
                  ? 'Skips missed ticks.'
                  : 'Runs every missed tick, up to the limit.'
            }
          >
            <select
              id="sf-catchup"
              value={f.catchUp}
              onChange={(e) => set({ catchUp: (e.target as HTMLSelectElement).value as CatchUpPolicyView })}
            >
              <option value="latest">run the latest missed tick</option>
              <option value="none">skip missed ticks</option>
              <option value="all">run every missed tick</option>
            </select>
          </Field>
          {f.catchUp === 'all' && (
            <Field label="Catch-up limit" error={err('catchUpLimit')} help="Empty: 100" htmlFor="sf-limit">
              <input
                id="sf-limit"
                inputMode="numeric"
                value={f.catchUpLimit}
                onInput={(e) => set({ catchUpLimit: (e.target as HTMLInputElement).value })}
              />
            </Field>
          )}
        </div>
        <label class="inline-check">
          <input
            type="checkbox"
            checked={f.paused}
            onChange={(e) => set({ paused: (e.target as HTMLInputElement).checked })}
            data-testid="schedule-start-paused"
          />{' '}
          paused (no tasks until resumed)
        </label>
        {hostIssues.other && <Banner kind="error">{hostIssues.other}</Banner>}
        {/* Enter in a field saves, as in the other forms. */}
        <button type="submit" hidden />
      </form>
    </Modal>
  );
}

/** The host's option names → the form's fields. */
function fieldOf(option: string): string {
  if (option === 'schedule name') return 'name';
  if (option === 'payloadJson') return 'payload';
  const last = option.split('.').pop() ?? option;
  const map: Record<string, string> = {
    cron: 'cron',
    tz: 'tz',
    every: 'every',
    queue: 'queue',
    priority: 'priority',
    maxAttempts: 'maxAttempts',
    timeout: 'timeout',
    catchUpLimit: 'catchUpLimit',
    task: 'task',
  };
  return map[last] ?? (option === 'task name' ? 'task' : 'other');
}
