// Flow control on a queue row (queues.pause / queues.resume / queues.setLimits, stored on the
// backend and obeyed by every worker of every process): the row's paused and limit tags, its
// Pause/Resume button, and the Limits dialog (a rate as the CLI writes it, `100/1s`, and the most
// tasks running at once). The rate parser and the ranges are the core's (queue-settings.ts).
import { useState } from 'preact/hooks';
import { checkTypedWholeNumber } from '../../shared/core/rules.js';
import { MAX_RUNNING, RATE_TEXT_EXPECTED, formatRate, parseRate } from '../../shared/core/queue-settings.js';
import { RemoteError } from '../../shared/protocol/messages.js';
import type { QueueView } from '../../shared/protocol/models.js';
import { Field } from '../components/common.js';
import { Modal } from '../components/modal.js';
import { useApp } from '../state/app.js';

export function FlowTags({ q }: { q: QueueView }) {
  return (
    <>
      {q.paused && (
        <span
          class="tag tag-warn"
          data-testid={`queue-paused-${q.queue}`}
          title="No worker claims from this queue until it is resumed; enqueueing still works"
        >
          paused
        </span>
      )}
      {q.rate && (
        <span class="tag" data-testid={`queue-rate-${q.queue}`} title="At most this many task starts per period, across every worker">
          ≤ {formatRate(q.rate)}
        </span>
      )}
      {q.maxRunning !== undefined && (
        <span class="tag" data-testid={`queue-max-running-${q.queue}`} title="At most this many tasks running at once, across every worker">
          ≤ {q.maxRunning} running
        </span>
      )}
    </>
  );
}

export function PauseButton({ profile, q }: { profile: string; q: QueueView }) {
  const app = useApp();
  const [busy, setBusy] = useState(false);
  const run = async (e: Event) => {
    e.stopPropagation();
    setBusy(true);
    try {
      await app.client.request(q.paused ? 'queues.resume' : 'queues.pause', { profile, queue: q.queue });
      app.toast(
        'success',
        q.paused
          ? `Resumed ${q.queue}: workers claim from it again`
          : `Paused ${q.queue}: workers stop claiming within a second; running tasks finish`,
      );
    } catch (err) {
      app.toast('error', (err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <button onClick={run} disabled={busy} data-testid={q.paused ? `queue-resume-${q.queue}` : `queue-pause-${q.queue}`}>
      {q.paused ? 'Resume' : 'Pause'}
    </button>
  );
}

/** What the host refused, naming each field it names (a RemoteError's issues). */
export function hostProblem(err: unknown): string {
  return err instanceof RemoteError && err.issues.length
    ? err.issues.map((i) => `${i.option}: expected ${i.expected}`).join('; ')
    : (err as Error).message;
}

export function LimitsDialog({ profile, q, onClose }: { profile: string; q: QueueView; onClose: () => void }) {
  const app = useApp();
  const [rate, setRate] = useState(q.rate ? formatRate(q.rate) : '');
  const [maxRunning, setMaxRunning] = useState(q.maxRunning === undefined ? '' : String(q.maxRunning));
  const [hostError, setHostError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const rateProblem = rate.trim() === '' || parseRate(rate.trim()) ? undefined : `expected ${RATE_TEXT_EXPECTED}`;
  const runningProblem = maxRunning.trim() === '' ? undefined : checkTypedWholeNumber(MAX_RUNNING, maxRunning, 'max running');
  const valid = !rateProblem && !runningProblem;

  const save = async (clear: boolean) => {
    setBusy(true);
    setHostError(null);
    try {
      const parsed = rate.trim() ? parseRate(rate.trim()) : undefined;
      await app.client.request('queues.setLimits', {
        profile,
        queue: q.queue,
        rate: clear || !parsed ? null : parsed,
        maxRunning: clear || maxRunning.trim() === '' ? null : Number(maxRunning),
      });
      app.toast('success', clear ? `Removed the limits of ${q.queue}` : `Saved the limits of ${q.queue}`);
      onClose();
    } catch (err) {
      setHostError(hostProblem(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      title={`Limits of ${q.queue}`}
      onClose={onClose}
      testid="limits-dialog"
      footer={
        <>
          {(q.rate || q.maxRunning !== undefined) && (
            <button class="danger-text foot-left-button" onClick={() => void save(true)} disabled={busy} data-testid="limits-clear">
              Remove limits
            </button>
          )}
          <button onClick={onClose}>Cancel</button>
          <button class="primary" onClick={() => void save(false)} disabled={!valid || busy} data-testid="limits-save">
            {busy ? 'Saving…' : 'Save limits'}
          </button>
        </>
      }
    >
      <p class="muted">Across every worker of every process. Tasks over a limit wait as pending: they never fail and use no attempt.</p>
      <Field
        label="Rate (starts per period)"
        error={rateProblem}
        help="Such as 100/1s, 10/500ms, 1000/1m; empty: no rate limit."
        htmlFor="limits-rate"
      >
        <input
          id="limits-rate"
          class="mono"
          value={rate}
          onInput={(e) => setRate((e.target as HTMLInputElement).value)}
          placeholder="100/1s"
          data-testid="limits-rate"
        />
      </Field>
      <Field label="Most running at once" error={runningProblem} help="Empty: no limit." htmlFor="limits-running">
        <input
          id="limits-running"
          inputMode="numeric"
          value={maxRunning}
          onInput={(e) => setMaxRunning((e.target as HTMLInputElement).value)}
          data-testid="limits-max-running"
        />
      </Field>
      {hostError && (
        <div class="error-text" role="alert" data-testid="limits-error">
          {hostError}
        </div>
      )}
    </Modal>
  );
}
