import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SerializationError } from '../../shared/core/errors.js';
import { jsonSerializer, serializerNamed, v8Serializer, type Serializer } from '../../shared/core/serializers.js';

describe('serializers', () => {
  it("a serializer registered by another copy of sitq (a task module's own) is found by this one", async () => {
    // A query string makes Node load the module again, with a registry of its own if it kept one.
    const other = (await import(
      new URL('../../shared/core/serializers.js?task-module-copy', import.meta.url).href
    )) as typeof import('../../shared/core/serializers.js');
    assert.notEqual(other.serializerNamed, serializerNamed);
    const reversed: Serializer = {
      name: 'sitq-test-other-copy',
      serialize: (value) => new TextEncoder().encode(String(value).split('').reverse().join('')),
      deserialize: (bytes) => new TextDecoder().decode(bytes).split('').reverse().join(''),
    };
    assert.throws(() => serializerNamed(reversed.name), /no serializer named "sitq-test-other-copy"/);
    other.registerSerializer(reversed);
    assert.equal(serializerNamed(reversed.name), reversed);
    assert.equal(other.serializerNamed('json'), other.jsonSerializer, 'each copy keeps its own built-ins');
  });

  it('json round-trips plain data and drops undefined properties', () => {
    const value = { a: 1, b: 'x', c: [true, null, { d: 2.5 }], e: undefined };
    assert.deepEqual(jsonSerializer.deserialize(jsonSerializer.serialize(value)), { a: 1, b: 'x', c: [true, null, { d: 2.5 }] });
    assert.equal(jsonSerializer.deserialize(jsonSerializer.serialize(undefined)), null);
  });

  it('json refuses what it would silently change, naming where', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const cases: [unknown, RegExp][] = [
      [{ f: () => 1 }, /function at \$\.f/],
      [{ n: 1n }, /BigInt at \$\.n/],
      [[1, NaN], /NaN at \$\[1\]/],
      [{ m: new Map() }, /Map at \$\.m/],
      [new Uint8Array(2), /typed array/],
      [cyclic, /circular reference at \$\.self/],
      [{ a: [{ ok: 1 }, { b: Symbol('s') }] }, /symbol at \$\.a\[1\]\.b/],
    ];
    for (const [value, message] of cases) {
      assert.throws(
        () => jsonSerializer.serialize(value),
        (e: unknown) => e instanceof SerializationError && message.test(e.message),
      );
    }
  });

  it('json turns what only JSON.stringify finds (a toJSON BigInt, a throwing getter, deep nesting) into SerializationError', () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 20_000; i++) deep = deep.a = {};
    const cases: unknown[] = [
      { when: { toJSON: () => 10n } },
      {
        get broken() {
          throw new Error('getter failed');
        },
      },
      root,
    ];
    for (const value of cases) {
      assert.throws(
        () => jsonSerializer.serialize(value),
        (e: unknown) => e instanceof SerializationError && /JSON serializer cannot encode/.test(e.message),
      );
      // The walk's stacks are shared between calls: one left half-way by a throw must not show in
      // the next call's path.
      assert.throws(() => jsonSerializer.serialize({ x: { y: () => 1 } }), /a function at \$\.x\.y;/);
    }
  });

  it('json accepts the same object twice when it is not a cycle', () => {
    const shared = { x: 1 };
    assert.deepEqual(jsonSerializer.deserialize(jsonSerializer.serialize({ a: shared, b: [shared] })), { a: { x: 1 }, b: [{ x: 1 }] });
  });

  it('json accepts objects with toJSON (Dates become strings)', () => {
    assert.equal(jsonSerializer.deserialize(jsonSerializer.serialize(new Date(0))), '1970-01-01T00:00:00.000Z');
  });

  it('v8 round-trips Dates, Maps, Sets, BigInt, typed arrays and cycles', () => {
    const value: Record<string, unknown> = {
      d: new Date(5),
      m: new Map([[1, 'a']]),
      s: new Set(['x']),
      b: 2n ** 80n,
      t: new Float64Array([1.5]),
    };
    value.self = value;
    const back = v8Serializer.deserialize(v8Serializer.serialize(value)) as Record<string, unknown>;
    assert.deepEqual(back.d, new Date(5));
    assert.deepEqual(back.m, new Map([[1, 'a']]));
    assert.equal(back.b, 2n ** 80n);
    assert.equal(back.self, back);
    assert.throws(() => v8Serializer.serialize({ f: () => 1 }), SerializationError);
  });

  it('corrupted bytes give a SerializationError, and unknown names are refused', () => {
    assert.throws(() => jsonSerializer.deserialize(new Uint8Array([0xff, 0xfe])), SerializationError);
    assert.throws(() => v8Serializer.deserialize(new Uint8Array([1, 2, 3])), SerializationError);
    assert.throws(() => serializerNamed('pickle'), /no serializer named "pickle".*json, v8/);
  });
});
