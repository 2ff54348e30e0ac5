// The fault harness (`npm run faults`) run as a process on SQLite with small numbers, so the
// harness itself cannot rot: it must start its worker processes, inject the faults, drain, and
// write a JSON report whose rows say nothing was lost.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FaultReport } from '../../bench/faults/types.js';

const RUN = fileURLToPath(new URL('../../bench/faults/run.js', import.meta.url));

/** Runs the harness; resolves with its exit code and the report it wrote. */
function runFaults(args: string[]): Promise<{ code: number | null; report: FaultReport; output: string }> {
  const out = mkdtempSync(join(tmpdir(), 'sitq-faults-test-'));
  const child = spawn(process.execPath, [RUN, ...args, '--out', out, '--name', 'run', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 150_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(killer);
      try {
        resolve({ code, report: JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as FaultReport, output });
      } catch (err) {
        reject(new Error(`the harness wrote no report (exit ${code}): ${output.slice(-2000)}`, { cause: err }));
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });
  });
}

describe('npm run faults on SQLite', () => {
  // Concurrency 1 here; the poison run below uses the default concurrency, where a process-killing
  // task is claimed together with others.
  it('process kill and poison: every row present, nothing lost, exit 0', async () => {
    const { code, report, output } = await runFaults([
      '--backends',
      'sqlite',
      '--scenarios',
      'process-kill,poison',
      '--tasks',
      '400',
      '--concurrency',
      '1',
      '--task-ms',
      '10',
      '--lease',
      '2000',
    ]);
    assert.deepEqual(
      report.rows.map((r) => `${r.backend} ${r.scenario}`),
      ['sqlite process-kill', 'sqlite poison'],
    );
    for (const row of report.rows) {
      assert.equal(row.error, undefined, `${row.scenario}: ${row.error}`);
      assert.equal(row.lost, 0, `${row.scenario} lost ${row.lost}: ${row.notes.join('; ')}`);
      assert.ok(row.tasks >= 400, `${row.scenario} ran ${row.tasks} tasks`);
      for (const c of row.checks) assert.ok(c.ok, `${row.scenario}: ${c.name}: ${c.detail}`);
      assert.equal(row.pass, true);
    }
    // The kill happened with a task in flight, and that task ran again.
    assert.ok(report.rows[0].checks.some((c) => c.name.startsWith('a task was in flight')));
    assert.equal(code, 0, output.slice(-2000));
    assert.equal(report.target, 'main');
    assert.equal(report.settings.tasks, 400);
  });

  it('poison at concurrency 8: the tasks claimed with a process-killing task are not lost', async () => {
    const { code, report, output } = await runFaults([
      '--backends',
      'sqlite',
      '--scenarios',
      'poison',
      '--tasks',
      '400',
      '--task-ms',
      '10',
      '--lease',
      '2000',
    ]);
    assert.deepEqual(
      report.rows.map((r) => `${r.backend} ${r.scenario}`),
      ['sqlite poison'],
    );
    const row = report.rows[0];
    assert.equal(row.error, undefined, row.error);
    assert.equal(code, row.pass ? 0 : 1, output.slice(-2000));
    assert.equal(row.pass, row.lost === 0 && row.checks.every((c) => c.ok));
    assert.equal(row.lost, 0, row.notes.join('; '));
    assert.equal(row.pass, true);
  });
});
