// One backend × scenario: a fresh namespace, the load enqueued, worker processes started, the
// fault injected, the queue drained, then the ledgers checked against what was enqueued.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBackend, optionsOf, type BackendConfig } from '../../shared/backends/index.js';
import type { BackendKit } from '../../shared/backends/kit.js';
import { benchNamespace } from '../../shared/bench/namespace.js';
import type { Backend } from '../../shared/core/backend.js';
import type { BackendKind } from '../../shared/backends/descriptors.js';
import { TaskQueue } from '../../shared/core/queue.js';
import {
  checkLedger,
  isBackendError,
  isLoad,
  FAULT_TASK,
  recoveryMs,
  timeline,
  type FaultPayload,
  type FinalState,
  type TaskKind,
} from './ledger.js';
import { FaultProxy } from './proxy.js';
import type { Injection, Scenario, ScenarioContext } from './scenarios.js';
import type { ServerControl } from './servers.js';
import type { Check, FaultRow, RunSettings } from './types.js';
import { WorkerPool } from './workers.js';

const BATCH = 500;

/** Uncaught errors in the harness process itself (its own clients), collected by the CLI's
 *  handler so a crashing client becomes a failed check instead of ending the whole run. */
export const harnessErrors: Error[] = [];

/** The uncaught error at the end of a process's stderr, in one line with its first frame. */
function crashLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim());
  const i = lines.findIndex((l) => /^[A-Za-z]*Error\b|^error:/i.test(l) || /Error:/.test(l));
  if (i < 0) return stderr.slice(-200) || '(no stderr)';
  const frame = lines.slice(i + 1).find((l) => l.startsWith('at ') && !l.includes('node:internal'));
  return `${lines[i].slice(0, 200)}${frame ? ` (${frame.slice(0, 160)})` : ''}`;
}

export interface RunTarget {
  kind: BackendKind;
  /** What the run knows about the backend (its folder's kit.ts). */
  kit: BackendKit;
  /** Connection settings (no namespace yet). */
  config: BackendConfig;
  server?: ServerControl;
}

/** The same connection, through the proxy on 127.0.0.1:port. */
function proxied(config: BackendConfig, kit: BackendKit, port: number): BackendConfig {
  if (!kit.server) return config;
  return { type: config.type, ...kit.server.reroute(optionsOf(config), '127.0.0.1', port) } as BackendConfig;
}

/** Retries a harness call through an outage (the harness is a client like any other). */
async function patiently<T>(what: () => Promise<T>, deadline: number): Promise<T> {
  for (;;) {
    try {
      return await what();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(500);
    }
  }
}

async function finalStates(backend: Backend, deadline: number): Promise<Map<string, FinalState>> {
  const out = new Map<string, FinalState>();
  for (let offset = 0; ; offset += 1000) {
    const page = await patiently(() => backend.listTasks({ limit: 1000, offset }), deadline);
    for (const t of page.tasks) {
      const f: FinalState = { state: t.state, attempts: t.attempts };
      if (t.error) f.errorName = t.error.name;
      out.set(t.id, f);
    }
    if (page.tasks.length < 1000) return out;
  }
}

export async function runScenario(
  target: RunTarget,
  scenario: Scenario,
  settings: RunSettings,
  log: (m: string) => void,
): Promise<FaultRow> {
  const started = Date.now();
  const row: FaultRow = {
    backend: target.kind,
    scenario: scenario.name,
    tasks: 0,
    lost: 0,
    duplicates: 0,
    extraRuns: 0,
    pass: false,
    checks: [],
    notes: [],
    durationMs: 0,
  };
  const ns = benchNamespace(target.config, 'faults');
  const dir = mkdtempSync(join(tmpdir(), `sitq-faults-${target.kind}-${scenario.name}-`));
  const backend = createBackend(ns.config);
  const harnessErrorsBefore = harnessErrors.length;
  let proxy: FaultProxy | undefined;
  let workers: WorkerPool | undefined;
  try {
    await backend.connect();
    const queue = new TaskQueue(backend);
    const enqueued = new Map<string, TaskKind>();
    const add = async (kind: TaskKind, count: number, ms: number, options = {}) => {
      for (let i = 0; i < count; i += BATCH) {
        const payloads: FaultPayload[] = Array.from({ length: Math.min(BATCH, count - i) }, () => ({ kind, ms }));
        for (const id of await queue.enqueueMany(FAULT_TASK, payloads, options)) enqueued.set(id, kind);
      }
    };
    // The scenario's own tasks go in one by one, spread over the first fifth of the load, so they
    // run while it does and are not claimed together.
    const extras = (scenario.extraTasks?.(settings) ?? []).flatMap((e) => Array.from({ length: e.count }, () => e));
    const head = Math.max(1, Math.floor(settings.tasks / 10));
    const gap = Math.max(1, Math.floor(head / Math.max(1, extras.length)));
    let queued = 0;
    await add('normal', head, settings.taskMs);
    queued += head;
    for (const e of extras) {
      await add(e.kind, 1, e.ms, e.options);
      const n = Math.min(gap, settings.tasks - queued);
      await add('normal', n, settings.taskMs);
      queued += n;
    }
    await add('normal', settings.tasks - queued, settings.taskMs);
    row.tasks = enqueued.size;
    const loadTotal = [...enqueued.values()].filter(isLoad).length;
    // (tasks a scenario enqueues during its fault are added to `enqueued` and checked the same way)

    let workerConfig: BackendConfig = { ...ns.config, ...(scenario.workerOptions?.(target.kit) ?? {}) } as BackendConfig;
    if (scenario.viaProxy?.(target.kit) && target.server) {
      proxy = await FaultProxy.start(target.server.host, target.server.port);
      workerConfig = proxied(workerConfig, target.kit, proxy.port);
    }
    workers = new WorkerPool(workerConfig, dir, { count: settings.workers, concurrency: settings.concurrency, lease: settings.lease });
    const pool = workers;
    const completed = () =>
      new Set(
        pool
          .entries()
          .filter((e) => e.phase === 'E')
          .map((e) => e.taskId),
      ).size;
    // Drained: nothing left waiting or running, and every task accounted for.
    const isDrained = async () => {
      try {
        const c = (await backend.counts()).find((q) => q.queue === 'default')?.counts;
        return c !== undefined && c.pending + c.delayed + c.running === 0 && c.succeeded + c.dead + c.cancelled >= row.tasks;
      } catch {
        return false; // an outage the harness rides out like the workers do
      }
    };
    const progress = async (n: number) => {
      const deadline = Date.now() + settings.drainTimeoutMs;
      for (let i = 1; completed() < n && Date.now() < deadline; i++) {
        // A lost task never completes: the store saying "nothing left" ends the wait too.
        if (i % 5 === 0 && (await isDrained())) return;
        await sleep(200);
      }
    };
    log(`${target.kind} ${scenario.name}: ${row.tasks} tasks enqueued; starting ${settings.workers} worker processes`);
    await workers.start();

    const enqueue = async (kind: TaskKind, count: number, ms: number) => {
      await patiently(() => add(kind, count, ms), Date.now() + 30_000);
      row.tasks = enqueued.size;
    };
    const ctx: ScenarioContext = {
      kind: target.kind,
      kit: target.kit,
      config: ns.config,
      server: target.server,
      proxy,
      workers,
      settings,
      progress,
      enqueue,
      kindOf: (id) => enqueued.get(id),
      log,
    };

    await progress(Math.floor(loadTotal * scenario.injectAt));
    let injection: Injection | undefined;
    try {
      log(`${target.kind} ${scenario.name}: injecting`);
      injection = await scenario.inject(ctx);
      row.checks.push(...injection.checks);
      row.notes.push(...injection.notes);
    } catch (err) {
      row.checks.push({ name: 'the fault could be injected', ok: false, detail: (err as Error).message });
    }
    let drainedAt: number | undefined;
    for (const deadline = Date.now() + settings.drainTimeoutMs; Date.now() < deadline; await sleep(250)) {
      if (await isDrained()) {
        drainedAt = Date.now();
        break;
      }
    }
    if (drainedAt === undefined)
      row.checks.push({
        name: 'the queue drained',
        ok: false,
        detail: `work was still waiting or running ${settings.drainTimeoutMs / 1000} s after the fault`,
      });
    await workers.stop();

    const entries = workers.entries();
    const final = await finalStates(backend, Date.now() + 30_000);
    const result = checkLedger(enqueued, entries, final, 3);
    row.lost = result.lost.length;
    row.duplicates = result.duplicated.length;
    row.extraRuns = result.extraRuns;
    if (injection && scenario.recovery !== false) {
      row.recoverMs = recoveryMs(entries, injection.at, drainedAt ?? Date.now());
      if (drainedAt) row.drainMs = drainedAt - injection.at;
    }
    if (injection && scenario.recovery !== false) {
      row.notes.push(
        `completions per second from 2 s before the fault to the drain: ${timeline(entries, injection.at - 2000, (drainedAt ?? Date.now()) + 1000)}`,
      );
    }
    if (injection?.after) row.checks.push(...injection.after(entries, final, enqueued));
    if (result.lost.length) {
      const states = new Map<string, number>();
      for (const id of result.lost) states.set(final.get(id)?.state ?? 'missing', (states.get(final.get(id)?.state ?? 'missing') ?? 0) + 1);
      row.notes.push(`lost: ${[...states].map(([s, n]) => `${n} ${s}`).join(', ')}; e.g. ${result.lost.slice(0, 3).join(', ')}`);
      // Evidence: were the lost tasks' runs cut short by dying processes, and how did they end?
      const died = new Set(workers.deaths.map((d) => d.pid));
      const lostSet = new Set(result.lost);
      const runs = entries.filter((e) => e.phase === 'S' && lostSet.has(e.taskId));
      const errors = new Map<string, number>();
      for (const id of result.lost)
        errors.set(final.get(id)?.errorName ?? 'no error', (errors.get(final.get(id)?.errorName ?? 'no error') ?? 0) + 1);
      row.notes.push(
        `lost tasks: ${runs.length} run(s) in all, ${runs.filter((e) => died.has(e.pid)).length} of them in a process that died; errors: ${[...errors].map(([k, n]) => `${n}× ${k}`).join(', ')}`,
      );
    }
    if (result.longRepeated.length)
      row.checks.push({
        name: 'no long task ran twice',
        ok: false,
        detail: `${result.longRepeated.length} long task(s) started more than once`,
      });
    else if (enqueued.size && [...enqueued.values()].includes('long'))
      row.checks.push({ name: 'no long task ran twice', ok: true, detail: 'each long task started once' });
    if (result.poisonNotDead.length || result.poisonOverrun.length) {
      row.checks.push({
        name: 'poison tasks end dead within their attempts',
        ok: false,
        detail: `${result.poisonNotDead.length} not dead, ${result.poisonOverrun.length} ran more than 3 times`,
      });
    }
    const errors = workers.notes.filter(isBackendError);
    if (errors.length)
      row.notes.push(`workers reported ${errors.length} backend error(s); first: ${errors[0].name}: ${errors[0].message.slice(0, 160)}`);
    const expected = scenario.deaths === 'any' ? Infinity : scenario.deaths === 'one' ? 1 : 0;
    const crashes = scenario.deaths === 'one' ? workers.deaths.filter((d) => d.signal !== 'SIGKILL') : workers.deaths;
    if (expected !== Infinity) {
      row.checks.push({
        name: 'no worker process crashed',
        ok: workers.deaths.length <= expected && (scenario.deaths !== 'one' || crashes.length === 0),
        detail:
          crashes.length || workers.deaths.length > expected
            ? `${workers.deaths.length} death(s); ${crashes[0] ? `first: ${crashLine(crashes[0].stderr)}` : ''}`
            : 'none',
      });
    } else if (workers.deaths.length) row.notes.push(`${workers.deaths.length} worker process death(s) (replaced)`);
    const mine = harnessErrors.slice(harnessErrorsBefore);
    if (mine.length)
      row.checks.push({
        name: "no uncaught error in the harness's own client",
        ok: false,
        detail: `${mine.length}: ${mine[0].name}: ${mine[0].message.slice(0, 200)} (${
          (mine[0].stack ?? '')
            .split('\n')
            .find((l) => l.includes(' at ') && !l.includes('node:internal'))
            ?.trim() ?? ''
        })`,
      });
  } catch (err) {
    row.error = (err as Error).message;
    log(`${target.kind} ${scenario.name}: ${row.error}`);
  } finally {
    await workers?.stop().catch(() => {});
    await proxy?.close();
    await ns.remove(backend);
    rmSync(dir, { recursive: true, force: true });
  }
  row.pass = !row.error && row.lost === 0 && row.checks.every((c: Check) => c.ok);
  row.durationMs = Date.now() - started;
  return row;
}
