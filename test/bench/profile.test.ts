// bench/profile.ts as a user runs it: its "core" run (the Worker against a stand-in backend that
// answers at once) drains every task and prints its row. The stand-in once lacked the state calls
// the worker makes at start, and the run waited forever.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';

test('profile.js --runs core drains every task and prints its row', { timeout: 180_000 }, async () => {
  const child = spawn(process.execPath, ['dist/bench/profile.js', '--profiles', 'sqlite', '--runs', 'core', '--tasks', '2000'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  // A generous ceiling for a loaded machine (the run takes well under a second when idle); on
  // expiry the process is killed so the test fails with its output instead of hanging.
  const killer = setTimeout(() => child.kill('SIGKILL'), 150_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(killer);
  assert.equal(code, 0, out);
  const row = out.split('\n').find((l) => l.startsWith('| sqlite | core |'));
  assert.ok(row, out);
  // 2,000 tasks at concurrency 10: 200 claims of 10, and every task completed.
  const cells = row.split('|').map((c) => c.trim());
  assert.match(cells[6], /^200 × 10\.0 items/, row);
  const [acks, perAck] = /^(\d+) × ([\d.]+) items/.exec(cells[7])!.slice(1).map(Number);
  assert.equal(Math.round(acks * perAck), 2000, row);
});
