// The UI's one controller: the protocol client, the shared state every screen reads, and the
// wiring from host events to that state. Screens call `app.client.request(...)` for their own data.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { BenchRunSummary } from '../../shared/protocol/bench.js';
import { ProtocolClient, type ConnectionState, type Transport } from '../../shared/protocol/client.js';
import type { HostInfo, LocalWorkerView, LogLine, ProfileHealth, ProfileView, QueuesSnapshot } from '../../shared/protocol/models.js';
import { Store, useStore } from './store.js';

export interface Toast {
  id: number;
  kind: 'info' | 'success' | 'error';
  text: string;
}

export interface AppState {
  connection: ConnectionState;
  /** Set when the host will never take this page again (the dashboard restarted with a new token). */
  refused?: string;
  /** True once the first hello answered (before that the shell shows a loading state). */
  ready: boolean;
  hello?: HostInfo;
  profiles: ProfileView[];
  /** False until the first profile list arrived: the profiles screen shows a loading state, not
   *  "No profiles yet", in between. */
  profilesLoaded: boolean;
  profilesError?: string;
  health: Record<string, ProfileHealth>;
  /** The profile the queue, enqueue, worker and health screens act on. */
  selected: string | null;
  queues?: QueuesSnapshot;
  workers: LocalWorkerView[];
  logs: Record<string, LogLine[]>;
  benchRuns: BenchRunSummary[];
  toasts: Toast[];
}

const SELECTED_KEY = 'sitq.selectedProfile';
const LOG_KEEP = 1000;

export class App {
  readonly client: ProtocolClient;
  readonly store: Store<AppState>;
  private toastSeq = 0;

  constructor(transport: Transport) {
    this.client = new ProtocolClient(transport);
    this.store = new Store<AppState>({
      connection: transport.state,
      ready: false,
      profiles: [],
      profilesLoaded: false,
      health: {},
      selected: readLocal(SELECTED_KEY),
      workers: [],
      logs: {},
      benchRuns: [],
      toasts: [],
    });
    transport.onRefused?.((refused) => this.store.set({ refused }));
    this.client.onState((connection) => {
      this.store.set({ connection });
      if (connection === 'open') void this.bootstrap();
    });
    this.client.on('profiles.changed', ({ profiles, problem }) => {
      this.setProfiles(profiles);
      if (problem) this.store.set({ profilesError: problem });
    });
    this.client.on('health', ({ health }) => this.store.set((s) => ({ health: { ...s.health, [health.profile]: health } })));
    this.client.on('queues', (snap) => {
      if (snap.profile === this.store.get().selected) this.store.set({ queues: snap });
    });
    this.client.on('workers', ({ workers }) => this.store.set({ workers }));
    this.client.on('worker.log', ({ id, lines }) =>
      this.store.set((s) => ({ logs: { ...s.logs, [id]: [...(s.logs[id] ?? []), ...lines].slice(-LOG_KEEP) } })),
    );
    this.client.on('bench', ({ run }) =>
      this.store.set((s) => ({
        benchRuns: [run, ...s.benchRuns.filter((r) => r.id !== run.id)].sort((a, b) => b.startedAt - a.startedAt),
      })),
    );
    if (transport.state === 'open') void this.bootstrap();
  }

  /** Everything a fresh (or re-established) connection needs; the UI recovers from here. */
  async bootstrap(): Promise<void> {
    try {
      const hello = await this.client.request('hello', {});
      const [health, workers, benchRuns] = await Promise.all([
        this.client.request('health.list', {}),
        this.client.request('workers.list', {}),
        this.client.request('bench.list', {}),
      ]);
      this.store.set({ hello, health: Object.fromEntries(health.map((h) => [h.profile, h])), workers, benchRuns, ready: true });
      try {
        this.setProfiles(await this.client.request('profiles.list', {}));
      } catch (err) {
        this.store.set({ profilesError: (err as Error).message, profiles: [], profilesLoaded: true, ready: true });
      }
      const selected = this.store.get().selected;
      if (selected) await this.client.request('watch.set', { profile: selected });
    } catch (err) {
      if (this.client.state === 'open') this.toast('error', `Could not load the dashboard: ${(err as Error).message}`);
    }
  }

  select(profile: string | null): void {
    if (profile === this.store.get().selected) return;
    this.store.set({ selected: profile, queues: undefined });
    writeLocal(SELECTED_KEY, profile);
    if (this.client.state === 'open') void this.client.request('watch.set', { profile }).catch(() => {});
  }

  toast(kind: Toast['kind'], text: string): void {
    const id = ++this.toastSeq;
    this.store.set((s) => ({ toasts: [...s.toasts.slice(-4), { id, kind, text }] }));
    setTimeout(() => this.store.set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })), kind === 'error' ? 8000 : 4000);
  }

  private setProfiles(profiles: ProfileView[]): void {
    const { selected } = this.store.get();
    this.store.set({ profiles, profilesLoaded: true, profilesError: undefined });
    const names = profiles.map((p) => p.name);
    if (selected === null || !names.includes(selected)) {
      const fallback = profiles.find((p) => p.isDefault)?.name ?? names[0] ?? null;
      this.select(fallback);
    }
  }
}

function readLocal(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeLocal(key: string, value: string | null): void {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch {
    // Storage may be unavailable (some webviews); the choice then lasts for this page only.
  }
}

export const AppContext = createContext<App | null>(null);

export function useApp(): App {
  const app = useContext(AppContext);
  if (!app) throw new Error('useApp outside <AppContext.Provider>');
  return app;
}

export function useAppState<S>(select: (s: AppState) => S): S {
  return useStore(useApp().store, select);
}
