// How big a task may be on a backend, checked before anything is written: a payload over the
// limit is refused at enqueue (a batch with one such item writes nothing), and a result that would
// not fit makes its task `dead` with the reason instead of a completion retried forever.
import { ConfigurationError, UnrecoverableError } from './errors.js';
import type { NewTask } from './types.js';

/** Bytes of every task record kept free for its other fields (ids, names, timestamps, the error's
 *  message and stack — capped by toTaskError — and the backend's own bookkeeping). */
export const TASK_RECORD_RESERVE_BYTES = 64 * 1024;

export interface TaskSizeLimit {
  /** Most bytes of serialized payload plus serialized result that one task may hold. */
  bytes: number;
  /** Where the limit comes from, for messages: e.g. `the server's max_payload of 1048576 bytes less 65536 for the task's other fields`. */
  source: string;
}

/** Refuses, before any write, a batch in which any payload is over the backend's limit. */
export function checkPayloadSizes(tasks: readonly NewTask[], limit: TaskSizeLimit, backend: string): void {
  const issues = [];
  for (let i = 0; i < tasks.length; i++) {
    const size = tasks[i].payload.length;
    if (size <= limit.bytes) continue;
    issues.push({
      option: tasks.length > 1 ? `payloads[${i}]` : 'payload',
      expected: `a serialized payload of at most ${limit.bytes} bytes (the ${backend} backend's limit per task: ${limit.source}); store large data elsewhere and enqueue a reference to it`,
      given: `${size} bytes`,
    });
  }
  if (issues.length) throw new ConfigurationError(issues);
}

/** The error that ends a task whose result cannot be stored with it. */
export function checkResultSize(payloadBytes: number, resultBytes: number, limit: TaskSizeLimit, backend: string): void {
  if (payloadBytes + resultBytes <= limit.bytes) return;
  throw new UnrecoverableError(
    `the result is ${resultBytes} bytes serialized; with the payload's ${payloadBytes} bytes that is over the ${backend} backend's limit of ${limit.bytes} bytes per task (${limit.source}); return less (store large data elsewhere and return a reference to it)`,
  );
}
