// Workers started from the dashboard. Each runs on a worker thread (worker-thread.ts) with its own
// connection; this class keeps their live numbers, rate and log, and stops them on request:
// gracefully (running tasks finish), or forced (tasks aborted, the thread ended if it must be).
import { randomBytes } from 'node:crypto';
import { Worker as Thread } from 'node:worker_threads';
import type { BackendConfig } from '../backends/index.js';
import type { LocalWorkerView, LogLine } from '../protocol/models.js';
import { NotFoundError } from './errors.js';
import type { FromThread, ToThread, WorkerThreadData } from './worker-thread.js';

const LOG_LINES = 1000;
const KEEP_STOPPED = 20;
/** How long a forced stop waits for the thread before terminating it. */
const FORCE_GRACE_MS = 3000;
/** A graceful stop waits for running tasks up to 30 s in the thread; then the thread is ended. */
const GRACEFUL_LIMIT_MS = 40_000;
const RATE_WINDOW_MS = 5000;
/** How long a settings change waits for each local worker to have read it (refreshSettings). */
const REFRESH_WAIT_MS = 2000;

interface Entry {
  view: LocalWorkerView;
  thread: Thread;
  log: LogLine[];
  pendingLog: LogLine[];
  samples: { at: number; done: number }[];
  exited: Promise<void>;
  killTimer?: NodeJS.Timeout;
  secrets: string[];
  /** Settings refreshes asked of the thread, by request number, answered with settings-refreshed. */
  refreshes: Map<number, () => void>;
}

export interface LocalWorkersEvents {
  changed(workers: LocalWorkerView[]): void;
  log(id: string, lines: LogLine[]): void;
}

export class LocalWorkers {
  private readonly entries = new Map<string, Entry>();
  private flushTimer: NodeJS.Timeout | undefined;
  private dirty = false;
  private nextRequest = 1;

  constructor(
    private readonly events: LocalWorkersEvents,
    private readonly statsIntervalMs = 500,
    private readonly scrub: (text: string, secrets: string[]) => string = (t) => t,
  ) {}

  list(): LocalWorkerView[] {
    return [...this.entries.values()].map((e) => ({ ...e.view }));
  }

  log(id: string): LogLine[] {
    return [...this.get(id).log];
  }

  start(
    profile: string,
    backend: BackendConfig,
    secrets: string[],
    options: { queues: string[]; concurrency: number; taskModule?: string },
  ): LocalWorkerView {
    const id = `dash-${randomBytes(4).toString('hex')}`;
    const data: WorkerThreadData = {
      id,
      backend,
      queues: options.queues,
      concurrency: options.concurrency,
      statsIntervalMs: this.statsIntervalMs,
    };
    if (options.taskModule) data.taskModule = options.taskModule;
    const thread = new Thread(new URL('./worker-thread.js', import.meta.url), { workerData: data });
    const view: LocalWorkerView = {
      id,
      profile,
      queues: [...options.queues],
      concurrency: options.concurrency,
      state: 'starting',
      startedAt: Date.now(),
      running: 0,
      succeeded: 0,
      failed: 0,
      ratePerSec: 0,
    };
    if (options.taskModule) view.taskModule = options.taskModule;
    const entry: Entry = {
      view,
      thread,
      log: [],
      pendingLog: [],
      samples: [],
      secrets,
      exited: new Promise((r) => thread.once('exit', () => r())),
      refreshes: new Map(),
    };
    this.entries.set(id, entry);
    thread.on('message', (m: FromThread) => this.receive(entry, m));
    thread.on('error', (err) => this.finish(entry, 'failed', err.message));
    thread.once('exit', () => this.finish(entry, entry.view.state === 'failed' ? 'failed' : 'stopped'));
    this.addLog(entry, 'info', `starting on profile ${profile}`);
    this.trim();
    this.changed();
    return { ...view };
  }

  stop(id: string, force: boolean): LocalWorkerView {
    const e = this.get(id);
    if (e.view.state === 'stopped' || e.view.state === 'failed') return { ...e.view };
    if (e.view.state === 'stopping' && !force) return { ...e.view };
    e.view.state = 'stopping';
    e.thread.postMessage({ type: 'stop', force } satisfies ToThread);
    if (e.killTimer) clearTimeout(e.killTimer);
    e.killTimer = setTimeout(
      () => {
        this.addLog(e, 'warn', 'the worker did not stop in time; its thread was terminated (its tasks return after their lease)');
        void e.thread.terminate();
      },
      force ? FORCE_GRACE_MS : GRACEFUL_LIMIT_MS,
    );
    e.killTimer.unref();
    this.changed();
    return { ...e.view };
  }

  /**
   * Has every live worker on `profile` read its queues' settings now (after the service changed
   * them): resolves once each has, so a pause or limit set from a tool binds the workers that tool
   * runs before its request is answered. A worker that does not answer within REFRESH_WAIT_MS is
   * logged and left to its own poll (every 250 ms); that is not an error of the change.
   */
  async refreshSettings(profile: string): Promise<void> {
    const live = [...this.entries.values()].filter(
      (e) => e.view.profile === profile && (e.view.state === 'starting' || e.view.state === 'running'),
    );
    await Promise.all(live.map((e) => this.refreshOne(e)));
  }

  private refreshOne(e: Entry): Promise<void> {
    const request = this.nextRequest++;
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        e.refreshes.delete(request);
        resolve();
      };
      const timer = setTimeout(() => {
        if (e.view.state === 'starting' || e.view.state === 'running')
          this.addLog(e, 'warn', `did not read the changed queue settings within ${REFRESH_WAIT_MS} ms; it reads them at its next poll`);
        done();
      }, REFRESH_WAIT_MS);
      e.refreshes.set(request, done);
      // An exited thread never answers.
      void e.exited.then(done);
      e.thread.postMessage({ type: 'refresh-settings', request } satisfies ToThread);
    });
  }

  /** Forced stop of everything still running; resolves when every thread has ended. */
  async closeAll(): Promise<void> {
    const live = [...this.entries.values()].filter((e) => e.view.state !== 'stopped' && e.view.state !== 'failed');
    for (const e of live) this.stop(e.view.id, true);
    await Promise.all(live.map((e) => e.exited));
    if (this.flushTimer) clearTimeout(this.flushTimer);
  }

  private receive(e: Entry, m: FromThread): void {
    // Stats arrive every interval even from an idle worker: only a change is pushed (a view that
    // redraws an unchanged row loses its tooltip and selection).
    const before = shown(e.view);
    switch (m.type) {
      case 'started':
        if (e.view.state === 'starting') e.view.state = 'running';
        this.addLog(e, 'info', `running; knows ${m.taskNames.join(', ')}`);
        break;
      case 'stats': {
        e.view.running = m.running;
        e.view.succeeded = m.succeeded;
        e.view.failed = m.failed;
        const now = Date.now();
        e.samples.push({ at: now, done: m.succeeded + m.failed });
        while (e.samples.length > 2 && now - e.samples[0].at > RATE_WINDOW_MS) e.samples.shift();
        const first = e.samples[0];
        const span = (now - first.at) / 1000;
        e.view.ratePerSec = span > 0 ? Math.round(((m.succeeded + m.failed - first.done) / span) * 10) / 10 : 0;
        break;
      }
      case 'log':
        this.addLog(e, m.level, m.message);
        break;
      case 'failed':
        e.view.state = 'failed';
        e.view.error = this.scrub(m.error, e.secrets);
        this.addLog(e, 'error', `could not start: ${e.view.error}`);
        break;
      case 'stopped':
        this.addLog(e, 'info', 'stopped');
        break;
      case 'settings-refreshed':
        e.refreshes.get(m.request)?.();
        break;
    }
    if (shown(e.view) !== before) this.changed();
  }

  private finish(e: Entry, state: 'stopped' | 'failed', error?: string): void {
    if (e.view.state === 'stopped' || (e.view.state === 'failed' && state === 'stopped')) return;
    if (e.killTimer) clearTimeout(e.killTimer);
    e.view.state = state;
    e.view.stoppedAt = Date.now();
    e.view.running = 0;
    e.view.ratePerSec = 0;
    if (error) {
      e.view.error = this.scrub(error, e.secrets);
      this.addLog(e, 'error', e.view.error);
    }
    this.changed();
  }

  private addLog(e: Entry, level: LogLine['level'], message: string): void {
    const line: LogLine = { at: Date.now(), level, message: this.scrub(message, e.secrets) };
    e.log.push(line);
    if (e.log.length > LOG_LINES) e.log.splice(0, e.log.length - LOG_LINES);
    e.pendingLog.push(line);
    this.changed(false);
  }

  /** Coalesces bursts (a stats message per worker per interval, log lines) into one push; the
   *  list goes out only when a worker's view changed (`view`), log lines on their own. */
  private changed(view = true): void {
    if (view) this.dirty = true;
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      for (const e of this.entries.values()) {
        if (e.pendingLog.length) this.events.log(e.view.id, e.pendingLog.splice(0));
      }
      if (!this.dirty) return;
      this.dirty = false;
      this.events.changed(this.list());
    }, 100);
  }

  /** Forgets every stopped or failed worker; returns how many. */
  clearStopped(): number {
    const done = [...this.entries.values()].filter((e) => e.view.state === 'stopped' || e.view.state === 'failed');
    for (const e of done) this.entries.delete(e.view.id);
    if (done.length > 0) this.changed();
    return done.length;
  }

  private trim(): void {
    const done = [...this.entries.values()].filter((e) => e.view.state === 'stopped' || e.view.state === 'failed');
    for (const e of done.slice(0, Math.max(0, done.length - KEEP_STOPPED))) this.entries.delete(e.view.id);
  }

  private get(id: string): Entry {
    const e = this.entries.get(id);
    if (!e) throw new NotFoundError('worker', id);
    return e;
  }
}

/** What a view of a worker shows that can change. */
function shown(v: LocalWorkerView): string {
  return `${v.state} ${v.running} ${v.succeeded} ${v.failed} ${v.ratePerSec} ${v.error ?? ''}`;
}
