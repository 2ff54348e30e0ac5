// Profiles at a glance: each backend with its live health (status, response time, score) and the
// actions on it. The health figures arrive as events; nothing here polls.
import { useState } from 'preact/hooks';
import { BACKEND_LABELS } from '../../shared/protocol/fields.js';
import type { ProfileView } from '../../shared/protocol/models.js';
import { Banner, Empty, Panel, StatusDot, TableWrap } from '../components/common.js';
import { useConfirm } from '../components/modal.js';
import { navigate } from '../components/shell.js';
import { fmtAgo, fmtMs } from '../format.js';
import { useApp, useAppState } from '../state/app.js';
import { ProfileForm, type FormMode } from './profile-form.js';

export function ProfilesView() {
  const app = useApp();
  const profiles = useAppState((s) => s.profiles);
  const loaded = useAppState((s) => s.profilesLoaded);
  const error = useAppState((s) => s.profilesError);
  const health = useAppState((s) => s.health);
  const hello = useAppState((s) => s.hello);
  const selected = useAppState((s) => s.selected);
  const [form, setForm] = useState<FormMode | null>(null);
  const [confirmEl, confirm] = useConfirm();
  const [testing, setTesting] = useState<string | null>(null);

  const remove = async (p: ProfileView) => {
    const ok = await confirm({
      title: `Delete profile ${p.name}?`,
      body: (
        <p>
          The profile is removed from <span class="mono">{hello?.configPath}</span> and its stored secrets are deleted. The tasks in the
          backend are not touched.
        </p>
      ),
      confirm: 'Delete profile',
      danger: true,
    });
    if (!ok) return;
    try {
      await app.client.request('profiles.delete', { name: p.name });
      app.toast('success', `Profile ${p.name} deleted`);
    } catch (err) {
      app.toast('error', `Could not delete ${p.name}: ${(err as Error).message}`);
    }
  };

  const test = async (p: ProfileView) => {
    setTesting(p.name);
    try {
      const r = await app.client.request('profiles.test', { name: p.name }, { timeoutMs: 60_000 });
      if (r.ok) app.toast('success', `${p.name}: connected in ${fmtMs(r.latencyMs)} (${r.serverVersion ?? 'server'})`);
      else app.toast('error', `${p.name}: ${r.error ?? 'no answer'}`);
    } catch (err) {
      app.toast('error', `${p.name}: ${(err as Error).message}`);
    } finally {
      setTesting(null);
    }
  };

  return (
    <>
      <Panel
        title="Profiles"
        testid="profiles"
        actions={
          <button class="primary" onClick={() => setForm({ kind: 'add' })} data-testid="profile-add">
            Add profile
          </button>
        }
      >
        {hello && !hello.secretStore.secure && hello.secretStore.warning && (
          <Banner kind="warning" testid="secret-warning">
            {hello.secretStore.warning}
          </Banner>
        )}
        {error && <Banner kind="error">The config file could not be read: {error}</Banner>}
        {!loaded ? (
          <p class="muted" role="status" data-testid="profiles-loading">
            Loading profiles…
          </p>
        ) : profiles.length === 0 && !error ? (
          <Empty title="No profiles yet">
            <p>
              A profile names a backend and its settings. They are saved in <span class="mono">{hello?.configPath}</span>.
            </p>
            <div class="preset-row">
              {hello?.presets.map((p) => (
                <button key={p.name} onClick={() => setForm({ kind: 'add', preset: p })} data-testid={`preset-${p.name}`}>
                  + {BACKEND_LABELS[p.kind]} <span class="muted">({p.name})</span>
                </button>
              ))}
            </div>
          </Empty>
        ) : (
          <TableWrap>
            <table class="table profiles-table">
              <thead>
                <tr>
                  <th>Status</th>
                  <th>Profile</th>
                  <th>Address</th>
                  <th class="num">Response</th>
                  <th class="num">Score</th>
                  <th class="num" title="Age of the oldest pending task">
                    Lag
                  </th>
                  <th class="num">Workers</th>
                  <th class="num">Dead</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {profiles.map((p) => {
                  const h = health[p.name];
                  return (
                    <tr key={p.name} class={p.name === selected ? 'selected' : ''} data-testid={`profile-row-${p.name}`}>
                      <td>
                        <span class={`status status-${h?.status ?? 'unknown'}`} data-testid="profile-status">
                          <StatusDot status={h?.status ?? 'unknown'} title={h?.error} />
                          {h?.status ?? 'checking'}
                        </span>
                      </td>
                      <td class="profile-cell card-main">
                        <button class="link strong" onClick={() => app.select(p.name)} title="Make this the current profile">
                          {p.name}
                        </button>
                        {p.isDefault && <span class="tag">default</span>}
                        <div class="muted small">
                          {BACKEND_LABELS[p.kind]}
                          {p.description ? ` · ${p.description}` : ''}
                        </div>
                        {p.problem && <div class="error-text small">{p.problem}</div>}
                        {h?.error && h.status !== 'healthy' && (
                          <div class="error-text small" data-testid="profile-error">
                            {h.error}
                          </div>
                        )}
                      </td>
                      <td class="mono small address-cell card-line2 card-full">{p.address}</td>
                      <td class="num card-line2" data-label="Response">
                        {fmtMs(h?.latencyMs)}
                      </td>
                      <td class="num card-line2" data-label="Score" title={h?.checkedAt ? `checked ${fmtAgo(h.checkedAt)}` : undefined}>
                        <span class={`score ${scoreTone(h?.score)}`} data-testid="profile-score">
                          {h ? h.score : '–'}
                        </span>
                      </td>
                      <td class="num card-line2" data-label="Lag">
                        {h?.facts ? fmtMs(h.facts.lagMs) : '–'}
                      </td>
                      <td class="num card-line2" data-label="Workers">
                        {h?.facts?.liveWorkers ?? '–'}
                      </td>
                      <td class="num card-line2" data-label="Dead">
                        {h?.facts?.deadTasks ?? '–'}
                      </td>
                      <td class="row-actions">
                        <button onClick={() => test(p)} disabled={testing === p.name} data-testid="profile-row-test">
                          {testing === p.name ? 'Testing…' : 'Test'}
                        </button>
                        <button
                          onClick={() => {
                            app.select(p.name);
                            navigate('queues');
                          }}
                        >
                          Queues
                        </button>
                        <button onClick={() => setForm({ kind: 'edit', profile: p })} data-testid="profile-edit">
                          Edit
                        </button>
                        <button onClick={() => setForm({ kind: 'duplicate', profile: p })}>Duplicate</button>
                        <button class="danger-text" onClick={() => remove(p)} data-testid="profile-delete">
                          Delete
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableWrap>
        )}
      </Panel>
      {form && <ProfileForm mode={form} onClose={() => setForm(null)} />}
      {confirmEl}
    </>
  );
}

function scoreTone(score: number | undefined): string {
  if (score === undefined) return '';
  return score >= 90 ? 'good' : score >= 60 ? 'warn' : 'bad';
}
