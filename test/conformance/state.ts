// The coordination-state store (Backend.getState/setState/deleteState/listState): the versioned
// key/value records that schedules, pause, limits and history are built on. Compare-and-set must
// hold under concurrent writers through separate connections, as the scheduler relies on it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBackend } from '../../shared/backends/index.js';
import { ConfigurationError } from '../../shared/core/errors.js';
import { STATE_VALUE_MAX_BYTES } from '../../shared/core/rules.js';
import { withBackend, type ConformanceTarget } from './harness.js';

export function stateSuite(target: ConformanceTarget, options: { todo?: string } = {}): void {
  const todo = options.todo;
  describe('coordination state', () => {
    it('set creates at version 1, get reads it, each write adds 1, a stale version changes nothing', { todo }, () =>
      withBackend(target, async (b) => {
        assert.equal(await b.getState('schedules/nightly'), null);
        assert.deepEqual(await b.setState('schedules/nightly', '{"a":1}', 0), { key: 'schedules/nightly', value: '{"a":1}', version: 1 });
        assert.deepEqual(await b.getState('schedules/nightly'), { key: 'schedules/nightly', value: '{"a":1}', version: 1 });
        // Creating again (expected 0) and writing with a stale version both lose.
        assert.equal(await b.setState('schedules/nightly', 'x', 0), null);
        assert.equal(await b.setState('schedules/nightly', 'x', 5), null);
        assert.deepEqual(await b.setState('schedules/nightly', 'ünïcødé ✓', 1), {
          key: 'schedules/nightly',
          value: 'ünïcødé ✓',
          version: 2,
        });
        assert.equal((await b.getState('schedules/nightly'))?.value, 'ünïcødé ✓');
        // A key that does not exist cannot be updated.
        assert.equal(await b.setState('schedules/other', 'x', 1), null);
        assert.equal(await b.getState('schedules/other'), null);
      }),
    );

    it('delete: any version, or only the expected one; a deleted key is created anew at version 1', { todo }, () =>
      withBackend(target, async (b) => {
        await b.setState('q/a', '1', 0);
        await b.setState('q/a', '2', 1);
        assert.equal(await b.deleteState('q/a', 1), false);
        assert.equal((await b.getState('q/a'))?.version, 2);
        assert.equal(await b.deleteState('q/a', 2), true);
        assert.equal(await b.getState('q/a'), null);
        assert.equal(await b.deleteState('q/a'), false);
        assert.deepEqual(await b.setState('q/a', '3', 0), { key: 'q/a', value: '3', version: 1 });
        assert.equal(await b.deleteState('q/a'), true);
      }),
    );

    it('list by prefix, sorted by key; a prefix is whole words ("a/" does not match "ab/")', { todo }, () =>
      withBackend(target, async (b) => {
        for (const key of ['a/z', 'a/b', 'a/b/c', 'ab/x', 'b', 'a=1/y']) assert.ok(await b.setState(key, key.toUpperCase(), 0));
        assert.deepEqual(
          (await b.listState('a/')).map((e) => [e.key, e.value, e.version]),
          [
            ['a/b', 'A/B', 1],
            ['a/b/c', 'A/B/C', 1],
            ['a/z', 'A/Z', 1],
          ],
        );
        assert.deepEqual(
          (await b.listState('')).map((e) => e.key),
          ['a/b', 'a/b/c', 'a/z', 'a=1/y', 'ab/x', 'b'],
        );
        assert.deepEqual(await b.listState('none/'), []);
      }),
    );

    it('bad keys, prefixes, values and versions are refused with a ConfigurationError naming the option', { todo }, () =>
      withBackend(target, async (b) => {
        const refuses = (p: Promise<unknown>, option: string) =>
          assert.rejects(p, (e: unknown) => e instanceof ConfigurationError && e.issues.some((i) => i.option === option));
        await refuses(b.getState(''), 'state.key');
        await refuses(b.getState('a.b'), 'state.key');
        await refuses(b.getState('a//b'), 'state.key');
        await refuses(b.setState('k'.repeat(256), 'v', 0), 'state.key');
        await refuses(b.setState('ok', 'x'.repeat(STATE_VALUE_MAX_BYTES + 1), 0), 'state.value');
        await refuses(b.setState('ok', 'v', -1), 'state.version');
        await refuses(b.setState('ok', 'v', 1.5), 'state.version');
        await refuses(b.listState('a'), 'state.prefix');
        // The biggest value is stored whole.
        const big = 'é'.repeat(STATE_VALUE_MAX_BYTES / 2);
        assert.ok(await b.setState('ok', big, 0));
        assert.equal((await b.getState('ok'))?.value, big);
      }),
    );

    it('a value is kept whole, whatever its characters (U+0000, astral, newlines, quotes, an empty string)', { todo }, () =>
      withBackend(target, async (b) => {
        const values = [
          '',
          'a\u0000b',
          '😀 𝄞 ✓',
          'line 1\nline 2\r\n\t"quoted" \\ \'single\'',
          JSON.stringify({ at: 1, nested: { list: [1, 'two', null] } }),
        ];
        for (const [i, value] of values.entries()) {
          assert.deepEqual(await b.setState(`v/${i}`, value, 0), { key: `v/${i}`, value, version: 1 });
          assert.deepEqual(await b.getState(`v/${i}`), { key: `v/${i}`, value, version: 1 });
        }
        assert.deepEqual(
          (await b.listState('v/')).map((e) => e.value),
          values,
        );
      }),
    );

    it('compare-and-set under concurrent writers on separate connections: every increment counted once', { todo }, () =>
      withBackend(target, async (b, config) => {
        const others = [createBackend(config), createBackend(config), createBackend(config)];
        await Promise.all(others.map((o) => o.connect()));
        try {
          const writers = [b, ...others];
          const PER_WRITER = 25;
          let lost = 0;
          await Promise.all(
            writers.map(async (w) => {
              for (let done = 0; done < PER_WRITER;) {
                const current = await w.getState('counter');
                const next = String(Number(current?.value ?? 0) + 1);
                if (await w.setState('counter', next, current?.version ?? 0)) done += 1;
                else lost += 1;
              }
            }),
          );
          const final = await b.getState('counter');
          assert.equal(final?.value, String(writers.length * PER_WRITER));
          // Each writer's losses are retried: every lost write was seen as lost, none as won twice.
          assert.equal(final?.version, writers.length * PER_WRITER, `${lost} writes lost the race and were retried`);
        } finally {
          await Promise.all(others.map((o) => o.close()));
        }
      }),
    );
  });
}
