// `sitq bench`, `sitq sweep` and `sitq demo` as processes: small workloads, saved results, skipped
// servers, and the demo on SQLite alone and on every server that answers.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createBackend, type BackendConfig } from '../../shared/backends/index.js';
import { serverSkip } from '../helpers/servers.js';
import { serverConfigs } from '../health/configs.js';
import { json, sitq, tempProject } from './run.js';

const servers = { postgres: await serverSkip('postgres'), redis: await serverSkip('redis'), nats: await serverSkip('nats') };
const SMALL = ['-n', '200', '--warmup', '20', '--idle-samples', '20'];

const closedPorts = {
  local: { type: 'sqlite', path: 'queue.db' },
  pg: { type: 'postgres', host: '127.0.0.1', port: 1, user: 'postgres', connectTimeout: 500 },
  cache: { type: 'redis', host: '127.0.0.1', port: 1, connectTimeout: 500 },
  bus: { type: 'nats', servers: ['nats://127.0.0.1:1'], connectTimeout: 500 },
};

describe('sitq bench and sweep (SQLite)', () => {
  const p = tempProject({ defaultProfile: 'local', profiles: closedPorts });
  after(p.remove);
  const cwd = p.dir;

  it('bench: a table of figures against the raw floor; --out saves JSON, Markdown and CSV; --compare shows changes', async () => {
    const r = await sitq(['bench', ...SMALL, '--out', 'results'], { cwd });
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /^PROFILE\s+BACKEND\s+PROCESS\/S\s+FLOOR\/S\s+RATIO/m);
    assert.match(r.stdout, /^local\s+sqlite\s+[\d,]+\s+[\d,]+\s+[\d.]+x/m);
    // Targets are information with the machine's load beside them, never "missed" warnings.
    assert.match(r.stdout, /^targets \(for an idle machine; load here \d+\.\d on \d+ CPUs?/m);
    assert.match(r.stdout, /^ {2}local: \d of \d within · processing rate vs raw floor /m);
    assert.doesNotMatch(r.all, /missed/);
    const files = readdirSync(join(cwd, 'results'));
    const jsonFile = files.find((f) => f.endsWith('.json'))!;
    assert.ok(jsonFile, files.join());
    assert.ok(files.includes(jsonFile.replace('.json', '.md')) && files.includes(jsonFile.replace('.json', '.csv')));
    const saved = JSON.parse(readFileSync(join(cwd, 'results', jsonFile), 'utf8')) as {
      kind: string;
      command: string;
      results: { profile: string; successRate: number }[];
    };
    assert.equal(saved.kind, 'report');
    assert.equal(saved.results[0].profile, 'local');
    assert.equal(saved.results[0].successRate, 1);
    assert.match(saved.command, /^sitq bench -n 200/);

    const cmp = await sitq(['bench', ...SMALL, '--no-floor', '--compare', join('results', jsonFile)], { cwd });
    assert.equal(cmp.code, 0, cmp.all);
    assert.match(cmp.stdout, /compared with the run of/);
    // A verdict first, then human labels with units; the workloads differ (no raw floor now).
    assert.match(cmp.stdout, /(No change beyond the runs' own spread|moved within the runs' own spread)/);
    assert.match(cmp.stdout, /^the runs differ: floor: true → false$/m);
    assert.match(cmp.stdout, /^local\s+processing \(\/s\)\s/m);
  });

  it('bench --all benchmarks what answers and lists the rest as skipped, with the reason', async () => {
    const r = await sitq(['bench', '--all', ...SMALL, '--no-floor', '--json'], { cwd });
    assert.equal(r.code, 0, r.all);
    const out = json<{ report: { results: { profile: string }[]; skipped: { profile: string; reason: string }[] } }>(r);
    assert.deepEqual(
      out.report.results.map((x) => x.profile),
      ['local'],
    );
    assert.deepEqual(out.report.skipped.map((s) => s.profile).sort(), ['bus', 'cache', 'pg']);
    assert.ok(out.report.skipped.every((s) => /not reachable/.test(s.reason)));
  });

  it('bench on a profile that does not answer: exit 1, saying why', async () => {
    const r = await sitq(['bench', '--profile', 'cache', ...SMALL], { cwd });
    assert.equal(r.code, 1, r.all);
    assert.match(r.all, /cache: not reachable/);
    assert.match(r.stderr, /none of them answered/);
  });

  it('sweep: enqueue rate and latency per pool size × concurrency', async () => {
    const r = await sitq(['sweep', '--tasks-per-cell', '20', '--concurrency', '1,4'], { cwd });
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /pool sweep: local \(sqlite\)/);
    assert.match(r.stdout, /^POOL\s+CONCURRENCY\s+TASKS\s+ENQUEUE\/S\s+P50\s+P95\s+P99/m);
    assert.match(r.stdout, /^\s*1\s+1\s+20\s/m);
    assert.match(r.stdout, /^\s*1\s+4\s+20\s/m);
  });

  it('sweep with a bad list is a usage error', async () => {
    const r = await sitq(['sweep', '--concurrency', '1,zero'], { cwd });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--concurrency/);
  });
});

describe('sitq demo', () => {
  it('with only SQLite reachable: every step runs, and the skipped servers are named', async () => {
    const p = tempProject({ defaultProfile: 'local', profiles: closedPorts });
    try {
      const r = await sitq(['demo', '-n', '100', '--rounds', '2', '--interval', '50ms', '--tasks-per-cell', '20'], {
        cwd: p.dir,
        timeoutMs: 180_000,
      });
      assert.equal(r.code, 0, r.all);
      for (const heading of [
        '1. BACKEND PERFORMANCE BENCHMARK',
        '2. HIGH AVAILABILITY SETTINGS',
        '3. CONNECTION POOLING OPTIMIZATION',
        '4. BACKEND MONITORING',
        '5. SUMMARY',
      ]) {
        assert.ok(r.stdout.includes(heading), `missing ${heading}`);
      }
      assert.match(r.stdout, /health check round 2:/);
      assert.match(r.stdout, /^\s+pg:\s+not reachable/m);
      assert.match(r.stdout, /^\s+cache:\s+not reachable/m);
      assert.match(r.stdout, /^\s+bus:\s+not reachable/m);
      assert.match(r.stdout, /all steps done/);
      assert.match(r.stdout, /^targets \(for an idle machine; load here /m);
      assert.doesNotMatch(r.all, /targets missed/);
      assert.equal(existsSync(join(p.dir, 'queue.db')), true, 'monitoring used the real local profile');
    } finally {
      p.remove();
    }
  });

  it('with no config: uses a temp SQLite file plus the local server presets', async () => {
    const p = tempProject();
    try {
      const r = await sitq(['demo', '-n', '50', '--rounds', '1', '--tasks-per-cell', '10', '--json'], { cwd: p.dir, timeoutMs: 180_000 });
      assert.equal(r.code, 0, r.all);
      const out = json<{ reachable: { profile: string; type: string }[]; skipped: { profile: string }[] }>(r);
      const seen = [...out.reachable.map((x) => x.profile), ...out.skipped.map((x) => x.profile)].sort();
      assert.deepEqual(seen, ['local', 'nats', 'postgres', 'redis']);
      assert.deepEqual(readdirSync(p.dir), [], 'nothing left in the working folder');
    } finally {
      p.remove();
    }
  });

  it('with every server that answers: all of them are benchmarked and monitored', async () => {
    const configs: Record<string, BackendConfig> = { local: { type: 'sqlite', path: 'queue.db' } };
    for (const kind of ['postgres', 'redis', 'nats'] as const) if (!servers[kind]) configs[kind] = serverConfigs.fresh(kind);
    const p = tempProject({ defaultProfile: 'local', profiles: configs });
    try {
      const r = await sitq(['demo', '-n', '100', '--rounds', '2', '--interval', '50ms', '--tasks-per-cell', '10', '--json'], {
        cwd: p.dir,
        timeoutMs: 300_000,
      });
      assert.equal(r.code, 0, r.all);
      const out = json<{
        report: { results: { profile: string; successRate: number }[]; sweeps: { profile: string }[] };
        monitoring: { metrics: { profile: string; healthScore: number; connectionErrors: number }[] };
      }>(r);
      assert.deepEqual(out.report.results.map((x) => x.profile).sort(), Object.keys(configs).sort());
      assert.ok(out.report.results.every((x) => x.successRate === 1));
      assert.equal(out.report.sweeps.length, 1);
      // no check failed (a slow ping on a busy machine may cost a few points, never an error)
      assert.ok(
        out.monitoring.metrics.every((m) => m.connectionErrors === 0 && m.healthScore >= 80),
        JSON.stringify(out.monitoring.metrics),
      );
    } finally {
      for (const [name, config] of Object.entries(configs)) {
        if (name === 'local') continue;
        const b = createBackend(config);
        await b.connect().catch(() => {});
        await b.destroy().catch(() => {});
        await b.close();
      }
      p.remove();
    }
  });
});
