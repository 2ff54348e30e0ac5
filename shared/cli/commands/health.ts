// `sitq health`: one check of a profile (or all), or a watch that keeps checking and reports the
// monitor's metrics and health score at the end.
import type { Command } from 'commander';
import type { BackendKind } from '../../backends/descriptors.js';
import type { Profile } from '../../config/profiles.js';
import type { HealthReport } from '../../health/check.js';
import { duration, wholeNumber } from '../args.js';
import { prepareProfile, type CliContext } from '../context.js';
import { describeError } from '../errors.js';
import { formatClock, formatMs, formatTime, keyValues, table } from '../format.js';
import type { Io } from '../io.js';
import type { App } from '../program.js';
import { LiveScreen, canRedraw } from '../screen.js';
import { onInterrupt } from '../signals.js';

interface HealthOptions {
  all?: boolean;
  watch?: boolean;
  interval: number;
  rounds?: number;
  timeout: number;
  slow: number;
}

export function register(program: Command, app: App): void {
  program
    .command('health')
    .description("check that a profile's backend answers, how fast, and what its queues hold")
    .option('--all', 'check every profile of the config')
    .option('-w, --watch', 'keep checking every --interval until Ctrl-C (or --rounds), then show the metrics')
    .option('--interval <ms>', 'time between checks with --watch (500ms, 5s, ...)', duration(10), 5000)
    .option('--rounds <n>', 'with --watch: stop after this many rounds', wholeNumber(1, 1_000_000))
    .option('--timeout <ms>', 'a check that takes longer ends as unhealthy', duration(1), 5000)
    .option('--slow <ms>', 'a ping slower than this is degraded', duration(0), 1000)
    .action(
      app.action(async (ctx, opts: HealthOptions) => {
        const targets = await chooseProfiles(ctx, opts.all);
        return opts.watch ? watch(ctx, targets, opts) : once(ctx, targets, opts);
      }),
    );
}

type Target = { name: string; type: BackendKind; profile?: Profile; error?: unknown };

async function chooseProfiles(ctx: CliContext, all: boolean | undefined): Promise<Target[]> {
  if (!all) {
    const profile = await ctx.profile();
    await prepareProfile(profile);
    return [{ name: profile.name, type: profile.type, profile }];
  }
  const targets = await ctx.allProfiles();
  for (const t of targets) if (t.profile) await prepareProfile(t.profile);
  return targets;
}

function unusable(t: Target): HealthReport {
  return {
    profile: t.name,
    kind: t.type,
    address: '-',
    status: 'unhealthy',
    responseTimeMs: 0,
    slow: false,
    error: describeError(t.error).replace(/\n\s*/g, '; '),
    warnings: [],
    checkedAt: Date.now(),
    nodes: [],
    queues: [],
    oldestPendingAgeMs: 0,
    liveWorkers: 0,
    deadTasks: 0,
  };
}

async function once(ctx: CliContext, targets: Target[], opts: HealthOptions): Promise<number> {
  const { io } = ctx;
  const { checkHealth } = await import('../../health/check.js');
  const reports = await Promise.all(
    targets.map((t) =>
      t.profile ? checkHealth(t.profile, { timeoutMs: opts.timeout, slowThresholdMs: opts.slow }) : Promise.resolve(unusable(t)),
    ),
  );
  const failed = reports.some((r) => r.status === 'unhealthy');
  if (ctx.json) {
    io.json(targets.length === 1 && !opts.all ? reports[0] : { ok: !failed, reports });
    return failed ? 1 : 0;
  }
  io.out(summaryTable(io, reports));
  if (reports.length === 1) details(io, reports[0]);
  else
    for (const r of reports) {
      if (r.error) io.out(`${r.profile}: ${io.colors.red(r.error)}`);
      for (const w of r.warnings) io.warn(`${r.profile}: ${w}`);
    }
  return failed ? 1 : 0;
}

export function statusColor(io: Io, status: string): string {
  const c = io.colors;
  return status === 'healthy' ? c.green(status) : status === 'degraded' ? c.yellow(status) : c.red(status);
}

function summaryTable(io: Io, reports: HealthReport[]): string {
  return table(
    reports,
    [
      { header: 'PROFILE', value: (r) => r.profile },
      { header: 'TYPE', value: (r) => r.kind },
      { header: 'STATUS', value: (r) => r.status, color: (t, r) => t.replace(r.status, statusColor(io, r.status)) },
      { header: 'RESPONSE', value: (r) => formatMs(r.responseTimeMs), align: 'right' },
      { header: 'SERVER', value: (r) => r.serverVersion },
      { header: 'WORKERS', value: (r) => (r.status === 'unhealthy' ? undefined : r.liveWorkers) },
      { header: 'DEAD', value: (r) => (r.status === 'unhealthy' ? undefined : r.deadTasks) },
      {
        header: 'LAG',
        value: (r) => (r.status === 'unhealthy' ? undefined : r.oldestPendingAgeMs ? formatMs(r.oldestPendingAgeMs) : '0'),
        align: 'right',
      },
    ],
    io.colors,
  );
}

function details(io: Io, r: HealthReport): void {
  io.out();
  io.out(
    keyValues(
      [
        ['address', r.address],
        ['checked at', formatTime(r.checkedAt)],
        ['connect', r.connectTimeMs !== undefined ? formatMs(r.connectTimeMs) : undefined],
        ['error', r.error ? io.colors.red(r.error) : undefined],
      ],
      io.colors,
    ),
  );
  for (const w of r.warnings) io.warn(w);
  if (r.nodes.length > 1) {
    io.out();
    io.out(
      table(
        r.nodes,
        [
          { header: 'NODE', value: (n) => n.address },
          { header: 'ROLE', value: (n) => n.role },
          { header: 'REACHABLE', value: (n) => (n.reachable ? 'yes' : 'no') },
          { header: 'SERVING', value: (n) => (n.serving ? 'yes' : '') },
        ],
        io.colors,
      ),
    );
  }
  if (r.queues.length) {
    io.out();
    io.out(
      table(
        r.queues,
        [
          { header: 'QUEUE', value: (q) => q.queue },
          { header: 'PENDING', value: (q) => q.counts.pending },
          { header: 'DELAYED', value: (q) => q.counts.delayed },
          { header: 'RUNNING', value: (q) => q.counts.running },
          { header: 'SUCCEEDED', value: (q) => q.counts.succeeded },
          { header: 'DEAD', value: (q) => q.counts.dead },
          { header: 'CANCELLED', value: (q) => q.counts.cancelled },
          { header: 'OLDEST PENDING', value: (q) => (q.oldestPendingAgeMs ? formatMs(q.oldestPendingAgeMs) : '-'), align: 'right' },
          // A paused queue's backlog grows by design: say so, or it reads as stuck workers.
          { header: 'PAUSED', value: (q) => (q.paused ? 'yes' : ''), color: (t) => io.colors.yellow(t) },
        ],
        io.colors,
      ),
    );
  }
}

async function watch(ctx: CliContext, targets: Target[], opts: HealthOptions): Promise<number> {
  const { io } = ctx;
  const { HealthMonitor } = await import('../../health/monitor.js');
  const monitor = new HealthMonitor({ intervalMs: opts.interval, timeoutMs: opts.timeout, slowThresholdMs: opts.slow, historySize: 1000 });
  for (const t of targets) if (t.profile) monitor.add(t.name, t.profile);
  for (const t of targets) if (!t.profile) io.warn(`${t.name}: not watched: ${describeError(t.error).replace(/\n\s*/g, '; ')}`);
  if (monitor.profiles.length === 0) return 2;

  // On a terminal: one table, redrawn in place as checks come in (as `top` does). Into a pipe or
  // with --json: one line per check, which scripts and log files read.
  const screen = !ctx.json && canRedraw(io) ? new LiveScreen(io) : undefined;
  const latest = new Map<string, HealthReport>();
  const changes: string[] = [];
  let redraw: NodeJS.Timeout | undefined;
  const draw = () => {
    redraw = undefined;
    screen?.draw(watchFrame(io, monitor, latest, changes, opts.interval));
  };
  monitor.on('check', (r) => {
    const m = monitor.metrics(r.profile!);
    if (ctx.json) return io.json({ event: 'check', ...r, healthScore: m?.healthScore });
    if (screen) {
      latest.set(r.profile!, r);
      // The checks of one round end within moments of each other: one redraw for them.
      redraw ??= setTimeout(draw, 30);
      return;
    }
    const detail =
      r.status === 'unhealthy'
        ? io.colors.red(r.error ?? '')
        : `${r.serverVersion ?? ''}  workers ${r.liveWorkers}  dead ${r.deadTasks}  lag ${formatMs(r.oldestPendingAgeMs)}`;
    io.out(
      `${formatTime(r.checkedAt)}  ${r.profile!.padEnd(12)}  ${statusColor(io, r.status.padEnd(9))}  ${formatMs(r.responseTimeMs).padStart(9)}  score ${String(m?.healthScore ?? 100).padStart(5)}  ${detail}`,
    );
  });
  monitor.on('status-change', (change) => {
    if (change.from === undefined || ctx.json) return;
    if (screen) changes.unshift(`${formatClock(Date.now())}  ${change.profile}: ${change.from} -> ${statusColor(io, change.to)}`);
    else io.err(`${change.profile}: ${change.from} -> ${statusColor(io, change.to)}`);
  });

  // Kept until the metrics are out: a second Ctrl-C while stopping forces the exit (130) rather
  // than meeting Node's default handler.
  let disposeInterrupt = () => {};
  const stopped = new Promise<void>((resolve) => {
    disposeInterrupt = onInterrupt(resolve);
    if (opts.rounds) {
      // A round is done when every profile has been checked that often (a fast one runs ahead
      // of one that waits out its connect timeout).
      const checks = new Map(monitor.profiles.map((name) => [name, 0]));
      monitor.on('check', (r) => {
        checks.set(r.profile!, (checks.get(r.profile!) ?? 0) + 1);
        if (Math.min(...checks.values()) >= opts.rounds!) resolve();
      });
    }
  });
  if (screen) {
    screen.start();
    draw();
  } else if (!ctx.json)
    io.err(io.errColors.dim(`checking ${monitor.profiles.join(', ')} every ${formatMs(opts.interval)}; Ctrl-C to stop`));
  monitor.start();
  await stopped;
  await monitor.stop();
  if (redraw) {
    // The last checks are on the screen before it goes.
    clearTimeout(redraw);
    draw();
  }
  screen?.stop();

  const metrics = monitor.allMetrics();
  if (ctx.json) io.json({ event: 'metrics', metrics });
  else {
    io.out();
    io.out(
      table(
        metrics,
        [
          { header: 'PROFILE', value: (m) => m.profile },
          { header: 'CHECKS', value: (m) => m.totalChecks },
          { header: 'ERRORS', value: (m) => m.connectionErrors },
          { header: 'SLOW', value: (m) => m.slowChecks },
          // Checks that never answered have no response time: no average of nothing is printed.
          { header: 'AVG', value: (m) => (m.totalChecks > m.connectionErrors ? formatMs(m.avgResponseTimeMs) : '-'), align: 'right' },
          { header: 'P95', value: (m) => (m.totalChecks > m.connectionErrors ? formatMs(m.p95ResponseTimeMs) : '-'), align: 'right' },
          { header: 'SCORE', value: (m) => m.healthScore },
        ],
        io.colors,
      ),
    );
  }
  disposeInterrupt();
  return metrics.some((m) => m.lastStatus === 'unhealthy') ? 1 : 0;
}

type Monitor = InstanceType<typeof import('../../health/monitor.js').HealthMonitor>;

/** One screen of `health --watch` on a terminal: every watched profile's latest check, in a fixed order. */
function watchFrame(io: Io, monitor: Monitor, latest: Map<string, HealthReport>, changes: string[], interval: number): string[] {
  const c = io.colors;
  const rows = monitor.profiles.map((name) => ({ name, r: latest.get(name), m: monitor.metrics(name) }));
  const lines = [
    c.bold('sitq health') +
      c.dim(`  ${monitor.profiles.length} profile(s), every ${formatMs(interval)}, at ${formatClock(Date.now())}; Ctrl-C to stop`),
    '',
    ...table(
      rows,
      [
        { header: 'PROFILE', value: (x) => x.name },
        { header: 'TYPE', value: (x) => x.r?.kind },
        {
          header: 'STATUS',
          value: (x) => x.r?.status ?? 'checking',
          color: (t, x) => (x.r ? t.replace(x.r.status, statusColor(io, x.r.status)) : c.dim(t)),
        },
        {
          header: 'RESPONSE',
          value: (x) => (x.r && x.r.status !== 'unhealthy' ? formatMs(x.r.responseTimeMs) : undefined),
          align: 'right',
        },
        { header: 'SCORE', value: (x) => (x.r ? x.m?.healthScore : undefined), align: 'right' },
        { header: 'CHECKS', value: (x) => x.m?.totalChecks ?? 0, align: 'right' },
        { header: 'ERRORS', value: (x) => x.m?.connectionErrors ?? 0, align: 'right' },
        { header: 'WORKERS', value: (x) => (x.r && x.r.status !== 'unhealthy' ? x.r.liveWorkers : undefined), align: 'right' },
        { header: 'DEAD', value: (x) => (x.r && x.r.status !== 'unhealthy' ? x.r.deadTasks : undefined), align: 'right' },
        { header: 'LAG', value: (x) => (x.r && x.r.status !== 'unhealthy' ? formatMs(x.r.oldestPendingAgeMs) : undefined), align: 'right' },
        { header: 'CHECKED', value: (x) => (x.r ? formatClock(x.r.checkedAt) : undefined) },
      ],
      c,
    ).split('\n'),
  ];
  const errors = rows.filter((x) => x.r?.error);
  if (errors.length) lines.push('', ...errors.map((x) => `${x.name}: ${c.red(x.r!.error!)}`));
  if (changes.length) lines.push('', c.dim('changes'), ...changes.slice(0, 5));
  return lines;
}
