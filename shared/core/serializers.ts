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
    // Most values are fine: a walk that builds no path strings says so; only a bad value pays for
    // a second walk that names where the problem is.
    const problem = typeof value === 'object' && value !== null && !jsonSafe(value, []) ? findJsonProblem(value, '$', new Set()) : findJsonProblem(value, '$', undefined);
    if (problem) throw new SerializationError(`the JSON serializer cannot encode ${problem}; use the "v8" serializer for Dates, Maps, Sets, BigInt and typed arrays`);
    return Buffer.from(value === undefined ? 'null' : JSON.stringify(value), 'utf8');
  },
  deserialize(bytes) {
    try {
      return JSON.parse(utf8.decode(bytes));
    } catch (err) {
      throw new SerializationError(`stored bytes are not valid JSON (${(err as Error).message})`, { cause: err });
    }
  },
};

/** True when JSON.stringify would encode `value` faithfully (no allocation per element). `stack`
 *  holds the objects being walked, for cycles. */
function jsonSafe(value: unknown, stack: object[]): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (stack.includes(value) || value instanceof Map || value instanceof Set || ArrayBuffer.isView(value)) return false;
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return true;
      stack.push(value);
      let ok = true;
      if (Array.isArray(value)) {
        for (let i = 0; ok && i < value.length; i++) ok = jsonSafe(value[i], stack);
      } else {
        for (const k in value) {
          if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
          if (!jsonSafe((value as Record<string, unknown>)[k], stack)) {
            ok = false;
            break;
          }
        }
      }
      stack.pop();
      return ok;
    }
    default:
      return false;
  }
}

/** Names the first value JSON would change, with its path; `seen` is only needed for objects. */
function findJsonProblem(value: unknown, path: string, seen: Set<object> | undefined): string | undefined {
  switch (typeof value) {
    case 'function':
      return `a function at ${path}`;
    case 'symbol':
      return `a symbol at ${path}`;
    case 'bigint':
      return `a BigInt at ${path}`;
    case 'number':
      return Number.isFinite(value) ? undefined : `${value} at ${path}`;
    case 'object': {
      if (value === null || !seen) return undefined;
      if (seen.has(value)) return `a circular reference at ${path}`;
      if (value instanceof Map || value instanceof Set) return `a ${value.constructor.name} at ${path}`;
      if (ArrayBuffer.isView(value)) return `a typed array at ${path}`;
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return undefined;
      seen.add(value);
      try {
        if (Array.isArray(value)) {
          for (let i = 0; i < value.length; i++) {
            const p = findJsonProblem(value[i], `${path}[${i}]`, seen);
            if (p) return p;
          }
        } else {
          for (const [k, v] of Object.entries(value)) {
            if (v === undefined) continue; // JSON drops undefined properties, as users expect
            const p = findJsonProblem(v, `${path}.${k}`, seen);
            if (p) return p;
          }
        }
      } finally {
        seen.delete(value);
      }
      return undefined;
    }
    default:
      return undefined;
  }
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

const registry = new Map<string, Serializer>([
  [jsonSerializer.name, jsonSerializer],
  [v8Serializer.name, v8Serializer],
]);

/** Adds a serializer that workers can decode by name. */
export function registerSerializer(serializer: Serializer): void {
  registry.set(serializer.name, serializer);
}

export function serializerNamed(name: string): Serializer {
  const found = registry.get(name);
  if (!found) throw new SerializationError(`no serializer named "${name}" is registered (known: ${[...registry.keys()].join(', ')})`);
  return found;
}
