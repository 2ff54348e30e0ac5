// Enqueue test traffic: a built-in test task (or any task name), a JSON payload checked as you
// type, and how many, where, how urgent, how late.
import { useEffect, useState } from 'preact/hooks';
import { RemoteError } from '../../shared/protocol/messages.js';
import { Banner, Empty, Field, Panel } from '../components/common.js';
import { routeClick } from '../components/shell.js';
import {
  DELAY_MS,
  ENQUEUE_COUNT,
  MAX_ATTEMPTS,
  PRIORITY,
  checkPayloadJson,
  checkQueueName,
  checkTaskName,
  checkTypedWholeNumber,
} from '../../shared/core/rules.js';
import { fmtInt } from '../format.js';
import { useApp, useAppState } from '../state/app.js';

const OTHER = '__other__';

interface Form {
  task: string;
  customName: string;
  payload: string;
  count: string;
  queue: string;
  priority: string;
  delay: string;
  maxAttempts: string;
}

export function EnqueueView() {
  const app = useApp();
  const selected = useAppState((s) => s.selected);
  const testTasks = useAppState((s) => s.hello?.testTasks ?? []);
  const [form, setForm] = useState<Form>({
    task: 'sitq.echo',
    customName: '',
    payload: '{\n  "hello": "world"\n}',
    count: '1',
    queue: 'default',
    priority: '0',
    delay: '0',
    maxAttempts: '3',
  });
  const [hostIssues, setHostIssues] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [last, setLast] = useState<string | null>(null);

  useEffect(() => setHostIssues({}), [form]);
  if (!selected) return <Empty title="Pick or add a profile first" />;

  const name = form.task === OTHER ? form.customName.trim() : form.task;
  const problems: Record<string, string | undefined> = {
    // The core's own rules (shared/core/rules.ts): what passes here passes the enqueue.
    name: checkTaskName(name, 'task'),
    payload: checkPayloadJson(form.payload),
    count: checkTypedWholeNumber(ENQUEUE_COUNT, form.count, 'count'),
    queue: checkQueueName(form.queue),
    priority: checkTypedWholeNumber(PRIORITY, form.priority, 'priority'),
    delay: checkTypedWholeNumber(DELAY_MS, form.delay, 'delay'),
    maxAttempts: checkTypedWholeNumber(MAX_ATTEMPTS, form.maxAttempts, 'attempts'),
  };
  const err = (k: string) => problems[k] ?? hostIssues[k];
  const valid = Object.values(problems).every((p) => p === undefined);
  const info = testTasks.find((t) => t.name === form.task);
  const set = (patch: Partial<Form>) => setForm((f) => ({ ...f, ...patch }));

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!valid) return;
    setBusy(true);
    try {
      const r = await app.client.request(
        'tasks.enqueue',
        {
          profile: selected,
          name,
          payloadJson: form.payload,
          count: Number(form.count),
          queue: form.queue,
          priority: Number(form.priority),
          delayMs: Number(form.delay),
          maxAttempts: Number(form.maxAttempts),
        },
        { timeoutMs: 120_000 },
      );
      const text = `Enqueued ${fmtInt(r.enqueued)} × ${name} to ${form.queue} on ${selected}`;
      setLast(text);
      app.toast('success', text);
    } catch (error) {
      if (error instanceof RemoteError && error.issues.length)
        setHostIssues(Object.fromEntries(error.issues.map((i) => [fieldOf(i.option), `expected ${i.expected}`])));
      else app.toast('error', `Could not enqueue: ${(error as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Panel title={`Enqueue test tasks on ${selected}`} testid="enqueue">
      <form class="enqueue-form" onSubmit={submit} novalidate>
        <div class="form-grid">
          <Field label="Task" htmlFor="eq-task" help={info?.description}>
            <select
              id="eq-task"
              value={form.task}
              onChange={(e) => {
                const task = (e.target as HTMLSelectElement).value;
                const example = testTasks.find((t) => t.name === task)?.examplePayload;
                set(example ? { task, payload: example } : { task });
              }}
              data-testid="enqueue-task"
            >
              {testTasks.map((t) => (
                <option key={t.name} value={t.name}>
                  {t.name}
                </option>
              ))}
              <option value={OTHER}>another task name…</option>
            </select>
          </Field>
          {form.task === OTHER && (
            <Field label="Task name" error={err('name')} htmlFor="eq-name">
              <input
                id="eq-name"
                value={form.customName}
                onInput={(e) => set({ customName: (e.target as HTMLInputElement).value })}
                placeholder="email.send"
                data-testid="enqueue-name"
              />
            </Field>
          )}
          <Field label="Count" error={err('count')} htmlFor="eq-count">
            <input
              id="eq-count"
              inputMode="numeric"
              value={form.count}
              onInput={(e) => set({ count: (e.target as HTMLInputElement).value })}
              data-testid="enqueue-count"
            />
          </Field>
          <Field label="Queue" error={err('queue')} htmlFor="eq-queue">
            <input
              id="eq-queue"
              value={form.queue}
              onInput={(e) => set({ queue: (e.target as HTMLInputElement).value })}
              data-testid="enqueue-queue"
            />
          </Field>
          <Field label="Priority (0–9, higher first)" error={err('priority')} htmlFor="eq-prio">
            <input
              id="eq-prio"
              inputMode="numeric"
              value={form.priority}
              onInput={(e) => set({ priority: (e.target as HTMLInputElement).value })}
              data-testid="enqueue-priority"
            />
          </Field>
          <Field label="Delay (ms)" error={err('delay')} htmlFor="eq-delay">
            <input
              id="eq-delay"
              inputMode="numeric"
              value={form.delay}
              onInput={(e) => set({ delay: (e.target as HTMLInputElement).value })}
              data-testid="enqueue-delay"
            />
          </Field>
          <Field label="Max attempts" error={err('maxAttempts')} htmlFor="eq-attempts">
            <input
              id="eq-attempts"
              inputMode="numeric"
              value={form.maxAttempts}
              onInput={(e) => set({ maxAttempts: (e.target as HTMLInputElement).value })}
              data-testid="enqueue-attempts"
            />
          </Field>
        </div>
        <Field label="Payload (JSON)" error={err('payload')} htmlFor="eq-payload">
          <textarea
            id="eq-payload"
            class="code-input"
            rows={8}
            spellcheck={false}
            value={form.payload}
            onInput={(e) => set({ payload: (e.target as HTMLTextAreaElement).value })}
            data-testid="enqueue-payload"
          />
        </Field>
        <div class="form-actions">
          <button class="primary" type="submit" disabled={!valid || busy} data-testid="enqueue-submit">
            {busy
              ? 'Enqueuing…'
              : `Enqueue ${/^\d+$/.test(form.count) ? fmtInt(Number(form.count)) : ''} task${form.count === '1' ? '' : 's'}`}
          </button>
          {last && (
            <span class="ok-text" data-testid="enqueue-result">
              {last} ·{' '}
              <a href="#/queues" onClick={routeClick('queues')}>
                see the queue
              </a>
            </span>
          )}
        </div>
        {Object.keys(hostIssues).length > 0 && <Banner kind="error">The host refused the request; see the fields above.</Banner>}
      </form>
    </Panel>
  );
}

/** `enqueue options.priority` → `priority`; `payloadJson` → `payload`; `task name` → `name`. */
function fieldOf(option: string): string {
  const last = option.split('.').pop() ?? option;
  if (last === 'payloadJson') return 'payload';
  if (option === 'task name') return 'name';
  if (last === 'delay') return 'delay';
  return last;
}
