// Benchmark runs started from the dashboard: shared/bench does the measuring; this keeps the runs
// (one at a time, cancellable), their progress, their reports on disk for later comparison, and
// the exports.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BenchmarkAbortedError } from '../bench/abort.js';
import { compareProfiles, compareRuns } from '../bench/compare.js';
import { toCsv, toMarkdown } from '../bench/export.js';
import { dateStamp, loadResult, saveResult, toReport } from '../bench/report.js';
import { sweepPools } from '../bench/sweep.js';
import type { AnyBenchResult, BenchProgress, BenchReport, RunComparison } from '../bench/types.js';
import type { Profile } from '../config/profiles.js';
import { scrub } from '../config/redact.js';
import type { BenchRunRequest, BenchRunSummary, BenchRunView, ExportFormat, ExportedFile } from '../protocol/bench.js';
import { ConfigurationError } from '../core/errors.js';
import { ConflictError, NotFoundError } from './errors.js';

export interface BenchRunner {
  onUpdate(listener: (run: BenchRunSummary) => void): void;
  list(): BenchRunSummary[];
  start(request: BenchRunRequest, profiles: Profile[]): BenchRunSummary;
  cancel(id: string): BenchRunSummary;
  get(id: string): BenchRunView | null;
  importReport(json: string): BenchRunView;
  exportRun(id: string, format: ExportFormat): ExportedFile;
  compare(id: string, earlierId: string): RunComparison;
  cancelAll(): void;
}

interface Run {
  view: BenchRunView;
  controller?: AbortController;
  lastPush: number;
}

const KEEP_RUNS = 30;
/** Progress is pushed at most this often (the bench reports every task). */
const PROGRESS_EVERY_MS = 200;

export class BenchRuns implements BenchRunner {
  private readonly runs = new Map<string, Run>();
  private readonly listeners: ((run: BenchRunSummary) => void)[] = [];
  private seq = 0;

  /** `dir`: where finished reports are saved (and read back at start); undefined keeps them in memory. */
  constructor(private readonly dir?: string) {
    if (dir) this.loadSaved(dir);
  }

  onUpdate(listener: (run: BenchRunSummary) => void): void {
    this.listeners.push(listener);
  }

  list(): BenchRunSummary[] {
    return [...this.runs.values()].map((r) => summary(r.view)).sort((a, b) => b.startedAt - a.startedAt);
  }

  start(request: BenchRunRequest, profiles: Profile[]): BenchRunSummary {
    const busy = [...this.runs.values()].find((r) => r.view.state === 'running');
    if (busy) throw new ConflictError(`a benchmark is already running (${busy.view.id}); cancel it or wait for it to finish`);
    const id = `run-${Date.now().toString(36)}-${++this.seq}`;
    const controller = new AbortController();
    const run: Run = {
      view: { id, state: 'running', profiles: profiles.map((p) => p.name), startedAt: Date.now() },
      controller,
      lastPush: 0,
    };
    this.runs.set(id, run);
    this.trim();
    void this.execute(run, request, profiles, controller.signal);
    this.push(run, true);
    return summary(run.view);
  }

  cancel(id: string): BenchRunSummary {
    const run = this.get_(id);
    run.controller?.abort();
    return summary(run.view);
  }

  cancelAll(): void {
    for (const r of this.runs.values()) r.controller?.abort();
  }

  get(id: string): BenchRunView | null {
    const r = this.runs.get(id);
    return r ? structuredClone(r.view) : null;
  }

  importReport(json: string): BenchRunView {
    let data: unknown;
    try {
      data = JSON.parse(json);
    } catch (err) {
      throw new ConfigurationError({ option: 'report file', expected: `valid JSON (${(err as Error).message})` });
    }
    const kind = (data as { kind?: unknown } | null)?.kind;
    if (kind !== 'report' && kind !== 'benchmark' && kind !== 'sweep' && kind !== 'soak') {
      throw new ConfigurationError({
        option: 'report file',
        expected: 'a sitq benchmark result (with "kind" report, benchmark, sweep or soak)',
      });
    }
    const report = toReport(data as AnyBenchResult);
    const run = this.adopt(report, `imported-${++this.seq}`);
    this.push(run, true);
    return structuredClone(run.view);
  }

  exportRun(id: string, format: ExportFormat): ExportedFile {
    const report = this.reportOf(id);
    const base = `sitq-bench-${dateStamp(report.date)}`;
    switch (format) {
      case 'json':
        return { filename: `${base}.json`, mime: 'application/json', content: `${JSON.stringify(report, null, 2)}\n` };
      case 'csv':
        return { filename: `${base}.csv`, mime: 'text/csv', content: toCsv(report) };
      case 'markdown':
        return { filename: `${base}.md`, mime: 'text/markdown', content: toMarkdown(report) };
    }
  }

  compare(id: string, earlierId: string): RunComparison {
    return compareRuns(this.reportOf(id), this.reportOf(earlierId));
  }

  private async execute(run: Run, request: BenchRunRequest, profiles: Profile[], signal: AbortSignal): Promise<void> {
    const secrets = profiles.flatMap((p) => p.secrets);
    const onProgress = (progress: BenchProgress) => {
      run.view.progress = progress;
      this.push(run, false);
    };
    try {
      const named = profiles.map((p) => ({ name: p.name, config: p.backend }));
      const report = await compareProfiles(named, request.options, { onProgress, signal });
      if (request.sweep) {
        const cells = request.sweepTasksPerCell === undefined ? {} : { tasksPerCell: request.sweepTasksPerCell };
        for (const p of profiles) report.sweeps.push(await sweepPools(p.backend, { profile: p.name, onProgress, signal, ...cells }));
      }
      report.skipped = report.skipped.map((s) => ({ ...s, reason: scrub(s.reason, secrets) }));
      run.view.report = report;
      run.view.state = 'done';
      if (this.dir) {
        try {
          saveResult(report, this.dir, { name: `bench-${dateStamp(report.date)}`, command: 'dashboard' });
        } catch (err) {
          run.view.error = `the report could not be saved: ${(err as Error).message}`;
        }
      }
    } catch (err) {
      run.view.state = err instanceof BenchmarkAbortedError || signal.aborted ? 'cancelled' : 'failed';
      if (run.view.state === 'failed') run.view.error = scrub((err as Error).message, secrets);
    } finally {
      run.view.finishedAt = Date.now();
      run.controller = undefined;
      this.push(run, true);
    }
  }

  private reportOf(id: string): BenchReport {
    const report = this.get_(id).view.report;
    if (!report) throw new NotFoundError('finished benchmark run', id);
    return report;
  }

  private adopt(report: BenchReport, id: string): Run {
    const started = Date.parse(report.date) || Date.now();
    const names = [
      ...new Set([...report.results.map((r) => r.profile), ...report.sweeps.map((s) => s.profile), ...report.soaks.map((s) => s.profile)]),
    ];
    const run: Run = { view: { id, state: 'done', profiles: names, startedAt: started, finishedAt: started, report }, lastPush: 0 };
    this.runs.set(id, run);
    return run;
  }

  private loadSaved(dir: string): void {
    if (!existsSync(dir)) return;
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t)
      .slice(0, KEEP_RUNS);
    for (const { f } of files) {
      try {
        this.adopt(loadResult(join(dir, f)), `saved-${f.replace(/\.json$/, '')}`);
      } catch {
        // Not a benchmark report: leave it alone.
      }
    }
  }

  private push(run: Run, always: boolean): void {
    const now = Date.now();
    if (!always && now - run.lastPush < PROGRESS_EVERY_MS) return;
    run.lastPush = now;
    const s = summary(run.view);
    for (const l of this.listeners) l(s);
  }

  private trim(): void {
    const finished = [...this.runs.values()].filter((r) => r.view.state !== 'running').sort((a, b) => a.view.startedAt - b.view.startedAt);
    for (const r of finished.slice(0, Math.max(0, this.runs.size - KEEP_RUNS))) this.runs.delete(r.view.id);
  }

  private get_(id: string): Run {
    const r = this.runs.get(id);
    if (!r) throw new NotFoundError('benchmark run', id);
    return r;
  }
}

function summary(v: BenchRunView): BenchRunSummary {
  const { report: _report, ...rest } = v;
  return structuredClone(rest);
}

/** The folder where the dashboard keeps benchmark reports, next to the config file. */
export function benchDir(configDir: string): string {
  return join(configDir, '.sitq', 'bench');
}
