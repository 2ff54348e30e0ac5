// Retention on a queue row (queues.setRetention, stored on the backend and enforced by the
// workers): the row's keep tags and the Retention dialog, which shows the current rules and sets
// or clears, per finished state, the age after which a task is deleted (typed as the CLI takes it:
// `7d`, `12h`) and how many of the newest are kept. The age parser and the ranges are the core's.
import { useState } from 'preact/hooks';
import { checkTypedWholeNumber, parseWholeNumber } from '../../shared/core/rules.js';
import {
  AGE_TEXT_EXPECTED,
  KEEP_COUNT,
  KEEP_STATES,
  formatDurationText,
  parseAge,
  type KeepRule,
  type KeepSettings,
} from '../../shared/core/queue-settings.js';
import type { QueueView } from '../../shared/protocol/models.js';
import { Field } from '../components/common.js';
import { Modal } from '../components/modal.js';
import { fmtInt } from '../format.js';
import { useApp } from '../state/app.js';
import { hostProblem } from './queue-flow.js';

type KeepState = (typeof KEEP_STATES)[number];

/** `7d, newest 1,000` */
function ruleText(rule: KeepRule): string {
  return [
    rule.maxAgeMs !== undefined ? formatDurationText(rule.maxAgeMs) : '',
    rule.maxCount !== undefined ? `newest ${fmtInt(rule.maxCount)}` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

function ruleTitle(state: KeepState, rule: KeepRule): string {
  const parts = [];
  if (rule.maxAgeMs !== undefined) parts.push(`deleted ${formatDurationText(rule.maxAgeMs)} after they finish`);
  if (rule.maxCount !== undefined) parts.push(`at most the newest ${fmtInt(rule.maxCount)} kept`);
  return `Finished ${state} tasks: ${parts.join('; ')} (the workers delete the rest)`;
}

/** `7d · ≤ 1,000`: short, like the limit tags (the title says it in full). */
const tagText = (rule: KeepRule): string =>
  [rule.maxAgeMs !== undefined ? formatDurationText(rule.maxAgeMs) : '', rule.maxCount !== undefined ? `≤ ${fmtInt(rule.maxCount)}` : '']
    .filter(Boolean)
    .join(' · ');

export function RetentionTags({ q }: { q: QueueView }) {
  return (
    <>
      {KEEP_STATES.map((state) => {
        const rule = q.keep?.[state];
        return (
          rule && (
            <span key={state} class="tag" data-testid={`queue-keep-${q.queue}-${state}`} title={ruleTitle(state, rule)}>
              keep {state} {tagText(rule)}
            </span>
          )
        );
      })}
    </>
  );
}

interface Typed {
  age: string;
  count: string;
}

const typedOf = (keep: KeepSettings | undefined): Record<KeepState, Typed> =>
  Object.fromEntries(
    KEEP_STATES.map((s) => {
      const rule = keep?.[s];
      return [
        s,
        {
          age: rule?.maxAgeMs !== undefined ? formatDurationText(rule.maxAgeMs) : '',
          count: rule?.maxCount !== undefined ? String(rule.maxCount) : '',
        },
      ];
    }),
  ) as Record<KeepState, Typed>;

/** The field's problem, naming it (`succeeded delete after: expected …`); undefined when fine or empty. */
const ageProblem = (state: KeepState, text: string) =>
  text.trim() === '' || parseAge(text) !== undefined ? undefined : `${state} delete after: expected ${AGE_TEXT_EXPECTED}`;
const countProblem = (state: KeepState, text: string) =>
  text.trim() === '' ? undefined : checkTypedWholeNumber(KEEP_COUNT, text, `${state} keep at most`);

export function RetentionDialog({ profile, q, onClose }: { profile: string; q: QueueView; onClose: () => void }) {
  const app = useApp();
  const [typed, setTyped] = useState(() => typedOf(q.keep));
  const [hostError, setHostError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const problems = KEEP_STATES.map((s) => [ageProblem(s, typed[s].age), countProblem(s, typed[s].count)] as const);
  const valid = problems.every(([a, c]) => !a && !c);
  const set = (state: KeepState, field: keyof Typed, value: string) => setTyped({ ...typed, [state]: { ...typed[state], [field]: value } });

  const save = async (clear: boolean) => {
    setBusy(true);
    setHostError(null);
    // The rules replace the stored ones whole: an emptied field removes that rule.
    const keep: KeepSettings = {};
    if (!clear)
      for (const s of KEEP_STATES) {
        const maxAgeMs = typed[s].age.trim() ? parseAge(typed[s].age) : undefined;
        const maxCount = parseWholeNumber(typed[s].count);
        if (maxAgeMs !== undefined || maxCount !== undefined)
          keep[s] = { ...(maxAgeMs !== undefined ? { maxAgeMs } : {}), ...(maxCount !== undefined ? { maxCount } : {}) };
      }
    try {
      await app.client.request('queues.setRetention', { profile, queue: q.queue, keep });
      app.toast(
        'success',
        Object.keys(keep).length
          ? `Saved the retention of ${q.queue}`
          : `Removed the retention of ${q.queue}: it keeps every finished task`,
      );
      onClose();
    } catch (err) {
      setHostError(hostProblem(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      title={`Retention of ${q.queue}`}
      onClose={onClose}
      testid="retention-dialog"
      footer={
        <>
          {q.keep && (
            <button class="danger-text" onClick={() => void save(true)} disabled={busy} data-testid="retention-clear">
              Remove retention
            </button>
          )}
          <button onClick={onClose}>Cancel</button>
          <button class="primary" onClick={() => void save(false)} disabled={!valid || busy} data-testid="retention-save">
            {busy ? 'Saving…' : 'Save retention'}
          </button>
        </>
      }
    >
      <p class="muted">
        The workers delete finished tasks past these rules, continuously. An empty field has no rule; a state without rules keeps every
        task.
      </p>
      <p data-testid="retention-current">
        <span class="strong">Now: </span>
        {q.keep
          ? KEEP_STATES.filter((s) => q.keep?.[s])
              .map((s) => `${s} ${ruleText(q.keep![s]!)}`)
              .join('; ')
          : 'keeps every finished task'}
      </p>
      {KEEP_STATES.map((state, i) => (
        <fieldset key={state} class="keep-state" data-testid={`retention-${state}`}>
          <legend class={`state-${state}`}>{state}</legend>
          <div class="keep-fields">
            <Field label="Delete after" error={problems[i][0]} help="Since it finished: 12h, 7d" htmlFor={`keep-${state}-age`}>
              <input
                id={`keep-${state}-age`}
                class="mono"
                value={typed[state].age}
                onInput={(e) => set(state, 'age', (e.target as HTMLInputElement).value)}
                placeholder="7d"
                data-testid={`keep-${state}-age`}
              />
            </Field>
            <Field label="Keep at most" error={problems[i][1]} help="The newest, by finish time" htmlFor={`keep-${state}-count`}>
              <input
                id={`keep-${state}-count`}
                inputMode="numeric"
                value={typed[state].count}
                onInput={(e) => set(state, 'count', (e.target as HTMLInputElement).value)}
                placeholder="1000"
                data-testid={`keep-${state}-count`}
              />
            </Field>
          </div>
        </fieldset>
      ))}
      {hostError && (
        <div class="error-text" role="alert" data-testid="retention-error">
          {hostError}
        </div>
      )}
    </Modal>
  );
}
