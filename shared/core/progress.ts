// What a running handler reports about itself: its progress and its log. The rules (what a
// progress value may be, how the log is bounded) live here once; every backend stores the result
// as the worker hands it over (TaskReport), fenced by the lease like a renewal.
import { ConfigurationError } from './errors.js';
import type { Lease, TaskRecord } from './types.js';

/** A number from 0 to 100, or a small JSON object (`{ done: 3, of: 10 }`). */
export type TaskProgress = number | { [key: string]: unknown };

/** A task's log as stored: the newest lines, oldest first, and how many older ones were dropped. */
export interface TaskLog {
  lines: string[];
  dropped: number;
}

/** The most lines a task's log keeps (the oldest go first). */
export const LOG_MAX_LINES = 1000;
/** The most UTF-8 bytes a task's log keeps, all lines together (the oldest go first). */
export const LOG_MAX_BYTES = 64 * 1024;
/** A longer line is cut to this many UTF-8 bytes (then ends in "…"). */
export const LOG_LINE_MAX_BYTES = 8 * 1024;
/** The most bytes of JSON a progress object may take. */
export const PROGRESS_MAX_BYTES = 1024;

const encoder = new TextEncoder();
const utf8Length = (text: string): number => (/^[\x00-\x7f]*$/.test(text) ? text.length : encoder.encode(text).length);

/** The value checked and copied (a plain JSON round trip for objects), or a ConfigurationError
 *  naming `ctx.progress`. */
export function checkProgress(value: unknown): TaskProgress {
  const expected = `a number from 0 to 100, or a JSON object of at most ${PROGRESS_MAX_BYTES} bytes`;
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0 && value <= 100) return value;
    throw new ConfigurationError({ option: 'ctx.progress', expected, given: value });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigurationError({ option: 'ctx.progress', expected, given: value });
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw new ConfigurationError({ option: 'ctx.progress', expected, given: `an object JSON cannot write (${(err as Error).message})` });
  }
  if (utf8Length(json) > PROGRESS_MAX_BYTES)
    throw new ConfigurationError({ option: 'ctx.progress', expected, given: `${utf8Length(json)} bytes of JSON` });
  return JSON.parse(json) as TaskProgress;
}

/** A log line as stored: text (not a string is written with String()), no line breaks inside
 *  (each becomes its own line), and at most LOG_LINE_MAX_BYTES. */
export function logLines(line: unknown): string[] {
  const text = typeof line === 'string' ? line : String(line);
  return text.split(/\r\n|\r|\n/).map(cutLine);
}

function cutLine(line: string): string {
  if (utf8Length(line) <= LOG_LINE_MAX_BYTES) return line;
  // Cut on a code point boundary: decode the first bytes, dropping a split character.
  const bytes = encoder.encode(line).subarray(0, LOG_LINE_MAX_BYTES - 3);
  return `${new TextDecoder('utf-8', { fatal: false }).decode(bytes).replace(/\uFFFD$/, '')}…`;
}

/** `log` with `added` appended, then the oldest lines dropped until at most LOG_MAX_LINES and
 *  LOG_MAX_BYTES remain (`dropped` counts them). Changes `log` in place and returns it. */
export function appendLog(log: TaskLog, added: readonly string[], sizes: number[] = log.lines.map(utf8Length)): TaskLog {
  let bytes = sizes.reduce((a, b) => a + b, 0);
  for (const line of added) {
    log.lines.push(line);
    const size = utf8Length(line);
    sizes.push(size);
    bytes += size;
  }
  let drop = 0;
  while (log.lines.length - drop > LOG_MAX_LINES || bytes > LOG_MAX_BYTES) bytes -= sizes[drop++];
  if (drop > 0) {
    log.lines.splice(0, drop);
    sizes.splice(0, drop);
    log.dropped += drop;
  }
  return log;
}

/** What a worker writes for one running task: the task's whole progress and log as they now are
 *  (a backend replaces what it stores), and what is new since the last report, for the event
 *  stream. Accepted only while `lease` holds, like a renewal. */
export interface TaskReport {
  lease: Lease;
  /** The last progress reported; undefined when the handler has reported none. */
  progress?: TaskProgress;
  /** The whole bounded log. */
  log: TaskLog;
  /** True when `progress` changed since the last report. */
  progressChanged: boolean;
  /** The lines added since the last report (already in `log`). */
  newLines: string[];
}

/** A task as listings (`Backend.listTasks`) return it: without its log (`log`, `logDropped`), which
 *  only `getTask` carries — a page of 1,000 tasks could otherwise carry 64 MiB of log lines to a
 *  table that shows none of them. */
export function withoutLog(record: TaskRecord): TaskRecord {
  if (record.log === undefined && record.logDropped === undefined) return record;
  const { log: _log, logDropped: _dropped, ...rest } = record;
  return rest;
}
