// The schedules screen's form (add and edit): the spec as cron with a time zone or as an interval,
// the task it enqueues with its options and catch-up policy, a preview of the next five runs as the
// spec is typed (schedules.preview, the core's own cron and time-zone rules), and the host's
// refusals shown on the field they name. Split from schedules.tsx, which keeps the list.
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  CATCH_UP_LIMIT,
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
import { Banner, Field } from '../components/common.js';
import { Modal } from '../components/modal.js';
import { fmtAgo } from '../format.js';
import { useApp, useAppState } from '../state/app.js';
import { UNITS, zoned } from './schedule-spec.js';

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

export function ScheduleForm({
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
    catchUpLimit: f.catchUpLimit.trim() ? checkTypedWholeNumber(CATCH_UP_LIMIT, f.catchUpLimit, 'catch-up limit') : undefined,
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
