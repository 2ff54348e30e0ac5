// `npm test` where the servers are not running: the runner starts throwaway ones on the ports
// that do not answer and removes them at the end. Checked on unused ports (SITQ_TEST_<KIND>_PORT)
// so the main servers, which other tests use, are never stopped.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { missingBinary } from '../helpers/suite-servers.js';
import { portAnswers } from '../../shared/backends/servers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// Outside every range the other tests and the fault tool use.
const PORTS = { postgres: 5470, redis: 7110, nats: 4280 } as const;

const missing = (await Promise.all(Object.keys(PORTS).map((k) => missingBinary(k as keyof typeof PORTS)))).filter(Boolean);

describe('the test runner starts missing servers itself', () => {
  it(
    'starts a throwaway PostgreSQL, Redis and NATS on ports that do not answer, and removes them at the end',
    { skip: missing.length ? missing.join('; ') : false, timeout: 180_000 },
    async () => {
      for (const port of Object.values(PORTS)) assert.equal(await portAnswers('127.0.0.1', port), false, `port ${port} is already in use`);
      const env = {
        ...process.env,
        SITQ_TEST_POSTGRES_PORT: String(PORTS.postgres),
        SITQ_TEST_REDIS_PORT: String(PORTS.redis),
        SITQ_TEST_NATS_PORT: String(PORTS.nats),
      };
      const child = spawn(process.execPath, ['scripts/test.mjs', 'core/stats'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(code, 0, out);
      assert.match(out, new RegExp(`started a throwaway PostgreSQL on 127\\.0\\.0\\.1:${PORTS.postgres}`));
      assert.match(out, new RegExp(`started a throwaway Redis on 127\\.0\\.0\\.1:${PORTS.redis}`));
      assert.match(out, new RegExp(`started a throwaway NATS on 127\\.0\\.0\\.1:${PORTS.nats}`));
      assert.match(out, /sitq: \d+ passed, 0 failed/);
      for (const port of Object.values(PORTS))
        assert.equal(await portAnswers('127.0.0.1', port), false, `the server on ${port} was left running`);
    },
  );
});
