// The frame around every screen: navigation, the profile picker, the connection state, toasts.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { BACKEND_LABELS } from '../../shared/protocol/fields.js';
import { useApp, useAppState } from '../state/app.js';
import { Icon, StatusDot } from './common.js';

export const ROUTES = [
  { id: 'profiles', label: 'Profiles', icon: 'profiles' },
  { id: 'queues', label: 'Queues & tasks', icon: 'queues' },
  { id: 'schedules', label: 'Schedules', icon: 'schedules' },
  { id: 'enqueue', label: 'Enqueue', icon: 'enqueue' },
  { id: 'workers', label: 'Workers', icon: 'workers' },
  { id: 'health', label: 'Health', icon: 'health' },
  { id: 'bench', label: 'Benchmarks', icon: 'bench' },
  { id: 'ha', label: 'HA nodes', icon: 'ha' },
] as const;

export type RouteId = (typeof ROUTES)[number]['id'];

// Routing is done here, not left to the browser: VS Code's webview host cancels every click on a
// `#/route` link (it treats them as in-page anchors), so a link that relied on the default action
// and `hashchange` did nothing inside VS Code. Links call `navigate`, which sets the hash (the
// browser keeps back/forward and deep links) and tells the shell directly.
const routeListeners = new Set<() => void>();

function currentRoute(): RouteId {
  const id = window.location.hash.replace(/^#\/?/, '').split('?')[0];
  return (ROUTES.find((r) => r.id === id)?.id ?? 'profiles') as RouteId;
}

export function useRoute(): RouteId {
  const [route, setRoute] = useState<RouteId>(currentRoute);
  useEffect(() => {
    const on = () => setRoute(currentRoute());
    window.addEventListener('hashchange', on);
    routeListeners.add(on);
    return () => {
      window.removeEventListener('hashchange', on);
      routeListeners.delete(on);
    };
  }, []);
  return route;
}

export function navigate(route: RouteId): void {
  const hash = `#/${route}`;
  if (window.location.hash !== hash) window.location.hash = hash;
  for (const l of routeListeners) l();
}

/** The click handler of a `#/route` link: a plain click navigates in place (also where the host
 *  cancels the link's default action); a modified click is left to the browser. */
export function routeClick(route: RouteId): (e: MouseEvent) => void {
  return (e) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(route);
  };
}

type Theme = 'auto' | 'light' | 'dark';

function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(() => {
    try {
      return (window.localStorage.getItem('sitq.theme') as Theme | null) ?? 'auto';
    } catch {
      return 'auto';
    }
  });
  useEffect(() => {
    if (theme === 'auto') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
    try {
      window.localStorage.setItem('sitq.theme', theme);
    } catch {
      // no storage: the choice lasts for this page
    }
    window.dispatchEvent(new Event('sitq-theme'));
  }, [theme]);
  const next = () => setTheme((t) => (t === 'auto' ? 'light' : t === 'light' ? 'dark' : 'auto'));
  return [theme, next];
}

/** Below this width the sidebar shows icons only, unless the user opened it. */
const NARROW = '(max-width: 1023px)';
type NavChoice = 'open' | 'closed' | null;

/** Whether the sidebar is collapsed: the user's last choice, or by the window's width. */
function useNavCollapsed(): [boolean, () => void] {
  const [narrow, setNarrow] = useState(() => window.matchMedia(NARROW).matches);
  const [choice, setChoice] = useState<NavChoice>(() => {
    try {
      return window.localStorage.getItem('sitq.nav') as NavChoice;
    } catch {
      return null;
    }
  });
  useEffect(() => {
    const query = window.matchMedia(NARROW);
    // Crossing the width resets the choice: a window made narrow collapses, made wide opens.
    const on = () => {
      setNarrow(query.matches);
      setChoice(null);
    };
    query.addEventListener('change', on);
    return () => query.removeEventListener('change', on);
  }, []);
  const collapsed = choice === 'closed' || (choice === null && narrow);
  const toggle = () => {
    const next: NavChoice = collapsed ? 'open' : 'closed';
    setChoice(next);
    try {
      window.localStorage.setItem('sitq.nav', next);
    } catch {
      // no storage: the choice lasts for this page
    }
  };
  return [collapsed, toggle];
}

export function Shell({ route, children }: { route: RouteId; children: ComponentChildren }) {
  const app = useApp();
  const connection = useAppState((s) => s.connection);
  const refused = useAppState((s) => s.refused);
  const profiles = useAppState((s) => s.profiles);
  const selected = useAppState((s) => s.selected);
  const health = useAppState((s) => s.health);
  const hello = useAppState((s) => s.hello);
  const [theme, nextTheme] = useTheme();
  const [collapsed, toggleNav] = useNavCollapsed();
  const current = profiles.find((p) => p.name === selected);
  const h = selected ? health[selected] : undefined;

  return (
    <div class={`shell ${collapsed ? 'nav-collapsed' : ''}`}>
      <nav class="sidebar" aria-label="Main" data-testid="sidebar">
        <div class="sidebar-inner">
          <div class="brand">
            <img src="icon.svg" alt="" width={28} height={28} />
            <div class="brand-text">
              <div class="brand-name">sitq</div>
              <div class="brand-sub">{hello ? `v${hello.version} · ${hello.host}` : 'dashboard'}</div>
            </div>
          </div>
          <ul>
            {ROUTES.map((r) => (
              <li key={r.id}>
                <a
                  href={`#/${r.id}`}
                  class={route === r.id ? 'active' : ''}
                  aria-current={route === r.id ? 'page' : undefined}
                  data-testid={`nav-${r.id}`}
                  onClick={routeClick(r.id)}
                  title={collapsed ? r.label : undefined}
                >
                  <Icon name={r.icon} />
                  <span class="nav-label">{r.label}</span>
                </a>
              </li>
            ))}
          </ul>
          <div class="sidebar-foot">
            <button class="link" onClick={nextTheme} title={`Theme: ${theme} (auto follows the system)`}>
              <Icon name="theme" /> <span class="nav-label">Theme: {theme}</span>
            </button>
            <div class={`conn conn-${connection}`} data-testid="connection-state">
              <StatusDot status={connection === 'open' ? 'healthy' : connection === 'connecting' ? 'degraded' : 'unhealthy'} />
              <span class="nav-label">
                {refused
                  ? 'Restarted: open its new URL'
                  : connection === 'open'
                    ? 'Connected'
                    : connection === 'connecting'
                      ? 'Reconnecting…'
                      : 'Disconnected'}
              </span>
            </div>
          </div>
        </div>
      </nav>
      <div class="main">
        <header class="topbar">
          <button
            class="icon-button nav-toggle"
            onClick={toggleNav}
            aria-expanded={!collapsed}
            aria-label={collapsed ? 'Show the navigation labels' : 'Collapse the navigation'}
            data-testid="nav-toggle"
          >
            <Icon name="menu" />
          </button>
          <label class="picker">
            <span>Profile</span>
            <select
              value={selected ?? ''}
              onChange={(e) => app.select((e.target as HTMLSelectElement).value || null)}
              data-testid="profile-picker"
              disabled={profiles.length === 0}
            >
              {profiles.length === 0 && <option value="">no profiles yet</option>}
              {profiles.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name} ({BACKEND_LABELS[p.kind]})
                </option>
              ))}
            </select>
          </label>
          {current && (
            <div class="topbar-info">
              <StatusDot status={h?.status ?? 'unknown'} title={h?.error ?? h?.status} />
              <span class="mono topbar-address" title={current.address}>
                {current.address}
              </span>
              {h?.latencyMs !== undefined && <span class="muted nowrap">{h.latencyMs.toFixed(1)} ms</span>}
            </div>
          )}
        </header>
        {refused ? (
          <div class="banner banner-error sticky" role="alert" data-testid="connection-refused">
            The dashboard was restarted, so this page's link no longer works ({refused}). Open the new URL it printed when it started (
            <span class="mono">sitq dashboard</span> or <span class="mono">npm start</span> shows it); what you see here is no longer
            updated.
          </div>
        ) : (
          connection !== 'open' && (
            <div class="banner banner-error sticky" role="alert" data-testid="connection-lost">
              The connection to the dashboard host was lost. Reconnecting… (what you see may be out of date)
            </div>
          )
        )}
        <main class="content">{children}</main>
      </div>
      <Toasts />
    </div>
  );
}

function Toasts() {
  const toasts = useAppState((s) => s.toasts);
  return (
    <div class="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} class={`toast toast-${t.kind}`} data-testid={`toast-${t.kind}`}>
          {t.text}
        </div>
      ))}
    </div>
  );
}
