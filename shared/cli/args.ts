// Parsers for flag values. A bad value is a commander InvalidArgumentError, which the CLI reports
// with the flag's name and exits 2 before anything is opened or written.
import { InvalidArgumentError } from 'commander';
import { QUEUE_NAME, QUEUE_NAME_EXPECTED } from '../core/rules.js';

/** A whole number within [min, max]. */
export function wholeNumber(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = /^[+-]?\d+$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max.toLocaleString('en-US')}.`);
    return n;
  };
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration in ms: `500`, `500ms`, `2s`, `5m`, `1h`, `7d`. */
export function duration(min = 0, max = 10 * 365 * 86_400_000): (value: string) => number {
  return (value) => {
    const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)?$/.exec(value.trim());
    const ms = m ? Math.round(Number(m[1]) * UNITS[m[2] ?? 'ms']) : NaN;
    if (!Number.isFinite(ms) || ms < min || ms > max) {
      throw new InvalidArgumentError(`expected a duration of at least ${min} ms: a number of ms, or with a unit (500ms, 2s, 5m, 1h, 7d).`);
    }
    return ms;
  };
}

/** Comma-separated queue names. */
export function queueList(value: string): string[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.find((n) => !QUEUE_NAME.test(n));
  if (names.length === 0 || bad !== undefined)
    throw new InvalidArgumentError(
      `expected queue names (each ${QUEUE_NAME_EXPECTED}), separated by commas${bad !== undefined ? ` ("${bad}" is not one)` : ''}.`,
    );
  return names;
}

export function queueName(value: string): string {
  if (!QUEUE_NAME.test(value)) throw new InvalidArgumentError(`expected ${QUEUE_NAME_EXPECTED}.`);
  return value;
}
