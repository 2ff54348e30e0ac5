// The SQLite backend on its other driver, Node's built-in node:sqlite (shared/backends/sqlite/
// driver.ts): the whole conformance suite again, as the VS Code extension's core runs it inside
// the editor's own runtime. This project's Node 20 has no node:sqlite, so the file runs itself
// again under the Node 24 that scripts/install-code-server.sh brings (CI installs it; elsewhere
// the test is skipped with a message until it is installed).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { describeDriver } from '../../shared/backends/sqlite/driver.js';
import { exerciseBackend } from '../conformance/index.js';
import { sqliteEventTransport } from './sqlite-helpers.js';
import { IN_CI } from '../helpers/servers.js';
import { codeServerDir } from '../vscode/code-server.js';

const FORCED = process.env.SITQ_SQLITE_DRIVER === 'node:sqlite';
/** True when this runtime has node:sqlite with what the backend needs. */
function runtimeHasNodeSqlite(): boolean {
  try {
    return describeDriver().name === 'node:sqlite' || FORCED;
  } catch {
    return false;
  }
}

if (runtimeHasNodeSqlite()) {
  process.env.SITQ_SQLITE_DRIVER = 'node:sqlite';
  const DIR = mkdtempSync(join(tmpdir(), 'sitq-node-sqlite-'));
  after(() => rmSync(DIR, { recursive: true, force: true }));
  let n = 0;
  test('the backend runs on node:sqlite here', (t) => {
    const driver = describeDriver();
    assert.equal(driver.name, 'node:sqlite');
    t.diagnostic(`node:sqlite on Node ${process.version}, SQLite ${driver.sqliteVersion}`);
  });
  await exerciseBackend({
    kind: 'sqlite',
    freshConfig: () => ({ type: 'sqlite', path: join(DIR, `t-${process.pid}-${n++}.db`) }),
    unreachableConfig: () => ({ type: 'sqlite', path: join(DIR, 'no-such-folder', 'x.db'), connectTimeout: 1000 }),
    eventTransport: sqliteEventTransport,
  });
} else {
  const node = join(codeServerDir(), 'node_modules', 'node', 'bin', 'node');
  const missing = existsSync(node)
    ? false
    : `no Node with node:sqlite here (Node ${process.version}); scripts/install-code-server.sh installs Node 24 at ${node}`;
  if (missing && IN_CI) throw new Error(missing);
  test(
    'the conformance suite on node:sqlite, under the Node 24 of the code-server install',
    { skip: missing, timeout: 20 * 60_000 },
    async (t) => {
      const self = fileURLToPath(import.meta.url);
      // Without NODE_TEST_CONTEXT, which would make the child report in the runner's binary format.
      const { NODE_TEST_CONTEXT: _context, ...env } = process.env;
      const child = spawn(node, ['--test', '--test-reporter=spec', self], {
        env: { ...env, SITQ_SQLITE_DRIVER: 'node:sqlite' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      const count = (name: string) => Number(new RegExp(`ℹ ${name} (\\d+)`).exec(out)?.[1] ?? NaN);
      t.diagnostic(`Node 24 run: ${count('pass')} passed, ${count('fail')} failed, ${count('skipped')} skipped`);
      assert.equal(code, 0, `the node:sqlite run failed:\n${out.slice(-20_000)}`);
      assert.ok(count('pass') > 20, `the conformance suite ran (${count('pass')} tests passed):\n${out.slice(-5000)}`);
      assert.equal(count('fail'), 0);
    },
  );
}
