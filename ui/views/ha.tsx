// High availability: for each profile, its nodes as the last health check saw them — which one
// serves writes, each node's role and reachability.
import { useEffect, useState } from 'preact/hooks';
import type { NodeStatus } from '../../shared/protocol/models.js';
import { Banner, Empty, Panel, StatusDot } from '../components/common.js';
import { BACKEND_LABELS } from '../../shared/protocol/fields.js';
import { useApp, useAppState } from '../state/app.js';

export function HaView() {
  const app = useApp();
  const profiles = useAppState((s) => s.profiles);
  const health = useAppState((s) => s.health);
  const [nodes, setNodes] = useState<Record<string, NodeStatus[] | string>>({});
  const checkedAt = profiles.map((p) => health[p.name]?.checkedAt ?? 0).join(',');

  useEffect(() => {
    for (const p of profiles) {
      void app.client.request('ha.nodes', { profile: p.name }).then(
        (list) => setNodes((n) => ({ ...n, [p.name]: list })),
        (err: Error) => setNodes((n) => ({ ...n, [p.name]: err.message })),
      );
    }
  }, [profiles, checkedAt]);

  if (profiles.length === 0) return <Empty title="No profiles yet" />;
  const multi = profiles.filter((p) => p.hostCount > 1);

  return (
    <Panel title="Nodes" testid="ha">
      {multi.length === 0 && <Banner kind="info">No profile lists several hosts or nodes; each profile below has a single node.</Banner>}
      {profiles.map((p) => {
        const list = nodes[p.name];
        return (
          <section key={p.name} class="ha-profile" data-testid={`ha-${p.name}`}>
            <h3>
              {p.name}{' '}
              <span class="muted">
                {BACKEND_LABELS[p.kind]} · {p.hostCount} configured
              </span>
            </h3>
            {typeof list === 'string' ? (
              <div class="error-text">{list}</div>
            ) : !list ? (
              <p class="muted">Checking…</p>
            ) : list.length === 0 ? (
              <p class="muted">The backend could not be reached, so no node answered ({health[p.name]?.error ?? 'no check yet'}).</p>
            ) : (
              <div class="node-row">
                {list.map((n) => (
                  <div key={n.address} class={`node ${n.serving ? 'serving' : ''} ${n.reachable ? '' : 'down'}`}>
                    <StatusDot status={n.reachable ? 'healthy' : 'unhealthy'} />
                    <div>
                      <div class="mono">{n.address}</div>
                      <div class="muted small">
                        {n.role}
                        {n.serving ? ' · serving' : ''}
                        {n.reachable ? '' : ' · unreachable'}
                      </div>
                      {n.error && <div class="error-text small">{n.error}</div>}
                    </div>
                  </div>
                ))}
              </div>
            )}
          </section>
        );
      })}
    </Panel>
  );
}
