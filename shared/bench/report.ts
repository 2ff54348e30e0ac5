// Results with the facts needed to read them later: machine, versions, settings, date. What
// saveResult writes and loadResult reads back.
import { BACKEND_DESCRIPTORS } from '../backends/descriptors.js';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, hostname, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SitqError } from '../core/errors.js';
import type { AnyBenchResult, BenchmarkResult, BenchReport, MachineInfo, VersionInfo } from './types.js';

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    hostname: hostname(),
    platform: `${process.platform} ${osRelease()}`,
    arch: process.arch,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cpus: list.length,
    memoryBytes: totalmem(),
    loadAverage: Math.round(loadavg()[0] * 100) / 100,
  };
}

function osRelease(): string {
  try {
    return readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    return '';
  }
}

const require = createRequire(import.meta.url);
const CLIENTS = BACKEND_DESCRIPTORS.flatMap((d) => (d.driverPackage ? [d.driverPackage] : []));

/** The version in a package's package.json, found by walking up from its resolved entry. */
function packageVersion(name: string): string {
  try {
    let dir = dirname(require.resolve(name));
    for (let i = 0; i < 6; i++) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name && pkg.version) return pkg.version;
      } catch {
        // no package.json at this level
      }
      dir = dirname(dir);
    }
  } catch {
    // not installed
  }
  return 'unknown';
}

/** The folder of sitq's own package.json (walking up from this file), or undefined. */
function sitqRoot(): { dir: string; version: string } | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'sitq' && pkg.version) return { dir, version: pkg.version };
    } catch {
      // keep walking up
    }
    dir = dirname(dir);
  }
  return undefined;
}

/** `abc1234`, with ` (+ uncommitted changes)` when the working tree differs; undefined outside git. */
function gitCommit(dir: string): string | undefined {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    const commit = git('rev-parse', '--short', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no') ? `${commit} (+ uncommitted changes)` : commit;
  } catch {
    return undefined;
  }
}

export function versionInfo(results: readonly { profile: string; serverVersion?: string }[] = []): VersionInfo {
  const servers: Record<string, string> = {};
  for (const r of results) if (r.serverVersion) servers[r.profile] = r.serverVersion;
  const root = sitqRoot();
  const info: VersionInfo = {
    sitq: root?.version ?? 'unknown',
    node: process.version,
    clients: Object.fromEntries(CLIENTS.map((c) => [c, packageVersion(c)])),
    servers,
  };
  const commit = root && gitCommit(root.dir);
  if (commit) info.commit = commit;
  return info;
}

/** Wraps any result in a report (a report is returned as is). */
export function toReport(result: AnyBenchResult, command?: string): BenchReport {
  if (result.kind === 'report') return result;
  const results: BenchmarkResult[] = result.kind === 'benchmark' ? [result] : [];
  const report: BenchReport = {
    kind: 'report',
    date: result.startedAt,
    machine: machineInfo(),
    versions: versionInfo(results),
    settings: result.kind === 'benchmark' ? result.settings : undefined,
    results,
    skipped: [],
    sweeps: result.kind === 'sweep' ? [result] : [],
    soaks: result.kind === 'soak' ? [result] : [],
  };
  if (command !== undefined) report.command = command;
  return report;
}

/** A file-name-safe stamp of an ISO date: 2025-01-31T12-00-00Z. */
export function dateStamp(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

/**
 * Writes the result as a report (machine, versions, settings, date) to
 * `<dir>/<name>.json`; name defaults to `bench-<date>`. Returns the file's path.
 */
export function saveResult(result: AnyBenchResult, dir: string, options: { name?: string; command?: string } = {}): string {
  const report = toReport(result, options.command);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${options.name ?? `bench-${dateStamp(report.date)}`}.json`);
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}

export class BenchResultFileError extends SitqError {}

/** Reads a file saveResult wrote (or a bare result) back as a report. */
export function loadResult(path: string): BenchReport {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new BenchResultFileError(`cannot read benchmark results from ${path}: ${(err as Error).message}`, { cause: err });
  }
  const kind = (data as { kind?: unknown } | null)?.kind;
  if (kind !== 'report' && kind !== 'benchmark' && kind !== 'sweep' && kind !== 'soak') {
    throw new BenchResultFileError(`${path} is not a sitq benchmark result (no "kind" of report, benchmark, sweep or soak)`);
  }
  return toReport(data as AnyBenchResult);
}

/** A report with this machine's facts and nothing measured yet (the sweep, soak and scale runs fill it). */
export function emptyReport(): BenchReport {
  return {
    kind: 'report',
    date: new Date().toISOString(),
    machine: machineInfo(),
    versions: versionInfo(),
    settings: undefined,
    results: [],
    skipped: [],
    sweeps: [],
    soaks: [],
  };
}
