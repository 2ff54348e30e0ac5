// The faults, one per scenario: what the run does to the workers, the server or the network, and
// what it checks beyond "nothing lost". A scenario's inject() starts once the load is under way.
import { setTimeout as sleep } from 'node:timers/promises';
import { createBackend, optionsOf, type BackendConfig } from '../../shared/backends/index.js';
import type { BackendKind } from '../../shared/backends/descriptors.js';
import type { BackendKit } from '../../shared/backends/kit.js';
import { checkHealth, type HealthStatus } from '../../shared/health/check.js';
import type { EnqueueOptions } from '../../shared/core/enqueue-options.js';
import { isBackendError, type FinalState, type LedgerEntry, type TaskKind } from './ledger.js';
import type { FaultProxy } from './proxy.js';
import type { ServerControl } from './servers.js';
import type { Check, RunSettings, ScenarioName } from './types.js';
import type { WorkerPool } from './workers.js';

export interface ScenarioContext {
  kind: BackendKind;
  /** What the run knows about the backend (its folder's kit.ts). */
  kit: BackendKit;
  /** The namespaced config the harness itself uses (direct, never through the proxy). */
  config: BackendConfig;
  server?: ServerControl;
  proxy?: FaultProxy;
  workers: WorkerPool;
  settings: RunSettings;
  /** Resolves once the load's completions reach this many (or the queue is drained). */
  progress(completed: number): Promise<void>;
  /** What kind of task an id is (undefined: not enqueued by this run). */
  kindOf(taskId: string): TaskKind | undefined;
  /** Enqueues more load during the fault (counted like the rest; retried through an outage). */
  enqueue(kind: TaskKind, count: number, ms: number): Promise<void>;
  log(message: string): void;
}

export interface Injection {
  /** Epoch ms the fault began (recovery is measured from here). */
  at: number;
  checks: Check[];
  notes: string[];
  /** Checked again after the drain, with the ledger and the store's final states. */
  after?(entries: readonly LedgerEntry[], final: ReadonlyMap<string, FinalState>, enqueued: ReadonlyMap<string, TaskKind>): Check[];
}

export interface ExtraTasks {
  kind: TaskKind;
  count: number;
  ms: number;
  options: EnqueueOptions;
}

export interface Scenario {
  name: ScenarioName;
  /** One line for the report. */
  summary: string;
  /** Whether the scenario applies to the backend of this kit. */
  supports(kit: BackendKit): boolean;
  /** Workers of this backend connect through the fault proxy (it costs throughput: only where needed). */
  viaProxy?(kit: BackendKit): boolean;
  /** Settings the workers get on top of the connection (shorter detection, a small pool). */
  workerOptions?(kit: BackendKit): Record<string, unknown>;
  extraTasks?(settings: RunSettings): ExtraTasks[];
  /** Worker processes the fault itself ends: any other death is a failure (an uncaught error). */
  deaths?: 'one' | 'any';
  /** False for a scenario with nothing to recover from (no time to recover is reported). */
  recovery?: false;
  /** Fraction of the load completed before inject() is called. */
  injectAt: number;
  inject(ctx: ScenarioContext): Promise<Injection>;
}

const ALL = () => true;
const SERVERS = (kit: BackendKit) => kit.server !== undefined;

const check = (name: string, ok: boolean, detail: string): Check => ({ name, ok, detail });

// --- worker process SIGKILLed -------------------------------------------------------------------

const processKill: Scenario = {
  name: 'process-kill',
  summary: 'SIGKILL one worker process mid-task; its claimed tasks must run elsewhere once their lease ends',
  supports: ALL,
  deaths: 'one',
  injectAt: 0.15,
  // A few slow tasks among the load: a kill that finds one mid-run cannot miss (20 ms tasks end
  // between reading the ledger and the kill often enough).
  extraTasks: () => [{ kind: 'slow', count: 4, ms: 3000, options: {} }],
  async inject(ctx) {
    // The victim: a live process with a slow task in flight.
    const t0 = Date.now();
    let victim: [number, string[]] | undefined;
    while (!victim && Date.now() - t0 < 20_000) {
      victim = [...ctx.workers.inFlight()].find(
        ([pid, ids]) => ctx.workers.pids.includes(pid) && ids.some((id) => ctx.kindOf(id) === 'slow'),
      );
      if (!victim) await sleep(100);
    }
    const waited = Date.now() - t0;
    const [victimPid, picked] = victim ?? [ctx.workers.pids[0], []];
    const at = Date.now();
    ctx.workers.kill(ctx.workers.pids.indexOf(victimPid));
    const bound = 2 * ctx.settings.lease + 5000;
    return {
      at,
      checks: [],
      notes: [
        `killed pid ${victimPid} with ${picked.length} task(s) in flight (picked after waiting ${waited} ms for a process running a slow task)`,
      ],
      after(entries, final) {
        // Its runs in flight: started by it and never finished, from the whole ledger.
        const ended = new Set(entries.filter((e) => e.pid === victimPid && e.phase === 'E').map((e) => e.taskId));
        const orphans = [
          ...new Set(entries.filter((e) => e.pid === victimPid && e.phase === 'S' && !ended.has(e.taskId)).map((e) => e.taskId)),
        ];
        const finishedLate = entries.filter((e) => e.pid === victimPid && e.phase === 'E' && e.at > at);
        const back = orphans.map((id) => entries.find((e) => e.phase === 'E' && e.taskId === id && e.pid !== victimPid)?.at);
        const missing = orphans.filter((id, i) => back[i] === undefined || final.get(id)?.state !== 'succeeded');
        const latest = Math.max(0, ...back.filter((t): t is number => t !== undefined).map((t) => t - at));
        return [
          check(
            'a task was in flight in the killed process',
            orphans.length > 0 && finishedLate.length === 0,
            `${orphans.length} task(s) started in pid ${victimPid} never finished there (${picked.length} in flight when it was picked); ${finishedLate.length} finished in it after the kill`,
          ),
          check(
            "the killed process's tasks ran again within 2 leases + 5 s",
            missing.length === 0 && latest <= bound,
            missing.length
              ? `${missing.length} never ran again: ${missing.slice(0, 3).join(', ')}`
              : `the last came back ${latest} ms after the kill (lease ${ctx.settings.lease} ms, allowed ${bound} ms)`,
          ),
        ];
      },
    };
  },
};

// --- server restarted ---------------------------------------------------------------------------

const OUTAGE_MS = 3000;

/** Stops the server, leaves it down OUTAGE_MS, starts it again, sampling checkHealth throughout.
 *  `whenBack` runs once the server answers again (the idle run enqueues its new work there). */
async function restartWithHealth(ctx: ScenarioContext, whenBack?: () => Promise<void>): Promise<Injection> {
  const server = ctx.server!;
  const samples: { at: number; status: HealthStatus; phase: 'down' | 'after' }[] = [];
  // An object, not a let: the sampler reads the phase the main path moves on.
  const now: { phase: 'up' | 'down' | 'after' } = { phase: 'up' };
  const control = { sampling: true };
  const sampler = (async () => {
    while (control.sampling) {
      const t = Date.now();
      const p = now.phase;
      const report = await checkHealth(ctx.config, { timeoutMs: 2000, queueFacts: false });
      // A sample counts for a phase only if the whole check ran inside it.
      if (p !== 'up' && p === now.phase) samples.push({ at: t, status: report.status, phase: p });
      if (p === 'after' && report.status === 'healthy') break;
      await sleep(300);
    }
  })();
  const at = Date.now();
  await server.stop();
  now.phase = 'down';
  const stoppedAt = Date.now();
  try {
    await sleep(OUTAGE_MS);
  } finally {
    now.phase = 'up';
    // Never leave a server down, whatever happens to the run.
    await server.start().catch(async (err: Error) => {
      control.sampling = false;
      await sampler;
      throw err;
    });
  }
  const startedAt = Date.now();
  now.phase = 'after';
  await whenBack?.();
  const healthyBy = startedAt + 30_000;
  while (Date.now() < healthyBy && !samples.some((s) => s.phase === 'after' && s.status === 'healthy')) await sleep(200);
  control.sampling = false;
  await sampler;
  const down = samples.filter((s) => s.phase === 'down');
  const healthyAfter = samples.find((s) => s.phase === 'after' && s.status === 'healthy');
  return {
    at: whenBack ? startedAt : at,
    checks: [
      check(
        'health unhealthy during the outage',
        down.length > 0 && down.every((s) => s.status === 'unhealthy'),
        `${down.length} sample(s) while down: ${[...new Set(down.map((s) => s.status))].join(', ') || 'none'}`,
      ),
      check(
        'health healthy after the restart',
        healthyAfter !== undefined,
        healthyAfter
          ? `healthy ${healthyAfter.at - startedAt} ms after the server answered again`
          : 'no healthy sample within 30 s of the restart',
      ),
    ],
    notes: [`${server.label} stopped in ${stoppedAt - at} ms, down ${startedAt - stoppedAt} ms`],
    after(entries) {
      // A run started after the server is back needed a claim to succeed: that is when workers reconnected.
      const first = entries.filter((e) => e.phase === 'S' && e.at >= startedAt).reduce((t, e) => Math.min(t, e.at), Infinity);
      const errors = ctx.workers.notes.filter(isBackendError).filter((n) => n.at >= startedAt);
      return [
        check(
          'workers claim again by themselves after the restart',
          first !== Infinity,
          first === Infinity
            ? 'no task started after the server was back'
            : `first task started ${first - startedAt} ms after the server answered again (${errors.length} backend error(s) reported after that moment)`,
        ),
      ];
    },
  };
}

const serverRestart: Scenario = {
  name: 'server-restart',
  summary: `stop the server, leave it down ${OUTAGE_MS / 1000} s, start it again; workers reconnect by themselves; health is unhealthy during the outage, healthy after`,
  supports: SERVERS,
  injectAt: 0.25,
  inject: (ctx) => restartWithHealth(ctx),
};

const IDLE_MS = 2000;

const idleRestart: Scenario = {
  name: 'idle-restart',
  summary: `the load is done and the workers wait for work (blocking claims, LISTEN, subscriptions) for ${IDLE_MS / 1000} s; the server restarts; then a fifth of the load is enqueued: idle workers must pick it up by themselves`,
  supports: SERVERS,
  injectAt: 1,
  async inject(ctx) {
    await sleep(IDLE_MS);
    // Measured from the server's return: the new work exists only from then on.
    return restartWithHealth(ctx, () => ctx.enqueue('normal', Math.max(1, Math.floor(ctx.settings.tasks / 5)), ctx.settings.taskMs));
  },
};

// --- connections killed by the server ------------------------------------------------------------

const connectionKill: Scenario = {
  name: 'connection-kill',
  summary:
    "the server drops the workers' connections (each backend's kit says how: PostgreSQL pg_terminate_backend, Redis CLIENT KILL, NATS: reset through the proxy)",
  supports: (kit) => kit.connectionKill !== undefined,
  viaProxy: (kit) => kit.connectionKill?.viaProxy ?? false,
  injectAt: 0.3,
  async inject(ctx) {
    const at = Date.now();
    const kill = ctx.kit.connectionKill!;
    const roles = await kill.kill({ options: optionsOf(ctx.config), workerPids: ctx.workers.pids, proxy: ctx.proxy });
    const how = kill.how;
    const byRole = new Map<string, number>();
    for (const r of roles) byRole.set(r, (byRole.get(r) ?? 0) + 1);
    const detail = `${roles.length} connection(s) (${[...byRole].map(([r, n]) => `${n} ${r}`).join(', ')}): ${how}`;
    return { at, checks: [check('connections were killed', roles.length > 0, detail)], notes: [] };
  },
};

// --- silent network stall ----------------------------------------------------------------------

const STALL_LIMIT_MS = 60_000;

const networkStall: Scenario = {
  name: 'network-stall',
  summary:
    'the proxy between workers and server stops forwarding on every open connection without closing it; the workers must notice within their ping/timeout settings and reconnect',
  supports: (kit) => kit.server !== undefined && kit.stallDetection !== undefined,
  viaProxy: () => true,
  // The stall-detection settings from the backend's kit, and the time within which they promise
  // to notice (the run allows this plus one lease).
  workerOptions: (kit) => kit.stallDetection?.options ?? {},
  injectAt: 0.3,
  async inject(ctx) {
    const proxy = ctx.proxy!;
    const detection = ctx.kit.stallDetection!;
    const at = Date.now();
    const stalled = proxy.stall();
    const before = ctx.workers.entries().filter((e) => e.phase === 'E').length;
    // Recovered: the workers finish new work over fresh connections while the old ones stay stalled.
    const target = before + 2 * ctx.settings.workers * ctx.settings.concurrency + 1;
    const recovered = await Promise.race([ctx.progress(target).then(() => true), sleep(STALL_LIMIT_MS).then(() => false)]);
    const recoveredAt = Date.now();
    const stillStalled = proxy.stalled;
    proxy.endStall();
    const firstError = ctx.workers.notes.filter(isBackendError).find((n) => n.at >= at);
    const allowed = detection.noticeMs + ctx.settings.lease;
    return {
      at,
      checks: [
        check('connections were stalled', stalled > 0, `${stalled} connection(s) stalled`),
        check(
          `work resumed within ${allowed} ms (${detection.why}, plus one lease)`,
          recovered && recoveredAt - at <= allowed,
          recovered
            ? `new work finished ${recoveredAt - at} ms after the stall began`
            : `no new work within ${STALL_LIMIT_MS / 1000} s; the stall was then ended by resetting the connections`,
        ),
      ],
      notes: [
        `${stalled} connection(s) stalled; ${stillStalled} still stalled (never abandoned by the client) when ${recovered ? 'work resumed' : 'the limit was reached'}`,
        firstError
          ? `first backend error ${firstError.at - at} ms after the stall: ${firstError.name}: ${firstError.message.slice(0, 160)}`
          : 'no backend error reported by a worker',
      ],
    };
  },
};

// --- pool exhaustion (backends with a pool: PostgreSQL) -----------------------------------------

const LOCK_MS = 6000;

const poolExhaustion: Scenario = {
  name: 'pool-exhaustion',
  summary: `workers with a small pool (PostgreSQL: poolSize 2, maxOverflow 0, poolTimeout 2000 ms; the kit's poolExhaustion); the tasks table is locked for ${LOCK_MS / 1000} s so every connection is held; callers must get PoolTimeoutError in time and nothing may hang`,
  supports: (kit) => kit.poolExhaustion !== undefined,
  workerOptions: (kit) => kit.poolExhaustion?.workerOptions ?? {},
  injectAt: 0.3,
  async inject(ctx) {
    const pool = ctx.kit.poolExhaustion!;
    const locker = await pool.locker(optionsOf(ctx.config));
    // A caller of its own with one connection: the first call holds it (blocked on the lock), the
    // others must be refused after poolTimeout.
    const probe = createBackend({ ...ctx.config, ...pool.probeOptions } as BackendConfig);
    await probe.connect();
    const at = Date.now();
    try {
      await locker.lock();
      const calls = [0, 1, 2].map(async (i) => {
        await sleep(i * 50);
        const t0 = Date.now();
        try {
          await probe.counts();
          return { ms: Date.now() - t0, error: undefined as Error | undefined };
        } catch (err) {
          return { ms: Date.now() - t0, error: err as Error };
        }
      });
      await sleep(LOCK_MS);
      await locker.release();
      const hang = sleep(15_000).then(() => 'hung' as const);
      const results = await Promise.race([Promise.all(calls), hang]);
      if (results === 'hung')
        return { at, checks: [check('no caller hangs', false, 'a probe call did not settle within 15 s of the lock ending')], notes: [] };
      const refused = results.filter((r) => r.error);
      const clear = refused.filter((r) => r.error!.name === 'PoolTimeoutError' && r.ms <= pool.probeTimeoutMs + 2000);
      const workerTimeouts = ctx.workers.notes.filter(isBackendError).filter((n) => n.at >= at && n.name === 'PoolTimeoutError');
      return {
        at,
        checks: [
          check(
            'callers beyond the pool get PoolTimeoutError within poolTimeout + 2 s',
            refused.length >= 1 && clear.length === refused.length,
            refused.map((r) => `${r.error!.name} after ${r.ms} ms`).join('; ') || 'nobody was refused',
          ),
          check(
            'the caller holding the connection finishes once the lock ends',
            results.some((r) => !r.error),
            results.map((r) => (r.error ? 'refused' : `answered after ${r.ms} ms`)).join('; '),
          ),
        ],
        notes: [
          `probe: ${refused[0]?.error?.message.slice(0, 200) ?? 'no error'}`,
          `workers reported ${workerTimeouts.length} PoolTimeoutError(s) during the lock`,
        ],
      };
    } finally {
      await locker.close().catch(() => {});
      await probe.close();
    }
  },
};

// --- poison tasks ------------------------------------------------------------------------------

const POISON_ATTEMPTS = 3;

const poison: Scenario = {
  name: 'poison',
  summary: `poison tasks among the load (5 always throw, 2 kill their process; maxAttempts ${POISON_ATTEMPTS}): each ends dead after its attempts, the rest of the load is unaffected`,
  supports: ALL,
  extraTasks: () => [
    { kind: 'throw', count: 5, ms: 0, options: { maxAttempts: POISON_ATTEMPTS, backoff: { type: 'fixed', baseMs: 200 } } },
    { kind: 'exit', count: 2, ms: 0, options: { maxAttempts: POISON_ATTEMPTS } },
  ],
  deaths: 'any',
  injectAt: 0,
  async inject(ctx) {
    // The fault is in the data: it begins when the first poison task kills its process.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && ctx.workers.deaths.length === 0) await sleep(100);
    const at = ctx.workers.deaths[0]?.at ?? Date.now();
    return {
      at,
      checks: [
        check('a poison task killed its process', ctx.workers.deaths.length > 0, `${ctx.workers.deaths.length} process death(s) so far`),
      ],
      notes: [],
      after(entries, final, enqueued) {
        const poisonIds = [...enqueued].filter(([, k]) => k === 'throw' || k === 'exit').map(([id]) => id);
        const dead = poisonIds.filter((id) => final.get(id)?.state === 'dead');
        const byError = new Map<string, number>();
        for (const id of dead) {
          const f = final.get(id)!;
          const key = `${enqueued.get(id)} poison: ${f.errorName} after ${f.attempts}`;
          byError.set(key, (byError.get(key) ?? 0) + 1);
        }
        // Load tasks that ended dead: which poison task did they share their processes with?
        const died = new Set(ctx.workers.deaths.map((d) => d.pid));
        const victims = [...enqueued].filter(([id, k]) => k === 'normal' && final.get(id)?.state === 'dead').map(([id]) => id);
        const runs = entries.filter((e) => e.phase === 'S' && victims.includes(e.taskId));
        return [
          check(
            'poison tasks ended dead',
            dead.length === poisonIds.length,
            `${dead.length} of ${poisonIds.length}: ${[...byError].map(([k, n]) => `${n}× ${k} attempt(s)`).join(', ')}`,
          ),
          check(
            'no load task ended dead',
            victims.length === 0,
            victims.length === 0
              ? 'none'
              : `${victims.length} load task(s) dead with ${[...new Set(victims.map((id) => final.get(id)?.errorName))].join(', ')} after ${[...new Set(victims.map((id) => final.get(id)?.attempts))].join('/')} attempt(s); their ledger shows ${runs.length} started run(s), ${runs.filter((e) => died.has(e.pid)).length} of them in a process a poison task killed (${victims.reduce((n, id) => n + (final.get(id)?.attempts ?? 0), 0) - runs.length} claim(s) never reached the handler); ${ctx.workers.deaths.length} process death(s) in all`,
          ),
        ];
      },
    };
  },
};

// --- a task longer than its lease --------------------------------------------------------------

const longTask: Scenario = {
  name: 'long-task',
  summary: 'tasks that run 3 leases + 1 s among the load; their worker renews the lease, so none may run twice',
  supports: SERVERS,
  extraTasks: (s) => [{ kind: 'long', count: 4, ms: 3 * s.lease + 1000, options: { priority: 9 } }],
  recovery: false,
  injectAt: 0,
  async inject(ctx) {
    return {
      at: Date.now(),
      checks: [],
      notes: [],
      after(entries, _final, enqueued) {
        // Each long run, start to end: it must outlast the lease for the check to mean anything.
        const long = [...enqueued].filter(([, k]) => k === 'long').map(([id]) => id);
        const spans = long.map((id) => {
          const s = entries.find((e) => e.phase === 'S' && e.taskId === id);
          const e = entries.find((x) => x.phase === 'E' && x.taskId === id);
          return s && e ? e.at - s.at : undefined;
        });
        const done = spans.filter((t): t is number => t !== undefined);
        return [
          check(
            'the long tasks outlived their lease',
            done.length === long.length && done.every((t) => t > 3 * ctx.settings.lease),
            `${done.length} of ${long.length} finished, running ${done.map((t) => `${(t / 1000).toFixed(1)} s`).join(', ')} (lease ${ctx.settings.lease / 1000} s)`,
          ),
        ];
      },
    };
  },
};

export const SCENARIO_LIST: readonly Scenario[] = [
  processKill,
  serverRestart,
  idleRestart,
  connectionKill,
  networkStall,
  poolExhaustion,
  poison,
  longTask,
];
