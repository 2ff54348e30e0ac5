// Fuzzing TaskQueue.enqueue / enqueueMany on every backend: out-of-range priorities, bad queue
// names, NaN/Infinity delays, huge idempotency keys, unserializable payloads, options of the
// wrong type. Each call stores its task(s) or fails with ConfigurationError/SerializationError —
// and a failed call stores nothing (the task count does not move).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { createBackend, type BackendConfig } from '../../shared/backends/index.js';
import type { Backend } from '../../shared/core/backend.js';
import { MAX_PRIORITY, QUEUE_NAME } from '../../shared/core/enqueue-options.js';
import { ConfigurationError, SerializationError } from '../../shared/core/errors.js';
import { TaskQueue } from '../../shared/core/queue.js';
import { serverSkip, SERVERS } from '../helpers/servers.js';
import { checkProperty, expectTypedOutcome, weirdNumber, weirdString, weirdValue } from './arbitraries.js';

const DIR = mkdtempSync(join(tmpdir(), 'sitq-fuzz-enqueue-'));
after(() => rmSync(DIR, { recursive: true, force: true }));
const tag = () => randomBytes(5).toString('hex');

const RUNS = Number(process.env.SITQ_FUZZ_RUNS ?? 300);

const TARGETS: { kind: string; server?: keyof typeof SERVERS; config: () => BackendConfig; runs: number }[] = [
  { kind: 'sqlite', config: () => ({ type: 'sqlite', path: join(DIR, `${tag()}.db`) }), runs: RUNS },
  {
    kind: 'postgres',
    server: 'postgres',
    config: () => ({
      type: 'postgres',
      host: SERVERS.postgres.host,
      port: SERVERS.postgres.port,
      user: 'postgres',
      database: 'test',
      schema: `sitq_fuzz_${tag()}`,
    }),
    runs: Math.ceil(RUNS / 3),
  },
  {
    kind: 'redis',
    server: 'redis',
    config: () => ({ type: 'redis', host: SERVERS.redis.host, port: SERVERS.redis.port, keyPrefix: `sitq-fuzz-${tag()}:` }),
    runs: Math.ceil(RUNS / 3),
  },
  {
    kind: 'nats',
    server: 'nats',
    config: () => ({ type: 'nats', servers: [`nats://${SERVERS.nats.host}:${SERVERS.nats.port}`], streamName: `SITQ_FUZZ_${tag()}` }),
    runs: Math.ceil(RUNS / 3),
  },
];

/** Values that fail the JSON serializer (and some the v8 one too). */
const unserializable = fc.constantFrom<() => unknown>(
  () => () => 1,
  () => ({ f: () => 1 }),
  () => Symbol('s'),
  () => ({ n: 10n }),
  () => [1, NaN],
  () => ({ inf: Infinity }),
  () => {
    const o: Record<string, unknown> = {};
    o.self = o;
    return o;
  },
  () => new Map([[1, 2]]),
  () => new Set([1]),
  () => new Uint8Array(3),
  () => ({ deep: { er: [{ x: -Infinity }] } }),
);

const payload = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: unserializable.map((make) => make()) },
  { weight: 1, arbitrary: fc.constantFrom('p'.repeat(200_000), undefined, null, '', -0) },
);

const optionValue = (key: string): fc.Arbitrary<unknown> => {
  switch (key) {
    case 'priority':
      return fc.oneof(fc.integer({ min: -3, max: MAX_PRIORITY + 3 }), fc.constantFrom(NaN, Infinity, -Infinity, 4.5, '5', null));
    case 'queue':
      return fc.oneof(
        fc.stringMatching(/^[a-z_-]{1,10}$/),
        fc.constantFrom('', 'q'.repeat(65), 'has space', 'a.b', 'a:b', 'ü', '*', 'x\n', 7, null),
      );
    case 'delay':
    case 'timeout':
    case 'maxAttempts':
      return fc.oneof(fc.integer({ min: -5, max: 2_000 }), fc.constantFrom(NaN, Infinity, -Infinity, 1e20, 0.5, '100', null), weirdNumber);
    case 'runAt':
      return fc.oneof(
        fc.constantFrom(new Date(NaN), new Date(0), new Date(8.64e15), -1, NaN, Infinity, 1e300, '2030-01-01'),
        fc.date({ noInvalidDate: false }),
        fc.integer({ min: 0 }),
      );
    case 'idempotencyKey':
      return fc.oneof(
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.constantFrom('', 'k'.repeat(257), 'k'.repeat(100_000), 42, null, '\u0000', '💥'.repeat(100)),
      );
    case 'backoff':
      return fc.oneof(
        fc.constant(undefined),
        fc.record(
          {
            type: fc.constantFrom('fixed', 'exponential', 'linear', 1),
            baseMs: weirdNumber,
            maxMs: weirdNumber,
            jitter: fc.oneof(fc.double(), fc.constant(2)),
          },
          { requiredKeys: [] },
        ),
        weirdValue,
      );
    default:
      return weirdValue;
  }
};
const OPTION_KEYS = ['priority', 'queue', 'delay', 'timeout', 'maxAttempts', 'runAt', 'idempotencyKey', 'backoff', 'nonsense', 'Priority'];

const options = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .uniqueArray(fc.constantFrom(...OPTION_KEYS), { maxLength: 3 })
      .chain((keys) => fc.tuple(...keys.map((k) => optionValue(k).map((v) => [k, v] as const))).map((pairs) => Object.fromEntries(pairs))),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, null, 5, 'queue', [], true) },
);

const taskName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('sitq.echo', 'app/emails:send', 'a') },
  { weight: 1, arbitrary: fc.oneof(weirdString, fc.constantFrom<unknown>(undefined, null, 1, {})) },
);

async function totalTasks(backend: Backend): Promise<number> {
  const counts = await backend.counts();
  return counts.reduce((sum, q) => sum + Object.values(q.counts).reduce((a, b) => a + b, 0), 0);
}

for (const target of TARGETS) {
  const skip = target.server ? await serverSkip(target.server) : false;
  describe(`fuzz: enqueue on ${target.kind}`, { skip }, () => {
    for (const serializer of ['json', 'v8'] as const) {
      it(`${serializer}: stores the task(s) or fails with a typed error, writing nothing`, async () => {
        const backend = createBackend(target.config());
        await backend.connect();
        const queue = new TaskQueue(backend, { serializer });
        try {
          await checkProperty(
            fc.asyncProperty(
              taskName,
              fc.array(payload, { minLength: 1, maxLength: 3 }),
              options,
              fc.boolean(),
              async (name, payloads, opts, many) => {
                const before = await totalTasks(backend);
                const input = { name, payloads, opts, many };
                const out = await expectTypedOutcome(
                  input,
                  async (): Promise<string[]> =>
                    many
                      ? queue.enqueueMany(name as string, payloads, opts as never)
                      : [await queue.enqueue(name as string, payloads[0], opts as never)],
                  [ConfigurationError, SerializationError],
                );
                const stored = await totalTasks(backend);
                if (!out.ok) {
                  assert.equal(stored, before, `a rejected enqueue stored something: ${out.error.message}`);
                  assert.ok(out.error.message.length > 0);
                  return;
                }
                const ids = out.value;
                const o = (opts ?? {}) as Record<string, unknown>;
                // A stored task's fields are within their ranges, whatever was asked.
                for (const id of ids) {
                  const rec = await backend.getTask(id);
                  assert.ok(rec, `enqueue returned ${id} but no such task is stored`);
                  assert.ok(
                    Number.isInteger(rec.priority) && rec.priority >= 0 && rec.priority <= MAX_PRIORITY,
                    `stored priority ${rec.priority}`,
                  );
                  assert.ok(QUEUE_NAME.test(rec.queue), `stored queue ${rec.queue}`);
                  assert.ok(Number.isFinite(rec.runAt), `stored runAt ${rec.runAt}`);
                  assert.ok(Number.isInteger(rec.maxAttempts) && rec.maxAttempts >= 1, `stored maxAttempts ${rec.maxAttempts}`);
                  if (o.idempotencyKey !== undefined) assert.ok(typeof o.idempotencyKey === 'string' && o.idempotencyKey.length <= 256);
                }
                assert.ok(stored - before <= ids.length, 'more tasks stored than ids returned');
              },
            ),
            { numRuns: target.runs },
          );
        } finally {
          await backend.destroy().catch(() => {});
          await backend.close();
        }
      });
    }
  });
}
