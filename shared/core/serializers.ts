// Payloads and results travel as bytes. Each task record names the serializer that wrote it, so a
// worker decodes with the right one whatever its own default is.
import { deserialize as v8Deserialize, serialize as v8Serialize } from 'node:v8';
import { SerializationError } from './errors.js';

export interface Serializer {
  /** Stored on every task; must be stable across versions. */
  readonly name: string;
  serialize(value: unknown): Uint8Array;
  deserialize(bytes: Uint8Array): unknown;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** JSON (the default). Rejects what JSON would silently change: undefined at the top, functions,
 *  symbols, BigInt, NaN/Infinity and cycles. */
export const jsonSerializer: Serializer = {
  name: 'json',
  serialize(value) {
    let problem: string | undefined;
    let text: string;
    try {
      problem = typeof value === 'object' && value !== null ? findProblemInObject(value) : findJsonProblem(value, [], []);
      text = problem ? '' : value === undefined ? 'null' : JSON.stringify(value);
    } catch (err) {
      // What the walk cannot see: a toJSON that returns a BigInt, a getter that throws, nesting
      // deeper than the stack (RangeError). The caller gets a SerializationError either way.
      throw new SerializationError(`the JSON serializer cannot encode this value: ${(err as Error)?.message ?? String(err)}`, {
        cause: err,
      });
    }
    if (problem)
      throw new SerializationError(
        `the JSON serializer cannot encode ${problem}; use the "v8" serializer for Dates, Maps, Sets, BigInt and typed arrays`,
      );
    return Buffer.from(text, 'utf8');
  },
  deserialize(bytes) {
    try {
      return JSON.parse(utf8.decode(bytes));
    } catch (err) {
      throw new SerializationError(`stored bytes are not valid JSON (${(err as Error).message})`, { cause: err });
    }
  },
};

/** Names the first value JSON would change, with its path. The walk keeps the path as a stack of
 *  keys and writes it out only when something is wrong: the worker runs this on every result, and
 *  building a path string per value cost more than the check itself. `objects` holds the objects
 *  being walked, for cycles. */
function findJsonProblem(value: unknown, keys: (string | number)[], objects: object[]): string | undefined {
  switch (typeof value) {
    case 'function':
      return `a function at ${jsonPath(keys)}`;
    case 'symbol':
      return `a symbol at ${jsonPath(keys)}`;
    case 'bigint':
      return `a BigInt at ${jsonPath(keys)}`;
    case 'number':
      return Number.isFinite(value) ? undefined : `${value} at ${jsonPath(keys)}`;
    case 'object': {
      if (value === null) return undefined;
      if (objects.includes(value)) return `a circular reference at ${jsonPath(keys)}`;
      if (value instanceof Map || value instanceof Set) return `a ${value.constructor.name} at ${jsonPath(keys)}`;
      if (ArrayBuffer.isView(value)) return `a typed array at ${jsonPath(keys)}`;
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return undefined;
      objects.push(value);
      let problem: string | undefined;
      if (Array.isArray(value)) {
        for (let i = 0; !problem && i < value.length; i++) {
          keys.push(i);
          problem = findJsonProblem(value[i], keys, objects);
          keys.pop();
        }
      } else {
        for (const k in value) {
          const v = (value as Record<string, unknown>)[k];
          // Own properties only; JSON drops undefined ones, as users expect.
          if (v === undefined || !Object.prototype.hasOwnProperty.call(value, k)) continue;
          keys.push(k);
          problem = findJsonProblem(v, keys, objects);
          keys.pop();
          if (problem) break;
        }
      }
      objects.pop();
      return problem;
    }
    default:
      return undefined;
  }
}

/** The walk's two stacks, kept between calls: two fresh arrays per result, and their backing
 *  stores on the first push, were about 300 of the 8,000 bytes a worker allocated per task. A walk
 *  ends with both empty again (every push has its pop); only a throw (a getter) leaves entries,
 *  which are dropped then. A walk that starts while one is under way (a getter that serializes)
 *  gets arrays of its own. */
const keyStack: (string | number)[] = [];
const objectStack: object[] = [];
let walking = false;

function findProblemInObject(value: object): string | undefined {
  if (walking) return findJsonProblem(value, [], []);
  walking = true;
  try {
    return findJsonProblem(value, keyStack, objectStack);
  } finally {
    walking = false;
    // Not `length = 0` on every call: that drops the backing store, which the next push allocates again.
    if (keyStack.length > 0) keyStack.length = 0;
    if (objectStack.length > 0) objectStack.length = 0;
  }
}

function jsonPath(keys: readonly (string | number)[]): string {
  return `$${keys.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('')}`;
}

/** Node's structured clone format: Dates, Maps, Sets, BigInt, typed arrays and cycles survive. */
export const v8Serializer: Serializer = {
  name: 'v8',
  serialize(value) {
    try {
      return v8Serialize(value);
    } catch (err) {
      throw new SerializationError(`the v8 serializer cannot encode this value: ${(err as Error).message}`, { cause: err });
    }
  },
  deserialize(bytes) {
    try {
      return v8Deserialize(bytes);
    } catch (err) {
      throw new SerializationError(`stored bytes are not a v8-serialized value (${(err as Error).message})`, { cause: err });
    }
  },
};

const builtIn = new Map<string, Serializer>([
  [jsonSerializer.name, jsonSerializer],
  [v8Serializer.name, v8Serializer],
]);

/** Registered serializers, one registry per thread shared by every copy of sitq in it: a task
 *  module registers with the sitq of its own node_modules, and the worker decoding its tasks may
 *  be another copy (the desktop app's or the extension's core, a second install). */
const REGISTERED = Symbol.for('sitq.registeredSerializers');
const registered: Map<string, Serializer> = ((globalThis as { [REGISTERED]?: Map<string, Serializer> })[REGISTERED] ??= new Map());

/** Adds a serializer that workers can decode by name. */
export function registerSerializer(serializer: Serializer): void {
  registered.set(serializer.name, serializer);
}

export function serializerNamed(name: string): Serializer {
  const found = registered.get(name) ?? builtIn.get(name);
  if (!found) {
    const known = new Set([...builtIn.keys(), ...registered.keys()]);
    throw new SerializationError(`no serializer named "${name}" is registered (known: ${[...known].join(', ')})`);
  }
  return found;
}
