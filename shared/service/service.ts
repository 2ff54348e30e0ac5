// The dashboard's host-side implementation of the protocol over the core. Every host (browser
// dashboard, Electron, VS Code) creates one service and opens a session per UI it shows; the
// service imports neither Electron nor VS Code.
import type { EventStreamItem } from '../core/events.js';
import { dirname } from 'node:path';
import type { BackendKind } from '../backends/descriptors.js';
import { scrub } from '../config/redact.js';
import type { SecretStore } from '../config/references.js';
import { LOCAL_SERVER_PRESETS, LOCAL_SQLITE_PROFILE } from '../config/presets.js';
import type { ProfileEntry } from '../config/schema.js';
import { checkHealth } from '../health/check.js';
import type { EventData, EventName } from '../protocol/events.js';
import type { UiBoundMessage } from '../protocol/messages.js';
import { PROTOCOL_VERSION, type HostKind, type ProfileDraft, type SecretStoreInfo } from '../protocol/models.js';
import { BenchRuns, benchDir, type BenchRunner } from './bench-runs.js';
import type { PrometheusMetrics } from '../metrics/prometheus.js';
import { Connections, type Connection } from './connections.js';
import { ProfileHealthTracker } from './health.js';
import { bulkAction, enqueue, getTask, listTasks, snapshot, snapshotSignature } from './inspect.js';
import { ensureLocalFolder } from './local-files.js';
import { LocalWorkers } from './local-workers.js';
import { ProfileBook, type UserProfileStore } from './profiles.js';
import { getSchedule, listSchedules, previewSchedule, saveSchedule } from './schedules.js';
import { Session, type Handlers, type SessionHost } from './session.js';
import { TEST_TASK_INFO } from './test-tasks.js';

export interface DashboardServiceOptions {
  host: HostKind;
  /** sitq.config.json to read and edit (created on the first save if missing). */
  configPath: string;
  /** Where secrets typed into the profile form go, and where `${NAME}` references are looked up. */
  secrets: SecretStore;
  secretStoreInfo: SecretStoreInfo;
  version?: string;
  /** Health check period per profile (ms). Default 5000. */
  healthIntervalMs?: number;
  /** How often the watched profile's counts are read (ms). Default 500. */
  countsIntervalMs?: number;
  /** Config file polling for outside edits (ms); 0 = off. Default 1000. */
  configWatchIntervalMs?: number;
  /** Benchmark runs. Default: kept in `.sitq/bench/` next to the config file. */
  bench?: BenchRunner;
  /** User-level profiles kept in the host's settings (VS Code's `sitq.profiles`), next to the file's. */
  userProfiles?: UserProfileStore;
  /** Called after the profiles changed, once the sessions were told (the host may track sources). */
  onProfilesChanged?: () => void;
}

interface Watch {
  signature: string;
  sentAt: number;
  busy: boolean;
}

/** A snapshot is re-sent at least this often even when nothing changed (ages move on). */
const RESEND_MS = 5000;

export class DashboardService implements SessionHost {
  readonly profiles: ProfileBook;
  private readonly connections: Connections;
  private readonly health: ProfileHealthTracker;
  private readonly workers: LocalWorkers;
  private readonly sessions = new Set<Session>();
  private readonly watches = new Map<string, Watch>();
  private readonly countsTimer: NodeJS.Timeout;
  private readonly bench: BenchRunner;
  private closed = false;
  /** One Prometheus exporter per connection (it keeps the health score's check history). */
  private readonly exporters = new WeakMap<Connection, PrometheusMetrics>();
  readonly handlers: Handlers;

  constructor(private readonly options: DashboardServiceOptions) {
    this.profiles = new ProfileBook({
      configPath: options.configPath,
      secrets: options.secrets,
      watchIntervalMs: options.configWatchIntervalMs,
      onChange: () => this.profilesChanged(),
      ...(options.userProfiles ? { userProfiles: options.userProfiles } : {}),
    });
    this.connections = new Connections(this.profiles);
    this.health = new ProfileHealthTracker(this.profiles, (health, sample) => this.broadcast('health', { health, sample }), {
      intervalMs: options.healthIntervalMs,
    });
    this.workers = new LocalWorkers(
      {
        changed: (workers) => this.broadcast('workers', { workers }),
        log: (id, lines) => this.broadcast('worker.log', { id, lines }),
      },
      500,
      (text, secrets) => scrub(text, secrets),
    );
    this.countsTimer = setInterval(() => this.pollWatched(), options.countsIntervalMs ?? 500);
    this.countsTimer.unref();
    this.bench = options.bench ?? new BenchRuns(benchDir(dirname(options.configPath)));
    this.bench.onUpdate((run) => this.broadcast('bench', { run }));
    this.handlers = this.createHandlers();
    this.health.start();
  }

  /** Opens a session for one UI; `send` delivers responses and events to it. */
  openSession(send: (message: UiBoundMessage) => void): Session {
    if (this.closed) throw new Error('the dashboard service is closed');
    const session = new Session(this, send);
    this.sessions.add(session);
    return session;
  }

  sessionClosed(session: Session): void {
    this.sessions.delete(session);
    void session.following?.close();
    session.following = undefined;
  }

  /** The host's user-level profiles changed (its settings were edited). */
  setUserProfiles(raw: unknown): void {
    if (this.profiles.setUserProfiles(raw)) this.profilesChanged();
  }

  async secrets(): Promise<string[]> {
    return this.connections.secrets();
  }

  /** The Prometheus exposition text of one profile's backend (the dashboard host's `/metrics`). */
  async prometheus(profile: string): Promise<{ contentType: string; text: string }> {
    const connection = await this.connections.get(profile);
    let exporter = this.exporters.get(connection);
    if (!exporter) {
      // prom-client loads on the first scrape, not with the service: the desktop app's and the
      // extension's core start without it (it was ~10 % of the core's start).
      const { PrometheusMetrics } = await import('../metrics/prometheus.js');
      exporter = this.exporters.get(connection) ?? new PrometheusMetrics(connection.backend, { profile });
      this.exporters.set(connection, exporter);
    }
    return { contentType: exporter.contentType, text: await exporter.metrics() };
  }

  /** The profile /metrics shows when the scrape names none: the config's default profile, else the
   *  first one. Undefined when there is no profile. */
  defaultProfile(): string | undefined {
    return this.profiles.defaultName() ?? this.profiles.names()[0];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.countsTimer);
    await this.health.stop();
    for (const s of [...this.sessions]) s.close();
    this.profiles.close();
    this.bench.cancelAll();
    await this.workers.closeAll();
    await this.connections.close();
  }

  private broadcast<E extends EventName>(event: E, data: EventData<E>, filter: (s: Session) => boolean = () => true): void {
    for (const s of this.sessions) if (filter(s)) s.emit(event, data);
  }

  private profilesChanged(): void {
    this.connections.prune(this.profiles.names());
    this.health.refresh();
    const problem = this.profiles.problem;
    this.broadcast('profiles.changed', problem ? { profiles: this.profiles.list(), problem } : { profiles: this.profiles.list() });
    this.options.onProfilesChanged?.();
  }

  private pollWatched(): void {
    const wanted = new Set([...this.sessions].map((s) => s.watching).filter((p): p is string => p !== null));
    for (const name of this.watches.keys()) if (!wanted.has(name)) this.watches.delete(name);
    for (const name of wanted) void this.pollOne(name, false);
  }

  /** Reads one profile's counts and pushes them to the sessions watching it if they changed. */
  private async pollOne(name: string, force: boolean): Promise<void> {
    let w = this.watches.get(name);
    if (!w) this.watches.set(name, (w = { signature: '', sentAt: 0, busy: false }));
    if (w.busy || !this.profiles.has(name)) return;
    w.busy = true;
    try {
      const snap = await snapshot(name, await this.connections.get(name));
      const signature = snapshotSignature(snap);
      if (force || signature !== w.signature || Date.now() - w.sentAt > RESEND_MS) {
        w.signature = signature;
        w.sentAt = Date.now();
        this.broadcast('queues', snap, (s) => s.watching === name);
      }
    } catch {
      // Unreachable backends show up in the health view; counts resume once it answers.
    } finally {
      w.busy = false;
    }
  }

  private poke(profile: string): void {
    setTimeout(() => void this.pollOne(profile, true), 0);
  }

  /** Something the watchers' snapshot shows changed: it follows; answers `result`. */
  private changed<T>(profile: string, result: T): T {
    this.poke(profile);
    return result;
  }

  /** A queue's pause or limits changed: this service's own workers on the profile read them before
   *  the answer goes out (workers elsewhere see them at their next poll, within 250 ms). Retention
   *  (`keep`) needs no such step: it binds no claim, and the retention pass reads it each time. */
  private async flowChanged<T>(profile: string, result: T): Promise<T> {
    await this.workers.refreshSettings(profile);
    return this.changed(profile, result);
  }

  private createHandlers(): Handlers {
    const conn = (profile: string) => this.connections.get(profile);
    const bench = this.bench;
    return {
      hello: () => ({
        protocol: PROTOCOL_VERSION,
        host: this.options.host,
        version: this.options.version ?? '0.0.0',
        configPath: this.profiles.configPath,
        secretStore: this.options.secretStoreInfo,
        testTasks: TEST_TASK_INFO,
        presets: presets(),
        benchAvailable: true,
      }),

      'profiles.list': () => {
        if (this.profiles.problem) throw new Error(this.profiles.problem);
        return this.profiles.list();
      },
      'profiles.validate': ({ draft, originalName }) => this.profiles.validate(draft, originalName),
      'profiles.save': ({ draft, originalName }) => this.profiles.save(draft, originalName),
      'profiles.delete': async ({ name }) => ({ deleted: await this.profiles.remove(name) }),
      'profiles.test': async ({ draft, name, originalName }) => {
        const profile = draft ? await this.profiles.resolveDraft(draft, originalName) : await this.profiles.resolve(name ?? '');
        ensureLocalFolder(profile.backend);
        const report = await checkHealth(profile, { queueFacts: false });
        const result = { ok: report.status !== 'unhealthy', latencyMs: report.responseTimeMs, address: report.address };
        return {
          ...result,
          ...(report.serverVersion ? { serverVersion: report.serverVersion } : {}),
          ...(report.error ? { error: report.error } : {}),
        };
      },

      'health.list': () => this.health.list(),
      'health.history': ({ profile }) => this.health.history(profile),
      'ha.nodes': ({ profile }) => this.health.nodes(profile),

      'watch.set': ({ profile }, session) => {
        session.watching = profile;
        if (profile) this.poke(profile);
        return { watching: profile };
      },
      'queues.snapshot': async ({ profile }) => snapshot(profile, await conn(profile)),
      'tasks.list': async ({ profile, ...query }) => listTasks(await conn(profile), query),
      'tasks.get': async ({ profile, id }) => getTask(await conn(profile), id),
      'tasks.follow': async ({ profile, taskId, queue }, session) => {
        await session.following?.close();
        // Pushed as they come (the emitter form): the iterator's buffer is not used, so keep it minimal.
        const stream = (await conn(profile)).queue.events({ taskId, queue, buffer: 1 });
        session.following = stream;
        const push = (item: EventStreamItem) => session.emit('task.events', { profile, items: [item] });
        stream.on('event', push);
        stream.on('gap', push);
        await stream.ready;
        return { following: true as const };
      },
      'tasks.unfollow': async (_params, session) => {
        await session.following?.close();
        session.following = undefined;
        return { following: false as const };
      },
      'tasks.requeue': async ({ profile, id }) => {
        const ok = await (await conn(profile)).queue.requeue(id);
        this.poke(profile);
        return { ok };
      },
      'tasks.cancel': async ({ profile, id }) => {
        const ok = await (await conn(profile)).queue.cancel(id);
        this.poke(profile);
        return { ok };
      },
      'tasks.bulk': async ({ profile, action, target }) => {
        const outcome = await bulkAction(await conn(profile), action, target);
        this.poke(profile);
        return outcome;
      },
      'tasks.purge': async ({ profile, queue, olderThanMs }) => {
        const deleted = await (await conn(profile)).queue.purge(queue ? { olderThanMs, queue } : { olderThanMs });
        this.poke(profile);
        return { deleted };
      },
      'queues.settings': async ({ profile, queue }) => (await conn(profile)).queue.getQueueSettings(queue),
      'queues.setRetention': async ({ profile, queue, keep }) => {
        const settings = await (await conn(profile)).queue.setRetention(queue, keep);
        this.poke(profile);
        return settings;
      },
      'tasks.enqueue': async (req) => {
        const out = await enqueue(await conn(req.profile), req);
        this.poke(req.profile);
        return out;
      },

      'queues.pause': async ({ profile, queue }) => this.flowChanged(profile, await (await conn(profile)).queue.pauseQueue(queue)),
      'queues.resume': async ({ profile, queue }) => this.flowChanged(profile, await (await conn(profile)).queue.resumeQueue(queue)),
      'queues.setLimits': async ({ profile, queue, ...change }) =>
        this.flowChanged(profile, await (await conn(profile)).queue.setQueueLimits(queue, change)),

      'schedules.list': async ({ profile, runs }) => listSchedules(await conn(profile), runs),
      'schedules.get': async ({ profile, name, runs }) => getSchedule(await conn(profile), name, runs),
      'schedules.save': async (draft) => saveSchedule(await conn(draft.profile), draft),
      'schedules.pause': async ({ profile, name }) => ({ ok: await (await conn(profile)).queue.pauseSchedule(name) }),
      'schedules.resume': async ({ profile, name }) => ({ ok: await (await conn(profile)).queue.resumeSchedule(name) }),
      'schedules.remove': async ({ profile, name }) => ({ ok: await (await conn(profile)).queue.removeSchedule(name) }),
      'schedules.preview': ({ spec, runs }) => previewSchedule(spec, runs),
      'stats.history': async ({ profile, ...query }) => (await conn(profile)).queue.stats(query),

      'workers.list': () => this.workers.list(),
      'workers.start': async ({ profile, queues, concurrency, taskModule }) => {
        const p = await this.profiles.resolve(profile);
        return this.workers.start(
          profile,
          p.backend,
          p.secrets,
          taskModule ? { queues, concurrency, taskModule } : { queues, concurrency },
        );
      },
      'workers.stop': ({ id, force }) => this.workers.stop(id, force),
      'workers.log': ({ id }) => this.workers.log(id),
      'workers.clear': () => ({ cleared: this.workers.clearStopped() }),

      'bench.list': () => bench.list(),
      'bench.start': async (req) => {
        const resolved = await Promise.all(req.profiles.map((name) => this.profiles.resolve(name)));
        return bench.start(req, resolved);
      },
      'bench.cancel': ({ id }) => bench.cancel(id),
      'bench.get': ({ id }) => bench.get(id),
      'bench.import': ({ json }) => bench.importReport(json),
      'bench.export': ({ id, format }) => bench.exportRun(id, format),
      'bench.compare': ({ id, earlierId }) => bench.compare(id, earlierId),
    };
  }
}

function presets(): ProfileDraft[] {
  const toDraft = (name: string, entry: ProfileEntry): ProfileDraft => {
    const { type, description, ...options } = entry;
    const draft: ProfileDraft = { name, kind: type as BackendKind, options, secrets: {} };
    if (description) draft.description = description;
    return draft;
  };
  return [toDraft('local', LOCAL_SQLITE_PROFILE), ...Object.entries(LOCAL_SERVER_PRESETS).map(([name, entry]) => toDraft(name, entry))];
}
