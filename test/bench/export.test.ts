import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  BENCHMARK_FIGURES,
  compareRuns,
  loadResult,
  saveResult,
  toCsv,
  toMarkdown,
  toReport,
  type BenchReport,
} from '../../shared/bench/index.js';
import { fakeResult, fakeSweep } from './fixtures.js';

/** RFC 4180 parsing, enough to check what toCsv writes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') ((cell += '"'), i++);
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') (row.push(cell), (cell = ''));
    else if (ch === '\n') (row.push(cell), rows.push(row), (row = []), (cell = ''));
    else cell += ch;
  }
  assert.equal(cell + row.join(''), '', 'CSV ends with a newline');
  return rows;
}

function markdownTables(md: string): string[][] {
  const tables: string[][] = [];
  let current: string[] | undefined;
  for (const line of md.split('\n')) {
    if (line.startsWith('|')) (current ??= []).push(line);
    else if (current) (tables.push(current), (current = undefined));
  }
  if (current) tables.push(current);
  return tables;
}

const report = (): BenchReport => {
  const r = toReport(fakeResult('redis-a', 16_000, 0.5));
  r.results.push(fakeResult('redis-b', 12_000, 2));
  r.sweeps.push(fakeSweep('pg', 1000));
  r.versions.servers = { 'redis-a': 'Redis 7.0.15' };
  return r;
};

test('toCsv: one header and one row per profile, every row as wide as the header, quoting right', () => {
  const rows = parseCsv(toCsv(report()));
  assert.equal(rows.length, 3);
  assert.deepEqual(rows[0].slice(0, 5), ['profile', 'backend', 'serverVersion', 'tasks', 'concurrency']);
  assert.equal(rows[0].length, 5 + BENCHMARK_FIGURES.length);
  for (const row of rows) assert.equal(row.length, rows[0].length);
  const col = (key: string) => rows[0].indexOf(key);
  assert.equal(rows[1][col('processing.perSec')], '16000');
  assert.equal(rows[2][col('idle.toStart.p50Ms')], '2');
  assert.equal(rows[1][col('floorRatio')], '0.8');
  assert.equal(rows[1][col('errors')], '2');
});

test('toCsv of sweeps: one row per cell', () => {
  const rows = parseCsv(toCsv(report(), { table: 'sweeps' }));
  assert.equal(rows.length, 1 + 4);
  assert.deepEqual(rows[0].slice(0, 5), ['profile', 'backend', 'option', 'poolSize', 'concurrency']);
  for (const row of rows) assert.equal(row.length, rows[0].length);
  assert.deepEqual(
    rows.slice(1).map((r) => `${r[3]}x${r[4]}`),
    ['1x5', '1x10', '5x5', '5x10'],
  );
});

test('toMarkdown: every table has a separator row and the same number of cells in each row', () => {
  const md = toMarkdown(report());
  const tables = markdownTables(md);
  assert.ok(tables.length >= 5, 'throughput, latency, targets, floors, errors, sweep');
  for (const t of tables) {
    const width = (line: string) => line.replace(/\\\|/g, '').split('|').length;
    assert.match(t[1], /^\| (--- \| )*---\s?\|$/);
    for (const line of t) assert.equal(width(line), width(t[0]), line);
  }
  assert.match(md, /\| redis-a \| Redis 7\.0\.15 \|/);
  assert.match(md, /processing rate vs raw floor \| >= 0\.8x \| 0\.8 \| met/);
  assert.match(md, /\| redis-b \| processing rate vs raw floor \| >= 0\.8x \| 0\.6 \| \*\*missed\*\*/);
  assert.match(md, /## Pool sweep: pg \(postgres\)/);
  assert.match(md, /load average/);
});

test('saveResult writes machine, versions, settings and date; loadResult reads it back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sitq-bench-test-'));
  try {
    const path = saveResult(fakeResult('redis-a', 16_000, 0.5), dir, { name: 'one', command: 'npm run bench' });
    assert.equal(path, join(dir, 'one.json'));
    const data = JSON.parse(readFileSync(path, 'utf8')) as BenchReport;
    assert.equal(data.kind, 'report');
    assert.equal(data.date, '2025-01-01T00:00:00.000Z');
    assert.equal(data.command, 'npm run bench');
    assert.ok(data.machine.cpus > 0 && data.machine.cpuModel && data.machine.hostname);
    assert.equal(data.versions.node, process.version);
    assert.match(data.versions.sitq, /^\d+\.\d+\.\d+/);
    assert.match(data.versions.clients.pg, /^\d+\.\d+\.\d+/);
    assert.equal(data.versions.servers['redis-a'], 'Redis 7.0.15');
    assert.equal(data.settings?.tasks, 10_000);
    assert.deepEqual(loadResult(path), data);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"hello":1}');
    assert.throws(() => loadResult(bad), { name: 'BenchResultFileError' });
    assert.throws(() => loadResult(join(dir, 'missing.json')), { name: 'BenchResultFileError' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('compareRuns: change in % per figure, direction-aware, unmatched profiles listed', () => {
  const earlier = toReport(fakeResult('redis-a', 10_000, 1));
  earlier.results.push(fakeResult('gone', 1, 1));
  earlier.sweeps.push(fakeSweep('pg', 1000));
  const current = toReport(fakeResult('redis-a', 15_000, 0.5));
  current.sweeps.push(fakeSweep('pg', 800));
  const c = compareRuns(current, earlier);
  const find = (figure: string) => c.changes.find((x) => x.profile === 'redis-a' && x.figure === figure);
  // One round each: a rate's own spread is ±10 %, so +50 % is beyond it.
  assert.deepEqual(find('processing.perSec'), {
    profile: 'redis-a',
    figure: 'processing.perSec',
    current: 15_000,
    earlier: 10_000,
    changePct: 50,
    better: true,
    group: 'Throughput',
    label: 'processing (/s)',
    unit: '/s',
    noise: false,
  });
  const idle = find('idle.toStart.p50Ms');
  assert.deepEqual(
    [idle?.changePct, idle?.better, idle?.group, idle?.label, idle?.unit],
    [-50, true, 'Latency on an idle worker', 'idle enqueue→start p50 (ms)', 'ms'],
  );
  assert.equal(find('connectMs')?.changePct, 0);
  assert.equal(find('connectMs')?.better, undefined);
  const cell = c.changes.find((x) => x.figure === 'sweep.pool5.c10.perSec');
  assert.equal(cell?.changePct, -20);
  assert.equal(cell?.better, false);
  assert.deepEqual(c.unmatched, ['gone']);
  assert.equal(c.verdict.tone, 'mixed');
  assert.match(c.verdict.text, /^better: processing \+50 %.*; worse: /);
  assert.deepEqual(c.workloadDifferences, []);

  const md = toMarkdown(c);
  assert.match(md, /\| redis-a \| processing\.perSec \| 10,000 \| 15,000 \| \+50\.0% \(better\) \|/);
  const csv = parseCsv(toCsv(c));
  assert.deepEqual(csv[0], ['profile', 'figure', 'earlier', 'current', 'changePct']);
  assert.equal(csv.length, c.changes.length + 1);
});

test("compareRuns: a change inside the runs' own spread is noise; differing workloads are named", () => {
  const earlier = fakeResult('pg', 10_000, 1);
  earlier.rounds = [9_000, 10_000, 11_000].map((processingPerSec) => ({ ...earlier.rounds[0], processingPerSec }));
  const current = fakeResult('pg', 10_500, 1);
  current.rounds = [10_000, 10_500, 12_000].map((processingPerSec) => ({ ...current.rounds[0], processingPerSec }));
  current.settings = { ...current.settings, tasks: 500, concurrency: 50 };
  const c = compareRuns(current, earlier);
  const processing = c.changes.find((x) => x.figure === 'processing.perSec');
  assert.deepEqual([processing?.changePct, processing?.noise], [5, true], 'the rounds 10,000–12,000 overlap 9,000–11,000');
  const faster = fakeResult('pg', 20_000, 1);
  faster.rounds = [19_000, 20_000, 21_000].map((processingPerSec) => ({ ...faster.rounds[0], processingPerSec }));
  assert.equal(compareRuns(faster, earlier).changes.find((x) => x.figure === 'processing.perSec')?.noise, false);
  assert.deepEqual(c.workloadDifferences, ['tasks: 10000 → 500', 'concurrency: 10 → 50']);
  const same = compareRuns(earlier, earlier);
  assert.equal(same.verdict.tone, 'same');
  assert.match(same.verdict.text, /^No change beyond the runs' own spread/);
});
