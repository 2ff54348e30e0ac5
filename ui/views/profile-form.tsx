// Add / edit / duplicate a profile. Every keystroke is checked by the host with the same rules the
// CLI applies (debounced), and each problem is shown under its field. Secrets typed here go to
// the host's secret store; the config file only ever gets a ${NAME} reference.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { BACKEND_FIELDS, BACKEND_LABELS, type FieldSpec } from '../../shared/protocol/fields.js';
import { BACKEND_KINDS, DEFAULT_BACKEND_KIND } from '../../shared/backends/descriptors.js';
import { RemoteError } from '../../shared/protocol/messages.js';
import type { BackendKind, ConnectionTestResult, FieldIssue, ProfileDraft, ProfileView } from '../../shared/protocol/models.js';
import { Banner, Field } from '../components/common.js';
import { Modal } from '../components/modal.js';
import { useApp, useAppState } from '../state/app.js';

export type FormMode =
  { kind: 'add'; preset?: ProfileDraft } | { kind: 'edit'; profile: ProfileView } | { kind: 'duplicate'; profile: ProfileView };

interface FormState {
  name: string;
  kind: BackendKind;
  description: string;
  /** Raw text of each field, as typed. */
  values: Record<string, string>;
  checks: Record<string, boolean>;
  /** Secret fields the user typed a new value into. */
  secrets: Record<string, string>;
  /** Stored secrets the user asked to remove. */
  removeSecrets: Record<string, boolean>;
}

function initialState(mode: FormMode, taken: string[]): FormState {
  if (mode.kind === 'add') {
    const p = mode.preset;
    const kind = p?.kind ?? DEFAULT_BACKEND_KIND;
    return {
      name: p ? uniqueName(p.name, taken) : '',
      kind,
      description: p?.description ?? '',
      ...valuesFrom(kind, p?.options ?? {}),
      secrets: {},
      removeSecrets: {},
    };
  }
  const { profile } = mode;
  const name = mode.kind === 'edit' ? profile.name : uniqueName(`${profile.name}-copy`, taken);
  return {
    name,
    kind: profile.kind,
    description: profile.description ?? '',
    ...valuesFrom(profile.kind, profile.options),
    secrets: {},
    removeSecrets: {},
  };
}

function uniqueName(base: string, taken: string[]): string {
  if (!taken.includes(base)) return base;
  for (let i = 2; ; i++) if (!taken.includes(`${base}-${i}`)) return `${base}-${i}`;
}

function valuesFrom(kind: BackendKind, options: Record<string, unknown>): Pick<FormState, 'values' | 'checks'> {
  const values: Record<string, string> = {};
  const checks: Record<string, boolean> = {};
  for (const f of BACKEND_FIELDS[kind]) {
    const v = options[f.key];
    if (v === undefined || f.kind === 'secret') continue;
    if (f.kind === 'boolean') checks[f.key] = v === true;
    else if (Array.isArray(v)) values[f.key] = v.join(', ');
    else values[f.key] = String(v);
  }
  return { values, checks };
}

/** The draft the host checks: numbers typed as numbers (anything else is sent as typed, so the host
 *  names the problem), lists split on commas, options the form does not show kept as they were. */
function toDraft(s: FormState, base: Record<string, unknown>, secretKeys: string[]): ProfileDraft {
  const fields = BACKEND_FIELDS[s.kind];
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(base)) if (!fields.some((f) => f.key === k) && !secretKeys.includes(k)) options[k] = v;
  for (const f of fields) {
    if (f.kind === 'secret') continue;
    if (f.kind === 'boolean') {
      if (s.checks[f.key]) options[f.key] = true;
      continue;
    }
    const raw = (s.values[f.key] ?? '').trim();
    if (raw === '') continue;
    if (f.kind === 'number') options[f.key] = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
    else if (f.kind === 'list')
      options[f.key] = raw
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
    else options[f.key] = raw;
  }
  const secrets: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(s.secrets)) if (v !== '') secrets[k] = v;
  for (const [k, remove] of Object.entries(s.removeSecrets)) if (remove) secrets[k] = null;
  const draft: ProfileDraft = { name: s.name.trim(), kind: s.kind, options, secrets };
  if (s.description.trim()) draft.description = s.description.trim();
  return draft;
}

export function ProfileForm({ mode, onClose }: { mode: FormMode; onClose: () => void }) {
  const app = useApp();
  const profiles = useAppState((s) => s.profiles);
  const storeInfo = useAppState((s) => s.hello?.secretStore);
  const taken = profiles.map((p) => p.name);
  const [state, setState] = useState<FormState>(() => initialState(mode, taken));
  const [issues, setIssues] = useState<FieldIssue[]>([]);
  const [checked, setChecked] = useState(false);
  const [saving, setSaving] = useState(false);
  const [testing, setTesting] = useState(false);
  const [test, setTest] = useState<ConnectionTestResult | null>(null);
  const [showAdvanced, setShowAdvanced] = useState(false);
  const source = mode.kind === 'add' ? undefined : mode.profile;
  const originalName = mode.kind === 'edit' ? mode.profile.name : undefined;
  // Duplicates keep the source's stored secrets only by reference to the source's entry when editing;
  // a duplicate starts without them (they belong to the original).
  const storedSecrets = mode.kind === 'edit' && source && source.kind === state.kind ? source.secretKeys : [];
  const base = source && source.kind === state.kind ? source.options : {};
  const draft = useMemo(() => toDraft(state, base, source?.secretKeys ?? []), [state]);
  const seq = useRef(0);

  useEffect(() => {
    const mine = ++seq.current;
    const t = setTimeout(() => {
      app.client
        .request('profiles.validate', originalName ? { draft, originalName } : { draft })
        .then((found) => {
          if (mine !== seq.current) return;
          setIssues(found);
          setChecked(true);
        })
        .catch(() => {});
    }, 150);
    return () => clearTimeout(t);
  }, [draft]);

  const issueFor = (field: string) => issues.find((i) => i.field === field)?.message;
  const others = issues.filter((i) => !['name', 'description', ...BACKEND_FIELDS[state.kind].map((f) => f.key)].includes(i.field));
  const set = (patch: Partial<FormState>) => {
    setState((s) => ({ ...s, ...patch }));
    setTest(null);
  };

  const save = async () => {
    setSaving(true);
    try {
      const saved = await app.client.request('profiles.save', originalName ? { draft, originalName } : { draft });
      app.toast('success', `Profile ${saved.name} saved`);
      app.select(saved.name);
      onClose();
    } catch (err) {
      if (err instanceof RemoteError && err.issues.length) setIssues(err.issues.map((i) => ({ field: i.option, message: i.expected })));
      else app.toast('error', `Could not save: ${(err as Error).message}`);
    } finally {
      setSaving(false);
    }
  };

  const runTest = async () => {
    setTesting(true);
    setTest(null);
    try {
      setTest(await app.client.request('profiles.test', originalName ? { draft, originalName } : { draft }, { timeoutMs: 60_000 }));
    } catch (err) {
      setTest({ ok: false, latencyMs: 0, error: (err as Error).message });
    } finally {
      setTesting(false);
    }
  };

  const fields = BACKEND_FIELDS[state.kind];
  const basic = fields.filter((f) => !f.advanced);
  const advanced = fields.filter((f) => f.advanced);
  const advancedHasError = advanced.some((f) => issueFor(f.key));
  const title =
    mode.kind === 'edit'
      ? `Edit profile ${mode.profile.name}`
      : mode.kind === 'duplicate'
        ? `Duplicate ${mode.profile.name}`
        : 'Add a profile';

  return (
    <Modal
      title={title}
      onClose={onClose}
      wide
      testid="profile-form"
      footer={
        <>
          <div class="foot-left">
            {test && (
              <span class={test.ok ? 'ok-text' : 'error-text'} data-testid="test-result">
                {test.ok
                  ? `Connected in ${test.latencyMs.toFixed(1)} ms · ${test.serverVersion ?? ''}`
                  : `Failed: ${test.error ?? 'no answer'}`}
              </span>
            )}
          </div>
          <button onClick={runTest} disabled={testing || issues.length > 0} data-testid="profile-test">
            {testing ? 'Testing…' : 'Test connection'}
          </button>
          <button class="primary" onClick={save} disabled={saving || !checked || issues.length > 0} data-testid="profile-save">
            {saving ? 'Saving…' : 'Save'}
          </button>
        </>
      }
    >
      <div class="form-grid">
        <Field label="Name" error={issueFor('name')} htmlFor="pf-name">
          <input
            id="pf-name"
            value={state.name}
            onInput={(e) => set({ name: (e.target as HTMLInputElement).value })}
            data-testid="field-name"
            autocomplete="off"
            spellcheck={false}
          />
        </Field>
        <Field label="Backend" htmlFor="pf-kind">
          <select
            id="pf-kind"
            value={state.kind}
            onChange={(e) =>
              set({ kind: (e.target as HTMLSelectElement).value as BackendKind, values: {}, checks: {}, secrets: {}, removeSecrets: {} })
            }
            data-testid="field-kind"
          >
            {BACKEND_KINDS.map((k) => (
              <option key={k} value={k}>
                {BACKEND_LABELS[k]}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Description" error={issueFor('description')} htmlFor="pf-desc">
          <input id="pf-desc" value={state.description} onInput={(e) => set({ description: (e.target as HTMLInputElement).value })} />
        </Field>
      </div>
      <h3 class="form-section">Connection</h3>
      <div class="form-grid">
        {basic.map((f) => (
          <FieldInput key={f.key} spec={f} state={state} set={set} error={issueFor(f.key)} stored={storedSecrets.includes(f.key)} />
        ))}
      </div>
      <button class="link disclosure" onClick={() => setShowAdvanced((v) => !v)} aria-expanded={showAdvanced || advancedHasError}>
        {showAdvanced || advancedHasError ? '▾' : '▸'} Advanced options
      </button>
      {(showAdvanced || advancedHasError) && (
        <div class="form-grid">
          {advanced.map((f) => (
            <FieldInput key={f.key} spec={f} state={state} set={set} error={issueFor(f.key)} stored={storedSecrets.includes(f.key)} />
          ))}
        </div>
      )}
      {others.map((i) => (
        <Banner kind="error" key={i.field}>
          {i.field}: {i.message}
        </Banner>
      ))}
      {storeInfo && fields.some((f) => f.kind === 'secret') && (
        <p class={`secret-note ${storeInfo.secure ? '' : 'warn'}`} data-testid="secret-store-note">
          Secrets go to {storeInfo.label}, never to the config file.
          {!storeInfo.secure && storeInfo.warning ? ` ${storeInfo.warning}` : ''}
        </p>
      )}
    </Modal>
  );
}

function FieldInput({
  spec,
  state,
  set,
  error,
  stored,
}: {
  spec: FieldSpec;
  state: FormState;
  set: (p: Partial<FormState>) => void;
  error?: string;
  stored: boolean;
}) {
  const id = `pf-${spec.key}`;
  const testid = `field-${spec.key}`;
  if (spec.kind === 'boolean') {
    return (
      <Field label={spec.label} error={error} help={spec.help} htmlFor={id}>
        <input
          id={id}
          type="checkbox"
          checked={!!state.checks[spec.key]}
          onChange={(e) => set({ checks: { ...state.checks, [spec.key]: (e.target as HTMLInputElement).checked } })}
          data-testid={testid}
        />
      </Field>
    );
  }
  if (spec.kind === 'choice') {
    return (
      <Field label={spec.label} error={error} help={spec.help} htmlFor={id}>
        <select
          id={id}
          value={state.values[spec.key] ?? ''}
          onChange={(e) => set({ values: { ...state.values, [spec.key]: (e.target as HTMLSelectElement).value } })}
          data-testid={testid}
        >
          <option value="">(default)</option>
          {spec.choices?.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </Field>
    );
  }
  if (spec.kind === 'secret') {
    const removing = !!state.removeSecrets[spec.key];
    return (
      <Field
        label={spec.label}
        error={error}
        help={stored ? (removing ? 'The stored value will be removed on save.' : 'A value is stored; leave empty to keep it.') : spec.help}
        htmlFor={id}
      >
        <div class="secret-row">
          <input
            id={id}
            type="password"
            autocomplete="new-password"
            placeholder={stored ? '•••••••• (stored)' : spec.placeholder}
            value={state.secrets[spec.key] ?? ''}
            disabled={removing}
            onInput={(e) => set({ secrets: { ...state.secrets, [spec.key]: (e.target as HTMLInputElement).value } })}
            data-testid={testid}
          />
          {stored && (
            <label class="inline-check">
              <input
                type="checkbox"
                checked={removing}
                onChange={(e) => set({ removeSecrets: { ...state.removeSecrets, [spec.key]: (e.target as HTMLInputElement).checked } })}
              />{' '}
              remove
            </label>
          )}
        </div>
      </Field>
    );
  }
  return (
    <Field label={spec.label} error={error} help={spec.help} htmlFor={id}>
      <input
        id={id}
        inputMode={spec.kind === 'number' ? 'numeric' : undefined}
        placeholder={spec.placeholder}
        value={state.values[spec.key] ?? ''}
        onInput={(e) => set({ values: { ...state.values, [spec.key]: (e.target as HTMLInputElement).value } })}
        data-testid={testid}
        spellcheck={false}
        autocomplete="off"
      />
    </Field>
  );
}
