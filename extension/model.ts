// What the views show, kept up to date by the core's events (the views never poll): profiles,
// their health, local workers, benchmark runs, and queue counts for the profiles a tree has
// expanded (one watching session per expanded profile, since a session watches one profile).
import { EventEmitter } from 'node:events';
import { ProtocolClient } from '../shared/protocol/client.js';
import type { BenchRunSummary } from '../shared/protocol/bench.js';
import type { HostInfo, LocalWorkerView, LogLine, ProfileHealth, ProfileView, QueuesSnapshot } from '../shared/protocol/models.js';
import type { ProfileSources } from '../shared/host/channel.js';
import type { CoreClient } from '../shared/host/client.js';

export interface ModelEvents {
  profiles: [];
  health: [profile: string];
  queues: [profile: string];
  workers: [];
  bench: [run: BenchRunSummary];
  log: [source: string, lines: LogLine[]];
  connection: [open: boolean];
  /** The core process started, became ready, failed or stopped (see `core`). */
  core: [];
}

/** Where the core process is: the views show its failure instead of the last data it sent. */
export type CoreState = { state: 'starting' } | { state: 'ready' } | { state: 'failed'; reason: string };

export class Model extends EventEmitter<ModelEvents> {
  readonly client: ProtocolClient;
  host: HostInfo | undefined;
  profiles: ProfileView[] = [];
  /** Set when the config file could not be read. */
  profilesProblem: string | undefined;
  readonly health = new Map<string, ProfileHealth>();
  readonly queues = new Map<string, QueuesSnapshot>();
  workers: LocalWorkerView[] = [];
  benchRuns: BenchRunSummary[] = [];
  private readonly watchers = new Map<string, ProtocolClient>();
  loaded = false;
  coreState: CoreState = { state: 'starting' };

  constructor(private readonly core: CoreClient) {
    super();
    core.on('starting', () => this.setCore({ state: 'starting' }));
    core.on('ready', () => this.setCore({ state: 'ready' }));
    core.on('failed', (reason: string) => this.setCore({ state: 'failed', reason }));
    core.on('crashed', (reason: string) => this.setCore({ state: 'failed', reason }));
    this.client = new ProtocolClient(core.openSession());
    this.client.onState((state) => {
      if (state === 'open') void this.reload();
      this.emit('connection', state === 'open');
    });
    this.client.on('profiles.changed', ({ profiles }) => {
      this.profiles = profiles;
      this.profilesProblem = undefined;
      for (const name of this.watchers.keys()) if (!profiles.some((p) => p.name === name)) this.unwatch(name);
      this.emit('profiles');
    });
    this.client.on('health', ({ health }) => {
      this.health.set(health.profile, health);
      this.emit('health', health.profile);
    });
    this.client.on('workers', ({ workers }) => {
      this.workers = workers;
      this.emit('workers');
    });
    this.client.on('worker.log', ({ id, lines }) => this.emit('log', `worker ${id}`, lines));
    this.client.on('bench', ({ run }) => {
      const i = this.benchRuns.findIndex((r) => r.id === run.id);
      if (i >= 0) this.benchRuns[i] = run;
      else this.benchRuns.unshift(run);
      this.emit('bench', run);
    });
  }

  /** Everything at once: after (re)connecting, and from the refresh command. */
  async reload(): Promise<void> {
    if (this.client.state !== 'open') return;
    this.host ??= await this.client.request('hello', {});
    try {
      this.profiles = await this.client.request('profiles.list', {});
      this.profilesProblem = undefined;
    } catch (err) {
      this.profiles = [];
      this.profilesProblem = (err as Error).message;
    }
    const [health, workers, runs] = await Promise.all([
      this.client.request('health.list', {}),
      this.client.request('workers.list', {}),
      this.client.request('bench.list', {}),
    ]);
    this.health.clear();
    for (const h of health) this.health.set(h.profile, h);
    this.workers = workers;
    this.benchRuns = runs;
    this.loaded = true;
    this.emit('profiles');
    this.emit('workers');
    for (const name of this.watchers.keys()) void this.refreshQueues(name);
  }

  /** Leaving `ready` forgets what the core had said (health, counts, workers: they died with it),
   *  so no view keeps showing a profile "healthy" from before the failure. */
  private setCore(next: CoreState): void {
    const same =
      next.state === this.coreState.state &&
      (next.state !== 'failed' || (this.coreState.state === 'failed' && next.reason === this.coreState.reason));
    if (same) return;
    const wasReady = this.coreState.state === 'ready';
    this.coreState = next;
    if (wasReady && next.state !== 'ready') {
      this.health.clear();
      this.queues.clear();
      this.workers = [];
      this.emit('workers');
      for (const p of this.profiles) this.emit('health', p.name);
    }
    this.emit('core');
  }

  /** Which profiles come from the user's settings (the core says after each change). */
  sources(): ProfileSources {
    return this.core.sources;
  }

  profile(name: string): ProfileView | undefined {
    return this.profiles.find((p) => p.name === name);
  }

  /** Starts pushing this profile's queue counts (idempotent). */
  watch(profile: string): void {
    if (this.watchers.has(profile)) return;
    const client = new ProtocolClient(this.core.openSession());
    this.watchers.set(profile, client);
    client.on('queues', (snap) => {
      this.queues.set(snap.profile, snap);
      this.emit('queues', snap.profile);
    });
    const subscribe = () => void client.request('watch.set', { profile }).catch(() => undefined);
    client.onState((state) => state === 'open' && subscribe());
    if (client.state === 'open') subscribe();
  }

  unwatch(profile: string): void {
    const client = this.watchers.get(profile);
    if (!client) return;
    this.watchers.delete(profile);
    this.queues.delete(profile);
    client.close();
  }

  async refreshQueues(profile: string): Promise<QueuesSnapshot | undefined> {
    try {
      const snap = await this.client.request('queues.snapshot', { profile });
      this.queues.set(profile, snap);
      this.emit('queues', profile);
      return snap;
    } catch {
      return undefined;
    }
  }

  /** The worst health across profiles (unknown when none was checked yet). */
  worstHealth(): ProfileHealth | undefined {
    const order = { unhealthy: 0, degraded: 1, unknown: 2, healthy: 3 } as const;
    let worst: ProfileHealth | undefined;
    for (const p of this.profiles) {
      const h = this.health.get(p.name);
      if (!h) continue;
      if (!worst || order[h.status] < order[worst.status]) worst = h;
    }
    return worst;
  }

  dispose(): void {
    for (const name of [...this.watchers.keys()]) this.unwatch(name);
    this.client.close();
    this.removeAllListeners();
  }
}
